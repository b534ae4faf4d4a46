// The broker's part in surviving its own crash or upgrade (keeper.hpp): taking the
// sessions back from the keeper when it starts, and leaving them to it on an upgrade.

#include <sys/wait.h>

#include <algorithm>
#include <iostream>

#include "broker.hpp"

namespace pyattach {

namespace {

// What an attached client sees first: the screen it had is gone, the program is not.
constexpr std::string_view kRestartNotice = "[pyattach: broker restarted; earlier screen lost]\r\n";

}  // namespace

bool Broker::recover_from_keeper(UniqueFd channel, std::string& error) {
  std::vector<KeptSession> kept;
  if (!keeper_.connect(std::move(channel), kept, error)) return false;
  for (KeptSession& session : kept) {
    next_session_id_ = std::max(next_session_id_, session.id + 1);
    if (!session.master) {
      // It had ended before the crash and its terminal is closed: a terminal whose
      // other end is closed stands in, so it is listed with its status as before.
      auto pty = open_pty(session.size, error);
      if (!pty || !session.wait_status) continue;
      session.master = std::move(pty->master);
    }
    auto recovered = Session::recovered(*this, session.id, session.name, session.command,
                                        std::move(session.master), session.size, session.pid,
                                        session.created, kRestartNotice);
    Session& adopted = *recovered;
    sessions_.emplace(session.id, std::move(recovered));
    if (!session.log.empty()) {
      // The log goes on where the old broker stopped: what the program wrote meanwhile
      // waited in its terminal and is read next.
      std::string log_error;
      if (auto log = SessionLog::open(loop_, session.log, log_error)) {
        adopted.record_to(std::move(log));
      } else {
        std::cerr << "pyattachd: session " << session.name << ": " << log_error << "\n";
      }
    }
    std::cerr << "pyattachd: recovered session " << session.name << " (pid " << session.pid
              << ")\n";
    if (session.wait_status) {
      // It ended while no broker ran; what it wrote before still waits in the terminal.
      adopted.ended(*session.wait_status);
    } else if (session.status_lost) {
      std::cerr << "pyattachd: session " << session.name
                << " ended while no broker ran and its exit status is lost\n";
      adopted.ended(255 << 8);
    }
  }
  return true;
}

void Broker::hand_over() {
  if (shutting_down_) return;
  std::cerr << "pyattachd: handing " << sessions_.size() << " session(s) over to a new broker\n";
  // The keeper keeps every terminal; closing ours below then hangs up nothing.
  keeper_.release();
  shutdown();
}

}  // namespace pyattach
