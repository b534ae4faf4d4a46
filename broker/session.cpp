#include "session.hpp"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "broker.hpp"
#include "job_control.hpp"
#include "proc_memory.hpp"

namespace pyattach {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// A client with more than this queued is skipped and redrawn later (tmux uses a
// multiple of the screen size; a fixed bound keeps memory per client predictable).
constexpr std::size_t kMaxClientBacklog = 1024 * 1024;
// How long output may still arrive after the program's exit status. Normally the PTY
// reports end of file much sooner; this only bounds the wait when a background process
// the program started still holds the terminal.
constexpr std::uint64_t kLingerMs = 500;
// Input for a program that does not read it is kept up to this much, then dropped.
constexpr std::size_t kMaxPendingInput = 1024 * 1024;
// Output waiting for the screen model (screen.hpp) is fed when a tick passes without new
// output, or after kSettleTicks ticks of steady output. Not after every read that leaves
// the PTY empty: the broker outruns a flooding program, so nearly every read does, and the
// pieces would stay too small to leave anything out. A reader (attach, capture, a resize)
// never waits for this: it feeds what waits itself.
constexpr std::uint64_t kSettleTickMs = 10;
constexpr int kSettleTicks = 25;

}  // namespace

int shell_status(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

std::string signal_name(int sig) {
  if (const char* abbrev = sigabbrev_np(sig); abbrev != nullptr) return std::string("SIG") + abbrev;
  return "SIG" + std::to_string(sig);
}

Session::Session(Broker& broker, int id, std::string name, std::vector<std::string> command,
                 UniqueFd master, WindowSize size)
    : broker_(broker),
      id_(id),
      name_(std::move(name)),
      command_(std::move(command)),
      master_(std::move(master)),
      screen_(size) {
  // A poll handle, not a libuv stream: libuv turns POLLHUP after a partial read into
  // end of file, but a PTY master reports POLLHUP as soon as the program exits while
  // its last output is still unread. We read until EIO ourselves.
  uv_poll_init(broker.loop(), poll_.get(), master_.get());
  poll_->data = this;
  poll_.start(UV_READABLE, on_poll);
  uv_timer_init(broker.loop(), settle_timer_.get());
  settle_timer_->data = this;
}

Session::~Session() {
  broker_.keeper().forget(id_);
}

std::unique_ptr<Session> Session::recovered(Broker& broker, int id, std::string name,
                                            std::vector<std::string> command, UniqueFd master,
                                            WindowSize size, pid_t pid,
                                            std::chrono::system_clock::time_point created,
                                            std::string_view notice) {
  auto session = std::make_unique<Session>(broker, id, std::move(name), std::move(command),
                                           std::move(master), size);
  session->pid_ = pid;
  session->created_ = created;
  session->started_at_ -= std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::system_clock::now() - created);
  // Before the first read: the poll started above runs only from the loop.
  session->screen_.feed(notice);
  return session;
}

void Session::on_poll(uv_poll_t* poll, int status, int events) {
  auto* self = static_cast<Session*>(poll->data);
  if (self == nullptr) return;
  if (status < 0 || (events & UV_READABLE)) self->read_available();
  if (self->poll_.get() != nullptr && (events & UV_WRITABLE)) self->flush_input();
}

