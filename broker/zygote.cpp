#include "zygote.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "broker.hpp"
#include "daemon.hpp"
#include "fd_passing.hpp"
#include "json_message.hpp"
#include "proc_memory.hpp"

namespace pyattach {

namespace {

// Zygote messages are small; a spawn request (with argv and env) goes the other way.
constexpr std::size_t kMaxZygoteMessage = 64 * 1024;

std::string join(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out.push_back(separator);
    out += item;
  }
  return out;
}

// The last non-empty line of a traceback: the exception and its message.
std::string last_line(const std::string& text) {
  std::size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return text;
  std::size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end + 1 - (start == std::string::npos ? 0 : start + 1));
}

}  // namespace

Zygote::Zygote(Broker& broker, int id, Profile profile, std::chrono::seconds idle)
    : broker_(broker),
      id_(id),
      profile_(std::move(profile)),
      idle_(idle),
      watch_(broker.loop(),
             [this](const std::string& path) { retire(State::Stale, path + " changed"); }) {}

Zygote::~Zygote() {
  poll_.close();
  idle_timer_.close();
  watch_.stop();
  socket_.reset();  // the zygote exits when its socket reaches end of stream
  if (process_->pid > 0) ::kill(process_->pid, SIGTERM);
}

bool Zygote::start(const std::string& zygote_path, const std::vector<std::string>& env,
                   std::string& error) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    error = std::string("socketpair: ") + std::strerror(errno);
    return false;
  }
  socket_.reset(fds[0]);
  UniqueFd zygote_end(fds[1]);

  const std::string preload = join(profile_.preload, ',');
  std::vector<std::string> args = {profile_.python};
  args.insert(args.end(), profile_.flags.begin(), profile_.flags.end());
  args.insert(args.end(),
              {zygote_path, "--fd", "3", "--pool", std::to_string(profile_.pool), "--hand-pool"});
  if (profile_.mode != "fork") args.insert(args.end(), {"--mode", profile_.mode});
  if (!preload.empty()) args.insert(args.end(), {"--preload", preload});
  if (!broker_.exit_report_address().empty())
    args.insert(args.end(), {"--exits", broker_.exit_report_address()});
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (auto& entry : env_copy) envp.push_back(entry.data());
  envp.push_back(nullptr);

  uv_stdio_container_t stdio[4];
  helper_stdio(stdio, zygote_end.get());

  uv_process_options_t options{};
  options.exit_cb = on_process_exit;
  options.file = profile_.python.c_str();
  options.args = argv.data();
  options.env = envp.data();
  options.stdio_count = 4;
  options.stdio = stdio;
  process_->data = this;
  if (const int rc = uv_spawn(broker_.loop(), process_.get(), &options); rc != 0) {
    error = "cannot run Python interpreter '" + profile_.python + "': " + uv_strerror(rc);
    return false;
  }
  give_program_file_limit(process_->pid, broker_.program_file_limit());

  ::fcntl(socket_.get(), F_SETFL, ::fcntl(socket_.get(), F_GETFL) | O_NONBLOCK);
  uv_poll_init(broker_.loop(), poll_.get(), socket_.get());
  poll_->data = this;
  poll_.start(UV_READABLE, on_readable);
  uv_timer_init(broker_.loop(), idle_timer_.get());
  idle_timer_->data = this;
  uv_unref(idle_timer_.base());  // waiting to stop never keeps the broker alive
  return true;
}

void Zygote::when_ready(ReadyDone done) {
  if (state_ == State::Ready) {
    done("");
  } else if (state_ == State::Starting) {
    ready_waiters_.push_back(std::move(done));
  } else {
    done(state_ == State::Failed ? failure_ : "the zygote was stopped: " + retired_because_);
  }
}

void Zygote::retire(State why, const std::string& reason) {
  if (!serving()) return;
  std::cerr << "pyattachd: retiring zygote " << id_ << " (" << profile_.python << " "
            << join(profile_.preload, ',') << "): " << reason << "\n";
  state_ = why;
  retired_because_ = reason;
  watch_.stop();
  uv_timer_stop(idle_timer_.get());
  auto waiters = std::move(ready_waiters_);
  for (auto& waiter : waiters) waiter("the zygote was stopped: " + reason);
  broker_.zygote_retired(*this);
  close_if_done();
}

void Zygote::close_if_done() {
  if (serving() || state_ == State::Failed) return;
  pooled_.clear();  // they exit when their channel reaches end of stream
  if (!queued_.empty() || !in_flight_.empty() || !running_.empty()) return;
  poll_.close();
  socket_.reset();  // the zygote exits at end of stream; its pool goes with it
}

void Zygote::update_idle_timer() {
  if (state_ != State::Ready || idle_.count() <= 0) return;
  if (queued_.empty() && in_flight_.empty() && running_.empty()) {
    uv_timer_start(idle_timer_.get(), on_idle, static_cast<uint64_t>(idle_.count()) * 1000, 0);
  } else {
    uv_timer_stop(idle_timer_.get());
  }
}

