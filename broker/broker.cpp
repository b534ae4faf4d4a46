#include "broker.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>

#include "daemon.hpp"
#include "peer.hpp"
#include "runtime_dir.hpp"
#include "unix_socket.hpp"
#include "zygote_source.hpp"

namespace pyattach {

namespace {

// Written next to the socket so the user's interpreter can run it; replaced atomically
// so a zygote starting at that moment never reads half a file.
bool write_zygote_source(const std::string& path, std::string& error) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << kZygoteSource;
    if (!out) {
      error = "cannot write " + temporary;
      return false;
    }
  }
  ::chmod(temporary.c_str(), 0600);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

Broker::Broker(uv_loop_t* loop, std::string dir)
    : loop_(loop),
      dir_(std::move(dir)),
      zygote_path_(dir_ + "/zygote.py"),
      program_file_limit_(raise_open_file_limit()) {}

Broker::~Broker() = default;

bool Broker::start(std::string& error) {
  if (!write_zygote_source(zygote_path_, error)) return false;

  // The caller holds the broker lock, so a socket file left here is stale.
  listen_socket_ = listen_unix(broker_socket_path(dir_), SOCK_STREAM, 128, error);
  if (!listen_socket_) return false;
  uv_poll_init(loop_, listener_.get(), listen_socket_.get());
  listener_->data = this;
  uv_poll_start(listener_.get(), UV_READABLE, on_connection);

  // Session programs whose zygote died are re-parented to us (we are a subreaper).
  uv_signal_init(loop_, sigchld_.get());
  sigchld_->data = this;
  uv_signal_start(sigchld_.get(), on_signal, SIGCHLD);
  for (auto* handle : {sigterm_.get(), sigint_.get()}) {
    uv_signal_init(loop_, handle);
    handle->data = this;
  }
  uv_signal_start(sigterm_.get(), on_signal, SIGTERM);
  uv_signal_start(sigint_.get(), on_signal, SIGINT);

  uv_check_init(loop_, collector_.get());
  collector_->data = this;
  uv_check_start(collector_.get(), on_check);
  uv_unref(collector_.base());  // housekeeping only: never what keeps the broker running

  // Without it, statuses come through the zygotes, a little later: not worth failing for.
  std::string reports_error;
  if (!exit_reports_.start(
          loop_,
          // What waitpid will say for a program that passed exit_code to os._exit.
          [this](pid_t pid, int exit_code) { program_ended(pid, exit_code << 8); }, reports_error))
    std::cerr << "pyattachd: " << reports_error << "; exit statuses come through the zygotes\n";
  return true;
}

void Broker::on_connection(uv_poll_t* poll, int status, int) {
  auto* self = static_cast<Broker*>(poll->data);
  if (self == nullptr || status < 0) return;
  for (;;) {
    UniqueFd socket(
        ::accept4(self->listen_socket_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!socket) return;  // EAGAIN: all accepted (other errors: the client is gone)
    const Connection::Id id = self->next_connection_id_++;
    auto owned = std::make_unique<Connection>(*self, id, std::move(socket));
    Connection& client = *owned;
    self->connections_.emplace(id, std::move(owned));
    client.start_reading();
    if (!peer_is_same_user(client.fd())) {
      const auto cred = peer_credentials(client.fd());
      client.fail("permission denied: the broker serves uid " + std::to_string(::geteuid()) +
                  ", not uid " + (cred ? std::to_string(cred->uid) : std::string("unknown")));
    }
  }
}

Connection* Broker::connection(Connection::Id id) {
  auto found = connections_.find(id);
  return found == connections_.end() ? nullptr : found->second.get();
}

void Broker::drop_connection(Connection::Id id) {
  auto found = connections_.find(id);
  if (found == connections_.end()) return;
  std::unique_ptr<Connection> client = std::move(found->second);
  connections_.erase(found);
  if (client->attached_session) {
    if (auto found = sessions_.find(*client->attached_session); found != sessions_.end()) {
      Session& session = *found->second;
      session.detach(*client);
      session.hang_up_if_abandoned();
    }
  }
  if (client->run_id) {
    if (auto run = runs_.find(*client->run_id); run != runs_.end()) {
      if (run->second.pid > 0) {
        ::kill(run->second.pid, SIGHUP);
        ::kill(run->second.pid, SIGCONT);  // a stopped one (Ctrl-Z) would never see the SIGHUP
      }
      runs_.erase(run);
    }
  }
  client->close();
  dead_connections_.push_back(std::move(client));
}

void Broker::connection_drained(Connection& client) {
  if (!client.needs_redraw || !client.attached_session) return;
  if (auto session = sessions_.find(*client.attached_session); session != sessions_.end())
    session->second->redraw_to(client);
}

void Broker::child_exited(int session_id, pid_t pid, int wait_status) {
  if (auto run = runs_.find(session_id); run != runs_.end()) {
    if (run->second.pid != pid) return;
    if (Connection* client = connection(run->second.client)) {
      client->run_id.reset();
      client->send_json(MsgType::Exit, exit_payload(wait_status));
      client->finish();
    }
    runs_.erase(run);
    return;
  }
  auto found = sessions_.find(session_id);
  // A program that reported its own exit is reaped later, and reported again then.
  if (found == sessions_.end() || found->second->pid() != pid || !found->second->running()) return;
  keeper_.status(session_id, wait_status);
  found->second->ended(wait_status);
  session_zygote_.erase(session_id);
}

void Broker::child_stopped(int session_id, pid_t pid, bool stopped) {
  auto found = sessions_.find(session_id);
  if (found == sessions_.end() || found->second->pid() != pid) return;
  found->second->program_stopped(stopped);
}

void Broker::session_finished(Session& session) {
  session_zygote_.erase(session.id());
  keeper_.closed(session.id());  // its terminal is closed: nothing left to keep
  if (!session.transient) return;
  // Its client has the status; nobody else asked for it. Freed outside its own callback.
  if (auto found = sessions_.find(session.id()); found != sessions_.end()) {
    dead_sessions_.push_back(std::move(found->second));
    sessions_.erase(found);
  }
}

void Broker::zygote_failed(Zygote& zygote) {
  auto found = zygotes_.find(zygote.profile().key());
  if (found == zygotes_.end() || found->second.get() != &zygote) return;
  retired_zygotes_.push_back(std::move(found->second));
  zygotes_.erase(found);
}

void Broker::zygote_exited(Zygote& zygote) {
  // Its children are ours now (subreaper); reap them as they end.
  for (auto& [session_id, owner] : session_zygote_) {
    if (owner != &zygote) continue;
    if (auto session = sessions_.find(session_id); session != sessions_.end())
      session->second->orphaned = true;
    owner = nullptr;
  }
  const bool stopped = zygote.state() == Zygote::State::Stopping;
  for (auto it = retired_zygotes_.begin(); it != retired_zygotes_.end(); ++it) {
    // A stale one stays listed (`pyattach profiles`) until its profile is started again,
    // which may have happened while it was still ending.
    if (it->get() == &zygote && (zygote.state() != Zygote::State::Stale || superseded(zygote))) {
      dead_zygotes_.push_back(std::move(*it));
      retired_zygotes_.erase(it);
      break;
    }
  }
  reap_orphans();
  if (stopped) exit_if_idle();
}

// As subreaper we inherit whatever a dead zygote leaves: session programs, `run`
// programs (their client waits for the status) and pooled children. Every exited child
// that no libuv process handle waits for is reaped here, else it stays a zombie; one
// that was a session's or a run's program reports its status.
//
// Exited children are found with waitid(WNOWAIT), which looks without reaping. Listing
// /proc/self/task/PID/children instead (as before) may miss a child that is being
// reparented to us while it is read: under chaos a program's end then went unseen, and
// its session stayed "running" for good with its terminal open.
void Broker::reap_orphans() {
  std::set<pid_t> managed;  // libuv reaps these itself (zygotes, helpers it spawned)
  uv_walk(
      loop_,
      [](uv_handle_t* handle, void* pids) {
        if (handle->type == UV_PROCESS)
          static_cast<std::set<pid_t>*>(pids)->insert(reinterpret_cast<uv_process_t*>(handle)->pid);
      },
      &managed);
  for (;;) {
    siginfo_t exited{};
    if (::waitid(P_ALL, 0, &exited, WEXITED | WNOHANG | WNOWAIT) != 0 || exited.si_pid == 0) return;
    const pid_t pid = exited.si_pid;
    // Left to libuv, which reaps it in this same SIGCHLD turn and then calls us again
    // (Zygote::on_process_exit, KeeperLink's respawned keeper): the children behind it
    // are not forgotten.
    if (managed.count(pid) != 0) return;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid) return;
    program_ended(pid, status);
  }
}

void Broker::program_ended(pid_t pid, int wait_status) {
  for (const auto& [id, session] : sessions_) {
    if (session->running() && session->pid() == pid) {
      child_exited(id, pid, wait_status);
      return;
    }
  }
  for (const auto& [id, run] : runs_) {
    if (run.pid == pid) {
      child_exited(id, pid, wait_status);
      return;
    }
  }
  // Before its zygote's "spawned" (or not a program): the spawned callback claims it.
  unclaimed_exits_[pid] = {wait_status, std::chrono::steady_clock::now()};
}

std::optional<int> Broker::claim_exit(pid_t pid) {
  constexpr auto kKept = std::chrono::seconds(10);
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(unclaimed_exits_,
                [&](const auto& entry) { return now - entry.second.reaped > kKept; });
  auto found = unclaimed_exits_.find(pid);
  if (found == unclaimed_exits_.end()) return std::nullopt;
  const int status = found->second.status;
  unclaimed_exits_.erase(found);
  return status;
}

void Broker::on_signal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Broker*>(handle->data);
  if (self == nullptr) return;
  if (signum == SIGCHLD) {
    self->reap_orphans();
  } else {
    self->shutdown();
  }
}

void Broker::on_check(uv_check_t* handle) {
  auto* self = static_cast<Broker*>(handle->data);
  if (self == nullptr) return;
  self->dead_connections_.clear();
  self->dead_zygotes_.clear();
  self->dead_sessions_.clear();
}

void Broker::shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  keeper_.shutdown();  // first, so its copies do not keep the terminals open
  ::unlink(broker_socket_path(dir_).c_str());
  listener_.close();
  listen_socket_.reset();
  for (auto& [id, session] : sessions_) session->hang_up();
  std::vector<Connection::Id> ids;
  for (const auto& [id, client] : connections_) ids.push_back(id);
  for (const auto id : ids) {
    if (Connection* client = connection(id)) {
      client->attached_session.reset();
      client->send_json(MsgType::Exit, {{"reason", "server-exit"}});
      client->finish();
    }
  }
  zygotes_.clear();
  retired_zygotes_.clear();
  sigchld_.close();
  sigterm_.close();
  sigint_.close();
}

}  // namespace pyattach