void Session::read_available() {
  char chunk[kReadChunk];
  // Bounded, so one flooding program cannot starve the other sessions.
  for (int round = 0; round < 16; ++round) {
    const ssize_t got = ::read(master_.get(), chunk, sizeof chunk);
    if (got > 0) {
      forward(std::string_view(chunk, static_cast<std::size_t>(got)));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return;
    // EIO: every slave fd is closed and everything written has been read.
    master_eof_ = true;
    poll_.close();
    if (pending_status_) finish(*pending_status_);
    return;
  }
}

void Session::forward(std::string_view bytes) {
  auto payload = std::make_shared<const std::string>(bytes);
  for (const auto& [client_id, info] : clients_) {
    Connection* client = broker_.connection(client_id);
    if (client == nullptr || client->needs_redraw) continue;
    if (client->pending_bytes() > kMaxClientBacklog) {
      client->needs_redraw = true;  // caught up from the screen once it drains
      continue;
    }
    client->send_shared(MsgType::Output, payload);
  }
  if (log_) log_->write(bytes);
  screen_.feed(bytes);
  screen_bytes_seen_ += bytes.size();
  settle_screen_later();
}

void Session::settle_screen_later() {
  if (screen_.unsettled_bytes() == 0 || settle_timer_.get() == nullptr ||
      uv_is_active(settle_timer_.base()) != 0) {
    return;
  }
  seen_at_settle_tick_ = screen_bytes_seen_;
  settle_ticks_ = 0;
  uv_timer_start(
      settle_timer_.get(),
      [](uv_timer_t* timer) {
        if (auto* self = static_cast<Session*>(timer->data)) self->on_settle_tick();
      },
      kSettleTickMs, kSettleTickMs);
}

void Session::on_settle_tick() {
  const bool quiet = screen_bytes_seen_ == seen_at_settle_tick_;
  seen_at_settle_tick_ = screen_bytes_seen_;
  if (!quiet && ++settle_ticks_ < kSettleTicks && screen_.unsettled_bytes() != 0) return;
  uv_timer_stop(settle_timer_.get());
  screen_.settle();
}

void Session::started(pid_t pid) {
  pid_ = pid;
}

void Session::drain_remaining_output() {
  if (master_eof_ || !master_) return;
  // A background process may still hold the terminal; take what is there and stop.
  for (;;) {
    const std::size_t before = screen_bytes_seen_;
    read_available();
    if (master_eof_ || screen_bytes_seen_ == before) return;
  }
}

void Session::ended(int wait_status) {
  if (wait_status_ || pending_status_) return;
  if (master_eof_ || !master_) {
    finish(wait_status);
    return;
  }
  pending_status_ = wait_status;
  uv_timer_init(broker_.loop(), linger_.get());
  linger_->data = this;
  uv_timer_start(
      linger_.get(),
      [](uv_timer_t* timer) {
        if (auto* self = static_cast<Session*>(timer->data)) self->finish(*self->pending_status_);
      },
      kLingerMs, 0);
}

void Session::finish(int wait_status) {
  if (wait_status_) return;
  pending_status_.reset();  // so the end of file met while draining does not finish twice
  linger_.close();
  drain_remaining_output();
  wait_status_ = wait_status;
  ended_at_ = std::chrono::system_clock::now();
  close_terminal();
  // The final screen is what attach and capture show from now on.
  settle_timer_.close();
  screen_.settle();
  const auto message = exit_message();
  for (const auto& [client_id, info] : clients_) {
    if (Connection* client = broker_.connection(client_id)) {
      // A client skipped while behind would otherwise end on a stale screen.
      if (client->needs_redraw) redraw_to(*client);
      client->attached_session.reset();
      client->send_json(MsgType::Exit, message);
      client->finish();
    }
  }
  clients_.clear();
  auto watchers = std::move(end_watchers_);
  end_watchers_.clear();
  for (auto& done : watchers) notify_ended(std::move(done));
  broker_.session_finished(*this);
}

void Session::start_failed(const std::string& error) {
  start_error_ = error;
  // Clients attached while it was starting hear why, as the one that asked for it does.
  for (const auto& [client_id, info] : clients_) {
    if (Connection* client = broker_.connection(client_id)) {
      client->attached_session.reset();
      client->fail(error);
    }
  }
  clients_.clear();
  finish(W_EXITCODE(1, 0));
}

void Session::when_ended(EndWatcher done) {
  if (running()) {
    end_watchers_.push_back(std::move(done));
    return;
  }
  notify_ended(std::move(done));
}

void Session::notify_ended(EndWatcher done) const {
  auto ended = describe();
  if (!log_) {
    done(ended);
    return;
  }
  // Whoever waits for the end may read the log next: it must be complete by then.
  log_->when_flushed([done = std::move(done), ended = std::move(ended)] { done(ended); });
}

void Session::close_terminal() {
  poll_.close();
  master_.reset();
  pending_input_.clear();
}

void Session::hang_up() {
  close_terminal();
}

void Session::attach(Connection& client, std::optional<WindowSize> size, bool read_only,
                     std::optional<char> detach_key) {
  // A client that passed its terminal with the request: output written there, and keys
  // read from it if it passed its stdin too (the client hears whether we read them).
  bool reads_keys = false;
  if (client.fds_available() >= 1 && client.fds_available() <= 2) {
    auto terminal = client.take_fds(2);
    client.write_output_to(terminal.front());
    if (terminal.size() == 2 && running())
      reads_keys = client.read_input_from(terminal.back(), detach_key);
  }
  client.send_json(
      MsgType::Attached,
      {{"id", id_}, {"name", name_}, {"read_only", read_only}, {"terminal_input", reads_keys}});
  if (!running()) {
    client.send(MsgType::Output, screen_.redraw());
    client.send_json(MsgType::Exit, exit_message());
    client.finish();
    return;
  }
  add_client(client);
  AttachedClient& info = clients_[client.id()];
  info.read_only = read_only;
  info.size = read_only ? std::nullopt : size;
  if (info.size) resize(*info.size);  // before the redraw, which is then at the new size
  client.send(MsgType::Output, screen_.redraw());
}

void Session::add_client(Connection& client) {
  client.attached_session = id_;
  client.needs_redraw = false;
  // A client added at creation asked for the size the session was created with.
  clients_[client.id()] = AttachedClient{false, screen_.size(), ++activity_counter_};
}

void Session::detach(Connection& client) {
  forget_client(client.id());
  client.attached_session.reset();
}

void Session::forget_client(Connection::Id client) {
  if (clients_.erase(client) == 0) return;
  apply_active_size();
}

void Session::apply_active_size() {
  const AttachedClient* latest = nullptr;
  for (const auto& [id, info] : clients_)
    if (!info.read_only && info.size &&
        (latest == nullptr || info.last_active > latest->last_active))
      latest = &info;
  if (latest != nullptr) resize(*latest->size);
}

void Session::input_from(Connection::Id client, std::string_view bytes) {
  auto found = clients_.find(client);
  if (found == clients_.end() || found->second.read_only) return;
  found->second.last_active = ++activity_counter_;
  // Typing makes this client the active one: the program gets its size (as tmux does).
  if (found->second.size) resize(*found->second.size);
  // For `run`, whose client follows its program's stops (Stopped), Ctrl-Z stops it as
  // under python3; a plain session keeps running, with no shell to continue it.
  if (write_input(bytes) && transient && master_ && pid_ > 0)
    stop_like_suspend_key(master_.get(), pid_, bytes);
}

void Session::resize_from(Connection::Id client, WindowSize size) {
  auto found = clients_.find(client);
  if (found == clients_.end() || found->second.read_only) return;
  found->second.size = size;
  found->second.last_active = ++activity_counter_;
  resize(size);
}

bool Session::write_input(std::string_view bytes) {
  if (!master_) return false;
  if (bytes.empty()) return true;
  if (pending_input_.size() + bytes.size() > kMaxPendingInput) {
    std::cerr << "pyattachd: session " << name_ << " does not read its input; dropped "
              << bytes.size() << " bytes\n";
    return false;
  }
  pending_input_.append(bytes);
  flush_input();
  return true;
}

void Session::flush_input() {
  while (!pending_input_.empty()) {
    const ssize_t wrote = ::write(master_.get(), pending_input_.data(), pending_input_.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) break;  // EAGAIN: wait until writable; other errors end with EIO on read
    pending_input_.erase(0, static_cast<std::size_t>(wrote));
  }
  poll_.start(pending_input_.empty() ? UV_READABLE : UV_READABLE | UV_WRITABLE, on_poll);
}

void Session::resize(WindowSize size) {
  if (!master_ || size == screen_.size()) return;
  screen_.resize(size);
  set_window_size(master_.get(), size);  // the kernel sends SIGWINCH to the foreground group
}

void Session::redraw_to(Connection& client) {
  client.needs_redraw = false;
  client.send(MsgType::Output, screen_.redraw());
}

void Session::hang_up_if_abandoned() {
  if (transient && running() && clients_.empty()) signal(SIGHUP);
}

bool Session::signal(int sig) {
  if (!running() || pid_ <= 0) return false;
  if (::killpg(pid_, sig) == 0) return true;
  return ::kill(pid_, sig) == 0;
}

void Session::program_stopped(bool stopped) {
  if (!running()) return;
  // What it wrote before it stopped reaches its clients before they hear of the stop.
  if (!master_eof_) read_available();
  for (const auto& [client_id, info] : clients_)
    if (Connection* client = broker_.connection(client_id))
      client->send_json(MsgType::Stopped, {{"stopped", stopped}});
}

std::string Session::capture(std::size_t scrollback_lines, bool ansi) const {
  std::string out;
  if (ansi) {
    if (scrollback_lines > 0) out = screen_.scrollback_styled(scrollback_lines);
    out += screen_.styled_text();
    // Lines end as in a text file; a terminal's output processing adds the CR back.
    std::string lf;
    lf.reserve(out.size());
    for (std::size_t i = 0; i < out.size(); ++i)
      if (!(out[i] == '\r' && i + 1 < out.size() && out[i + 1] == '\n')) lf.push_back(out[i]);
    return lf;
  }
  if (scrollback_lines > 0 && screen_.scrollback_lines() > 0)
    out = screen_.scrollback_text(scrollback_lines) + "\n";
  out += screen_.text();
  // Empty rows below the last text are the screen's, not the program's.
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (!out.empty()) out.push_back('\n');
  return out;
}

namespace {

double unix_seconds(std::chrono::system_clock::time_point when) {
  return std::chrono::duration<double>(when.time_since_epoch()).count();
}

}  // namespace

const std::vector<std::string>& Session::field_names() {
  static const std::vector<std::string> kNames = {"id",          "name",      "pid",
                                                  "state",       "status",    "signal",
                                                  "wait_status", "clients",   "read_only_clients",
                                                  "age_s",       "created",   "ended",
                                                  "cols",        "rows",      "transient",
                                                  "log",         "log_bytes", "log_error",
                                                  "pss_kb",      "uss_kb",    "error",
                                                  "command"};
  return kNames;
}

nlohmann::json Session::describe() const {
  nlohmann::json described = nlohmann::json::object();
  for (const auto& name : field_names()) described[name] = field(name);
  return described;
}

nlohmann::json Session::row(const std::vector<std::string>& names) const {
  nlohmann::json values = nlohmann::json::array();
  for (const auto& name : names) values.push_back(field(name));
  return values;
}

nlohmann::json Session::field(std::string_view name) const {
  if (name == "id") return id_;
  if (name == "name") return name_;
  if (name == "pid") return pid_;
  if (name == "state") {
    if (start_error_) return "failed";
    if (!wait_status_) return "running";
    return WIFSIGNALED(*wait_status_) ? "killed" : "exited";
  }
  if (name == "status") {
    if (start_error_) return 1;
    if (wait_status_ && !WIFSIGNALED(*wait_status_)) return WEXITSTATUS(*wait_status_);
    return nullptr;
  }
  if (name == "signal") {
    if (!start_error_ && wait_status_ && WIFSIGNALED(*wait_status_))
      return signal_name(WTERMSIG(*wait_status_));
    return nullptr;
  }
  if (name == "wait_status") return wait_status_ ? nlohmann::json(*wait_status_) : nullptr;
  if (name == "clients") return clients_.size();
  if (name == "read_only_clients") {
    std::size_t read_only = 0;
    for (const auto& [id, info] : clients_) read_only += info.read_only ? 1 : 0;
    return read_only;
  }
  if (name == "age_s")
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  if (name == "created") return unix_seconds(created_);
  if (name == "ended") return ended_at_ ? nlohmann::json(unix_seconds(*ended_at_)) : nullptr;
  if (name == "cols") return screen_.size().cols;
  if (name == "rows") return screen_.size().rows;
  if (name == "transient") return transient;
  if (name == "log") return log_ ? nlohmann::json(log_->path()) : nullptr;
  if (name == "log_bytes") return log_ ? nlohmann::json(log_->bytes_written()) : nullptr;
  if (name == "log_error") return log_ && log_->error() ? nlohmann::json(*log_->error()) : nullptr;
  if (name == "pss_kb" || name == "uss_kb") {
    // From /proc (proc_memory.hpp): PSS shares the zygote's pages among its children.
    const auto memory = running() ? memory_.get(pid_) : std::nullopt;
    if (!memory) return nullptr;
    return name == "pss_kb" ? memory->pss_kb : memory->uss_kb;
  }
  if (name == "error") return start_error_ ? nlohmann::json(*start_error_) : nullptr;
  if (name == "command") return command_;
  return nullptr;
}

nlohmann::json Session::exit_message() const {
  return exit_payload(wait_status_.value_or(0));
}

nlohmann::json exit_payload(int wait_status) {
  return {{"reason", "exited"},
          {"wait_status", wait_status},
          {"status", shell_status(wait_status)},
          {"signal", WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0}};
}

}  // namespace pyattach