void Zygote::on_idle(uv_timer_t* timer) {
  auto* self = static_cast<Zygote*>(timer->data);
  if (self == nullptr) return;
  self->retire(State::Stopping, "idle for " + std::to_string(self->idle_.count()) + " s");
}

void Zygote::spawn(int session_id, nlohmann::json request, std::vector<UniqueFd> fds,
                   SpawnDone done) {
  if (state_ == State::Failed) {
    done(0, failure_);
    return;
  }
  queued_.push_back({session_id, std::move(request), std::move(fds), std::move(done)});
  if (state_ == State::Ready) flush_queue();
  update_idle_timer();
}

// A burst of requests (hundreds of `run` at once) can fill the socket: the rest wait,
// in order, until the zygote has read some.
void Zygote::flush_queue() {
  while (!queued_.empty()) {
    if (hand_to_pooled(queued_.front())) {
      queued_.pop_front();
      continue;
    }
    if (!send_spawn(queued_.front())) {
      poll_.start(UV_READABLE | UV_WRITABLE, on_readable);
      return;
    }
    queued_.pop_front();
  }
  // Every request passes here: re-armed only if it was waiting to write (PollHandle).
  poll_.start(UV_READABLE, on_readable);
}

std::string Zygote::spawn_datagram(PendingSpawn& pending) {
  pending.request["op"] = "spawn";
  pending.request["id"] = pending.session_id;
  return pending.request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool Zygote::hand_to_pooled(PendingSpawn& pending) {
  if (pooled_.empty()) return false;
  const std::string data = spawn_datagram(pending);
  std::vector<int> fds;
  for (const auto& fd : pending.fds) fds.push_back(fd.get());
  while (!pooled_.empty()) {
    PooledChild child = std::move(pooled_.front());
    pooled_.pop_front();
    // Its channel is empty (it takes one request), so this never blocks; a child that
    // died waiting is skipped (EPIPE, ECONNREFUSED), and the zygote reports its end.
    if (!send_with_fds(child.channel.get(), data, fds)) continue;
    running_[child.pid] = pending.session_id;
    ++sessions_served_;
    // The zygote forks a replacement, and keeps the request as the one its next pooled
    // children rehearse. Dropped if the socket is full: the refill then waits for the
    // child's end, and the rehearsal uses an older request; nothing is wrong, only later.
    // The request as already serialised, not dumped a second time on the request's path.
    const std::string notice =
        R"({"op":"taken","pid":)" + std::to_string(child.pid) + R"(,"request":)" + data + "}";
    (void)::send(socket_.get(), notice.data(), notice.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    pending.done(child.pid, "");
    return true;
  }
  return false;
}

bool Zygote::send_spawn(PendingSpawn& pending) {
  const std::string data = spawn_datagram(pending);
  std::vector<int> fds;
  for (const auto& fd : pending.fds) fds.push_back(fd.get());
  if (!send_with_fds(socket_.get(), data, fds)) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    pending.done(0, std::string("cannot reach the zygote: ") + std::strerror(errno));
    return true;
  }
  in_flight_[pending.session_id] = std::move(pending.done);
  ++sessions_served_;
  return true;
}

void Zygote::on_readable(uv_poll_t* poll, int, int events) {
  auto* self = static_cast<Zygote*>(poll->data);
  if (self == nullptr) return;
  if ((events & UV_WRITABLE) && self->state_ == State::Ready) self->flush_queue();
  std::string data;
  for (;;) {
    std::vector<UniqueFd> fds;  // a pooled child's channel; any other is closed
    const long got = receive_with_fds(self->socket_.get(), data, kMaxZygoteMessage, fds);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      // End of stream: the process exit callback reports why.
      self->poll_.close();
      return;
    }
    if (got < 0) return;
    try {
      self->handle_message(parse_message(data), fds);
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "pyattachd: ignoring a malformed zygote message: " << e.what() << "\n";
    }
    if (self->poll_.get() == nullptr) return;
  }
}

