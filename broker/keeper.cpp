#include "keeper.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "daemon.hpp"
#include "keeper_channel.hpp"
#include "peer.hpp"
#include "unix_socket.hpp"

namespace pyattach {

namespace {

void answer(const UniqueFd& waiter, const std::string& message) {
  if (waiter) [[maybe_unused]]
    auto ignored = ::write(waiter.get(), message.data(), message.size());
}

std::string describe_wait_status(int wait_status) {
  if (WIFSIGNALED(wait_status))
    return "was killed by signal " + std::to_string(WTERMSIG(wait_status));
  return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
}

// In the forked child, before exec: `fd` becomes exactly `target`, inherited.
void place_fd(int fd, int target) {
  if (fd == target) {
    ::fcntl(fd, F_SETFD, 0);
  } else {
    ::dup2(fd, target);  // dup2 clears close-on-exec on the copy
  }
}

}  // namespace

Keeper::Keeper(uv_loop_t* loop, std::string dir) : loop_(loop), dir_(std::move(dir)) {}

bool Keeper::start(std::string& error) {
  const std::string lock_path = keeper_lock_path(dir_);
  lock_.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock_ || !lock_after_exiting_holder(lock_.get(), keeper_socket_path(dir_))) {
    error = errno == EWOULDBLOCK ? "another keeper serves this directory"
                                 : "cannot lock " + lock_path + ": " + std::strerror(errno);
    return false;
  }
  // We hold the lock, so a socket file left here belongs to a keeper that died.
  listen_socket_ = listen_unix(keeper_socket_path(dir_), SOCK_SEQPACKET, 16, error);
  if (!listen_socket_) return false;
  uv_poll_init(loop_, listener_.get(), listen_socket_.get());
  listener_->data = this;
  uv_poll_start(listener_.get(), UV_READABLE, on_listener);
  uv_signal_init(loop_, sigchld_.get());
  sigchld_->data = this;
  uv_signal_start(sigchld_.get(), on_sigchld, SIGCHLD);
  return true;
}

