#include "keeper_link.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "broker.hpp"
#include "keeper_channel.hpp"

namespace pyattach {

namespace {

double seconds_since_epoch(std::chrono::system_clock::time_point when) {
  return std::chrono::duration<double>(when.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_seconds(double seconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(seconds)));
}

KeptSession kept_from(const nlohmann::json& message, std::vector<UniqueFd>& fds) {
  KeptSession kept;
  kept.id = message.at("id").get<int>();
  kept.name = message.at("name").get<std::string>();
  kept.command = message.at("command").get<std::vector<std::string>>();
  kept.size = WindowSize{message.at("rows").get<unsigned short>(),
                         message.at("cols").get<unsigned short>()};
  kept.pid = message.value("pid", 0);
  kept.created = from_seconds(message.value("created", 0.0));
  if (message.contains("status") && message["status"].is_number_integer())
    kept.wait_status = message["status"].get<int>();
  kept.status_lost = message.value("lost", false);
  if (message.contains("log") && message["log"].is_string()) kept.log = message["log"];
  if (!fds.empty()) kept.master = std::move(fds[0]);
  return kept;
}

}  // namespace

bool KeeperLink::connect(UniqueFd channel, std::vector<KeptSession>& sessions, std::string& error) {
  if (!send_message(channel.get(), {{"op", "hello"}})) {
    error = std::string("cannot reach the keeper: ") + std::strerror(errno);
    return false;
  }
  for (;;) {
    nlohmann::json message;
    std::vector<UniqueFd> fds;
    const Received got = receive_message(channel.get(), message, fds, true);
    if (got != Received::kMessage) {
      error = got == Received::kEnd ? "the keeper closed its channel"
              : got == Received::kMalformed
                  ? "the keeper sent a malformed message"
                  : std::string("cannot read from the keeper: ") + std::strerror(errno);
      return false;
    }
    const std::string op = message.value("op", "");
    if (op == "end") break;
    if (op != "session") continue;
    try {
      KeptSession kept = kept_from(message, fds);
      // The link keeps a duplicate, as for sessions registered later.
      Registered& registered = registered_[kept.id];
      registered.meta = message;
      registered.meta["op"] = "add";
      registered.meta.erase("lost");
      if (kept.master) registered.master.reset(::fcntl(kept.master.get(), F_DUPFD_CLOEXEC, 0));
      sessions.push_back(std::move(kept));
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "pyattachd: the keeper sent an unreadable session: " << e.what() << "\n";
    }
  }
  channel_ = std::move(channel);
  start_polling();
  return true;
}

void KeeperLink::start_polling() {
  ::fcntl(channel_.get(), F_SETFL, ::fcntl(channel_.get(), F_GETFL) | O_NONBLOCK);
  poll_.emplace();
  uv_poll_init(broker_.loop(), (*poll_).get(), channel_.get());
  (*poll_)->data = this;
  uv_poll_start((*poll_).get(), UV_READABLE, on_readable);
}

void KeeperLink::tell(const nlohmann::json& message, const std::vector<int>& fds) {
  if (!channel_) return;
  // The keeper answers at once; a full socket means it hangs, and then it is as good as
  // gone: the session stays registered here and is sent again to the next keeper.
  if (!send_message(channel_.get(), message, fds) && errno != EAGAIN)
    std::cerr << "pyattachd: cannot reach the keeper: " << std::strerror(errno) << "\n";
}

void KeeperLink::add(int id, const std::string& name, const std::vector<std::string>& command,
                     WindowSize size, int master, const std::string& log) {
  if (!channel_) return;
  Registered& registered = registered_[id];
  registered.meta = {
      {"op", "add"},       {"id", id},
      {"name", name},      {"command", command},
      {"rows", size.rows}, {"cols", size.cols},
      {"pid", 0},          {"created", seconds_since_epoch(std::chrono::system_clock::now())}};
  if (!log.empty()) registered.meta["log"] = log;
  registered.master.reset(::fcntl(master, F_DUPFD_CLOEXEC, 0));
  if (!registered.master) return;
  tell(registered.meta, {registered.master.get()});
}

void KeeperLink::started(int id, pid_t pid) {
  auto found = registered_.find(id);
  if (found == registered_.end()) return;
  // Sent again in full: the keeper replaces what it had.
  found->second.meta["pid"] = pid;
  std::vector<int> fds;
  if (found->second.master) fds.push_back(found->second.master.get());
  tell(found->second.meta, fds);
}

void KeeperLink::status(int id, int wait_status) {
  auto found = registered_.find(id);
  if (found == registered_.end()) return;
  found->second.meta["status"] = wait_status;  // for a keeper started later
  tell({{"op", "status"}, {"id", id}, {"status", wait_status}});
}

void KeeperLink::closed(int id) {
  auto found = registered_.find(id);
  if (found == registered_.end()) return;
  found->second.master.reset();
  tell({{"op", "closed"}, {"id", id}});
}

void KeeperLink::forget(int id) {
  if (registered_.erase(id) == 0) return;
  tell({{"op", "remove"}, {"id", id}});
}

void KeeperLink::shutdown() {
  tell({{"op", "shutdown"}});
  release();
}

void KeeperLink::release() {
  poll_.reset();
  channel_.reset();
  registered_.clear();
}

void KeeperLink::on_readable(uv_poll_t* poll, int, int) {
  auto* self = static_cast<KeeperLink*>(poll->data);
  if (self == nullptr) return;
  for (;;) {
    nlohmann::json message;
    std::vector<UniqueFd> fds;
    const Received got = receive_message(self->channel_.get(), message, fds);
    if (got == Received::kNothingYet) return;
    if (got == Received::kMalformed) continue;
    if (got != Received::kMessage) {
      self->keeper_lost();
      return;
    }
    const std::string op = message.value("op", "");
    try {
      if (op == "exited") {
        self->broker_.child_exited(message.at("id").get<int>(), message.at("pid").get<pid_t>(),
                                   message.at("status").get<int>());
      } else if (op == "upgrade") {
        self->broker_.hand_over();
        return;
      }
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "pyattachd: ignoring a malformed message from the keeper: " << e.what() << "\n";
    }
    if (!self->channel_) return;
  }
}

void KeeperLink::keeper_lost() {
  std::cerr << "pyattachd: the keeper is gone; starting a new one\n";
  poll_.reset();
  channel_.reset();
  start_new_keeper();
}

void KeeperLink::start_new_keeper() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    std::cerr << "pyattachd: socketpair: " << std::strerror(errno)
              << "; sessions will not survive a broker crash\n";
    return;
  }
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  const std::string program = sibling_program("pyattach-keeper");
  std::string fd_arg = "3";
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), const_cast<char*>("--adopt-fd"),
                             fd_arg.data(), nullptr};
  uv_stdio_container_t stdio[4];
  helper_stdio(stdio, theirs.get());
  uv_process_options_t options{};
  options.file = program.c_str();
  options.args = argv.data();
  options.stdio_count = 4;
  options.stdio = stdio;
  // Its own session, so that the signals of ours (none expected) do not reach it.
  options.flags = UV_PROCESS_DETACHED;
  // Once libuv has reaped it, other children that ended meanwhile (reap_orphans).
  options.exit_cb = [](uv_process_t* process, int64_t, int) {
    static_cast<Broker*>(process->data)->reap_orphans();
  };
  respawned_.emplace();
  (*respawned_)->data = &broker_;
  if (const int rc = uv_spawn(broker_.loop(), (*respawned_).get(), &options); rc != 0) {
    std::cerr << "pyattachd: cannot start " << program << ": " << uv_strerror(rc)
              << "; sessions will not survive a broker crash\n";
    respawned_.reset();
    return;
  }
  uv_unref((*respawned_).base());  // the keeper must not keep an exiting broker alive
  channel_ = std::move(ours);
  start_polling();
  for (const auto& [id, registered] : registered_) {
    std::vector<int> fds;
    if (registered.master) fds.push_back(registered.master.get());
    tell(registered.meta, fds);
  }
}

}  // namespace pyattach