void Zygote::handle_message(const nlohmann::json& message, std::vector<UniqueFd>& fds) {
  const std::string op = message.at("op").get<std::string>();
  if (op == "pooled") {
    const pid_t pid = message.at("pid").get<pid_t>();
    if (pid <= 0 || fds.size() != 1 || state_ != State::Ready) return;  // closed: it exits
    pooled_.push_back({pid, std::move(fds.front())});
    flush_queue();  // requests waiting for a full zygote socket take it at once
    return;
  }
  if (op == "watch") {
    // The files the zygote's modules came from, by directory (sent in parts before ready).
    for (const auto& [directory, names] : message.at("dirs").items()) {
      const auto files = names.get<std::set<std::string>>();
      watched_files_ += files.size();
      if (serving()) watch_.add(directory, files);
    }
    return;
  }
  if (op == "ready") {
    if (state_ == State::Starting) state_ = State::Ready;
    load_ms_ = message.value("load_ms", 0.0);
    version_ = message.value("version", "");
    flush_queue();
    auto waiters = std::move(ready_waiters_);
    for (auto& waiter : waiters) waiter("");
    update_idle_timer();
    return;
  }
  if (op == "failed") {
    const std::string text = message.value("message", "unknown error");
    std::cerr << "pyattachd: preloading failed in " << profile_.python << ":\n" << text << "\n";
    // "reason": a one-line refusal that says it all (an unsafe fork); else a traceback.
    if (message.contains("reason")) {
      fail(message.at("reason").get<std::string>());
    } else {
      fail("preloading " + join(profile_.preload, ',') + " failed: " + last_line(text));
    }
    return;
  }
  if (op == "exited") {
    exited(message);
    return;
  }
  if (op == "stopped" || op == "continued") {
    const pid_t pid = message.at("pid").get<pid_t>();
    if (auto found = running_.find(pid); found != running_.end())
      broker_.child_stopped(found->second, pid, op == "stopped");
    return;
  }
  const int id = message.at("id").get<int>();
  if (op == "spawned" || op == "spawn-failed") {
    auto found = in_flight_.find(id);
    if (found == in_flight_.end()) return;
    SpawnDone done = std::move(found->second);
    in_flight_.erase(found);
    if (op == "spawned") {
      const pid_t pid = message.at("pid").get<pid_t>();
      running_[pid] = id;
      done(pid, "");
    } else {
      done(0, message.value("message", "the zygote could not fork"));
    }
    close_if_done();
    update_idle_timer();
    return;
  }
}

// A child's end, named by pid: one that was handed a request straight from the pool has
// no request id in the zygote. A pooled child that ends before its request is dropped.
void Zygote::exited(const nlohmann::json& message) {
  const pid_t pid = message.at("pid").get<pid_t>();
  const int status = message.at("status").get<int>();
  std::erase_if(pooled_, [pid](const PooledChild& child) { return child.pid == pid; });
  auto found = running_.find(pid);
  if (found == running_.end()) return;
  const int id = found->second;
  running_.erase(found);
  broker_.child_exited(id, pid, status);
  close_if_done();
  update_idle_timer();
}

void Zygote::fail(const std::string& error) {
  if (state_ == State::Failed) return;
  const bool was_serving = serving();
  state_ = State::Failed;
  failure_ = error;
  watch_.stop();
  uv_timer_stop(idle_timer_.get());
  pooled_.clear();
  auto queued = std::move(queued_);
  auto in_flight = std::move(in_flight_);
  auto waiters = std::move(ready_waiters_);
  for (auto& pending : queued) pending.done(0, error);
  for (auto& [id, done] : in_flight) done(0, error);
  for (auto& waiter : waiters) waiter(error);
  if (!was_serving) return;  // retired already: the broker has moved it aside
  broker_.zygote_failed(*this);
}

void Zygote::on_process_exit(uv_process_t* process, int64_t exit_status, int term_signal) {
  auto* self = static_cast<Zygote*>(process->data);
  if (self == nullptr) return;
  std::string how = term_signal != 0 ? "was killed by " + std::string(sigabbrev_np(term_signal))
                                     : "exited with status " + std::to_string(exit_status);
  self->process_->pid = 0;  // reaped: nothing left to signal on destruction
  // What it sent before it died comes first: a "spawned" still unread names a program
  // that runs on (it is ours now), and must not be answered as a failure.
  if (self->poll_.get() != nullptr) on_readable(self->poll_.get(), 0, UV_READABLE);
  if (!self->serving() && self->state_ != State::Failed && self->in_flight_.empty()) {
    // Retired and ended as asked; children still running are reaped by the broker.
  } else if (self->state_ == State::Starting) {
    self->fail("'" + self->profile_.python + "' is not a working Python interpreter (it " + how +
               " before the zygote was ready)");
  } else {
    self->fail("the zygote for " + self->profile_.python + " " + how);
  }
  self->broker_.zygote_exited(*self);
}

nlohmann::json Zygote::describe() const {
  static constexpr const char* kStates[] = {"starting", "ready", "stale", "stopping", "failed"};
  const double age =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  nlohmann::json described = {{"id", id_},
                              {"python", profile_.python},
                              {"version", version_},
                              {"flags", profile_.flags},
                              {"preload", profile_.preload},
                              {"env", profile_.import_env},
                              {"mode", profile_.mode},
                              {"pool", profile_.pool},
                              {"pooled", pooled_.size()},
                              {"pid", process_->pid},
                              {"state", kStates[static_cast<int>(state_)]},
                              {"load_ms", load_ms_},
                              {"sessions", sessions_served_},
                              {"running", running_.size()},
                              {"age_s", age},
                              {"watched_files", watched_files_},
                              {"watched_dirs", watch_.directories()},
                              {"pss_kb", nullptr},
                              {"uss_kb", nullptr}};
  if (const auto memory = memory_.get(process_->pid)) {
    described["pss_kb"] = memory->pss_kb;
    described["uss_kb"] = memory->uss_kb;
  }
  if (!failure_.empty()) described["error"] = failure_;
  if (!retired_because_.empty()) described["reason"] = retired_because_;
  return described;
}

}  // namespace pyattach