void Keeper::on_listener(uv_poll_t* poll, int status, int) {
  auto* self = static_cast<Keeper*>(poll->data);
  if (self == nullptr || status < 0) return;
  for (;;) {
    UniqueFd client(::accept4(self->listen_socket_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) return;
    if (!peer_is_same_user(client.get())) continue;  // closed: only our user may ask
    self->handle_request(std::move(client));
    if (self->stopped_) return;
  }
}

void Keeper::handle_request(UniqueFd client) {
  // A starter sends its one request as soon as it connects; do not wait on a silent one.
  const timeval timeout{2, 0};
  ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  nlohmann::json request;
  std::vector<UniqueFd> fds;
  if (receive_message(client.get(), request, fds, true) != Received::kMessage || fds.size() != 1)
    return;
  const std::string op = request.value("op", "");
  const std::string binary = request.value("binary", "");
  if (binary.empty() || (op != "start" && op != "upgrade")) {
    answer(fds[0], "the keeper does not understand this request");
    return;
  }
  send_message(client.get(), {{"op", "accepted"}});
  if (op == "start") {
    start_broker(binary, std::move(fds[0]));
  } else {
    upgrade_broker(binary, std::move(fds[0]));
  }
}

void Keeper::start_broker(const std::string& binary, UniqueFd waiter) {
  if (state_ == BrokerState::Ready) {
    answer(waiter, "another pyattachd is already serving this directory");
    return;
  }
  waiters_.push_back(std::move(waiter));
  if (state_ != BrokerState::None) return;
  if (broker_pid_ != 0) {
    pending_binary_ = binary;  // the dead broker's lock goes with its last breath
  } else {
    spawn_broker(binary);
  }
}

void Keeper::upgrade_broker(const std::string& binary, UniqueFd waiter) {
  if (state_ == BrokerState::None) {
    start_broker(binary, std::move(waiter));
    return;
  }
  if (state_ == BrokerState::Starting || pending_binary_) {
    answer(waiter, "a broker is starting; try again once it serves");
    return;
  }
  std::cerr << "pyattach-keeper: upgrading the broker to " << binary << "\n";
  pending_binary_ = binary;
  waiters_.push_back(std::move(waiter));
  send_message(channel_.get(), {{"op", "upgrade"}});
}

void Keeper::spawn_broker(const std::string& binary) {
  int pair[2];
  int pipe[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    readiness_known(std::string("socketpair: ") + std::strerror(errno));
    return;
  }
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  if (::pipe2(pipe, O_CLOEXEC) != 0) {
    readiness_known(std::string("pipe: ") + std::strerror(errno));
    return;
  }
  UniqueFd ready_read(pipe[0]);
  UniqueFd ready_write(pipe[1]);
  const pid_t pid = ::fork();
  if (pid < 0) {
    readiness_known(std::string("fork: ") + std::strerror(errno));
    return;
  }
  if (pid == 0) {
    // Move both out of the way of 3 and 4 first, then into place.
    const int channel = ::fcntl(theirs.get(), F_DUPFD_CLOEXEC, 10);
    const int ready = ::fcntl(ready_write.get(), F_DUPFD_CLOEXEC, 10);
    place_fd(channel, 3);
    place_fd(ready, 4);
    ::close_range(5, ~0U, 0);
    ::signal(SIGPIPE, SIG_DFL);
    ::execl(binary.c_str(), binary.c_str(), "--keeper-fd", "3", "--ready-fd", "4",
            static_cast<char*>(nullptr));
    const std::string message = "cannot run " + binary + ": " + std::strerror(errno);
    [[maybe_unused]] auto ignored = ::write(4, message.data(), message.size());
    ::_exit(127);
  }
  std::cerr << "pyattach-keeper: started the broker " << binary << " (pid " << pid << ")\n";
  broker_pid_ = pid;
  state_ = BrokerState::Starting;
  broker_has_sessions_ = false;
  ready_message_.clear();
  ready_pipe_ = std::move(ready_read);
  ready_poll_.emplace();
  uv_poll_init(loop_, (*ready_poll_).get(), ready_pipe_.get());
  (*ready_poll_)->data = this;
  uv_poll_start((*ready_poll_).get(), UV_READABLE, on_ready_pipe);
  watch_channel(std::move(ours));
}

void Keeper::adopt_broker(UniqueFd channel) {
  state_ = BrokerState::Ready;
  broker_has_sessions_ = true;  // it re-sends every session it has
  watch_channel(std::move(channel));
}

void Keeper::watch_channel(UniqueFd channel) {
  channel_poll_.reset();
  channel_ = std::move(channel);
  ::fcntl(channel_.get(), F_SETFL, ::fcntl(channel_.get(), F_GETFL) | O_NONBLOCK);
  channel_poll_.emplace();
  uv_poll_init(loop_, (*channel_poll_).get(), channel_.get());
  (*channel_poll_)->data = this;
  uv_poll_start((*channel_poll_).get(), UV_READABLE, on_channel);
}

void Keeper::on_ready_pipe(uv_poll_t* poll, int, int) {
  auto* self = static_cast<Keeper*>(poll->data);
  if (self == nullptr) return;
  char chunk[512];
  const ssize_t got = ::read(self->ready_pipe_.get(), chunk, sizeof chunk);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (got > 0) {
    self->ready_message_.append(chunk, static_cast<std::size_t>(got));
    return;
  }
  // End of file: the broker said all it will say.
  self->ready_poll_.reset();
  self->ready_pipe_.reset();
  self->readiness_known(self->ready_message_.empty() ? "the broker exited before it was ready"
                                                     : self->ready_message_);
}

void Keeper::readiness_known(const std::string& message) {
  if (message == "ok" && state_ == BrokerState::Starting) state_ = BrokerState::Ready;
  for (const auto& waiter : waiters_) answer(waiter, message);
  waiters_.clear();
  exit_if_idle();
}

void Keeper::on_channel(uv_poll_t* poll, int, int) {
  auto* self = static_cast<Keeper*>(poll->data);
  if (self == nullptr) return;
  for (;;) {
    nlohmann::json message;
    std::vector<UniqueFd> fds;
    const Received got = receive_message(self->channel_.get(), message, fds);
    if (got == Received::kNothingYet) return;
    if (got == Received::kMalformed) {
      std::cerr << "pyattach-keeper: ignoring a malformed message from the broker\n";
      continue;
    }
    if (got != Received::kMessage) {
      self->broker_gone();
      return;
    }
    try {
      self->handle_broker_message(message, fds);
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "pyattach-keeper: ignoring a malformed message from the broker: " << e.what()
                << "\n";
    }
    if (!self->channel_poll_) return;
  }
}

void Keeper::handle_broker_message(const nlohmann::json& message, std::vector<UniqueFd>& fds) {
  const std::string op = message.at("op").get<std::string>();
  if (op == "hello") {
    send_sessions();
    return;
  }
  if (op == "shutdown") {
    // kill-server: the sessions end with the broker; our duplicates must not keep their
    // terminals open. Its exit is then no business of ours.
    shutting_down_ = true;
    stop();
    return;
  }
  const int id = message.at("id").get<int>();
  if (op == "add") {
    Kept& kept = sessions_[id];
    kept.meta = message;
    kept.meta.erase("op");
    kept.meta.erase("status");
    kept.master = fds.empty() ? UniqueFd() : std::move(fds[0]);
    kept.wait_status.reset();
    // A broker re-registering its sessions with a new keeper sends the ended ones too.
    if (message.contains("status") && message["status"].is_number_integer())
      kept.wait_status = message["status"].get<int>();
    return;
  }
  auto found = sessions_.find(id);
  if (found == sessions_.end()) return;
  if (op == "status") {
    found->second.wait_status = message.at("status").get<int>();
  } else if (op == "closed") {
    found->second.master.reset();
  } else if (op == "remove") {
    sessions_.erase(found);
  }
}

void Keeper::send_sessions() {
  reap();  // statuses of programs that ended while no broker ran, first
  for (auto& [id, kept] : sessions_) {
    nlohmann::json message = kept.meta;
    message["op"] = "session";
    message["status"] = kept.wait_status ? nlohmann::json(*kept.wait_status) : nullptr;
    pid_t pid = kept.meta.value("pid", 0);
    // The broker died between opening the terminal and learning the program's pid; the
    // program leads the terminal's session, so the terminal knows it.
    if (pid == 0 && kept.master && ::ioctl(kept.master.get(), TIOCGSID, &pid) == 0)
      message["pid"] = kept.meta["pid"] = pid;
    // Reaped by its zygote in the moment between the broker's death and the zygote's:
    // gone, and nobody can know how it ended.
    message["lost"] = !kept.wait_status && pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
    std::vector<int> fds;
    if (kept.master) fds.push_back(kept.master.get());
    if (!send_message(channel_.get(), message, fds))
      std::cerr << "pyattach-keeper: cannot hand session " << id
                << " over: " << std::strerror(errno) << "\n";
  }
  send_message(channel_.get(), {{"op", "end"}});
  broker_has_sessions_ = true;
}

void Keeper::on_sigchld(uv_signal_t* handle, int) {
  if (auto* self = static_cast<Keeper*>(handle->data)) self->reap();
}

void Keeper::reap() {
  for (;;) {
    int wait_status = 0;
    const pid_t pid = ::waitpid(-1, &wait_status, WNOHANG);
    if (pid <= 0) return;
    if (pid == broker_pid_) {
      std::cerr << "pyattach-keeper: the broker (pid " << pid << ") "
                << describe_wait_status(wait_status) << "\n";
      broker_pid_ = 0;
      broker_gone();
    } else {
      program_exited(pid, wait_status);
    }
  }
}

void Keeper::program_exited(pid_t pid, int wait_status) {
  for (auto& [id, kept] : sessions_) {
    if (kept.meta.value("pid", 0) != pid || kept.wait_status) continue;
    kept.wait_status = wait_status;
    if (channel_ && broker_has_sessions_)
      send_message(channel_.get(),
                   {{"op", "exited"}, {"id", id}, {"pid", pid}, {"status", wait_status}});
    return;
  }
  // Not a session: a zygote or `run` program of a dead broker, or an orphan. Reaped.
}

void Keeper::broker_gone() {
  if (channel_) {
    channel_poll_.reset();
    channel_.reset();
    state_ = BrokerState::None;
    broker_has_sessions_ = false;
  }
  if (broker_pid_ != 0) return;  // its exit is still to be reaped; we come back then
  if (shutting_down_) {
    stop();
    return;
  }
  if (pending_binary_ && state_ == BrokerState::None) {
    const std::string binary = *pending_binary_;
    pending_binary_.reset();
    spawn_broker(binary);
    return;
  }
  exit_if_idle();
}

void Keeper::exit_if_idle() {
  if (state_ != BrokerState::None || broker_pid_ != 0 || !waiters_.empty() || pending_binary_)
    return;
  if (!sessions_.empty()) {
    std::cerr << "pyattach-keeper: no broker runs; keeping " << sessions_.size()
              << " session(s) for the next one\n";
    return;
  }
  stop();
}

void Keeper::stop() {
  if (stopped_) return;
  stopped_ = true;
  ::unlink(keeper_socket_path(dir_).c_str());
  listener_.close();
  listen_socket_.reset();
  channel_poll_.reset();
  channel_.reset();
  ready_poll_.reset();
  ready_pipe_.reset();
  sigchld_.close();
  sessions_.clear();
  waiters_.clear();
}

}  // namespace pyattach
