#include "session.hpp"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "broker.hpp"

namespace pyattach {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// A client with more than this queued is skipped and redrawn later (tmux uses a
// multiple of the screen size; a fixed bound keeps memory per client predictable).
constexpr std::size_t kMaxClientBacklog = 1024 * 1024;

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
      screen_(size) {
  master_fd_ = master.get();
  uv_pipe_init(broker.loop(), master_.get(), 0);
  master_->data = this;
  uv_pipe_open(master_.get(), master.release());  // libuv owns and closes the fd now
  read_buffer_.resize(kReadChunk);
  uv_read_start(
      master_.stream(),
      [](uv_handle_t* handle, size_t, uv_buf_t* buf) {
        auto* self = static_cast<Session*>(handle->data);
        *buf = uv_buf_init(self->read_buffer_.data(), self->read_buffer_.size());
      },
      on_read);
}

void Session::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Session*>(stream->data);
  if (self == nullptr || nread == 0) return;
  if (nread < 0) {
    // EIO: every slave fd is closed. The exit status comes separately, from the zygote.
    self->master_eof_ = true;
    uv_read_stop(stream);
    return;
  }
  self->forward(std::string_view(buf->base, static_cast<std::size_t>(nread)));
}

void Session::forward(std::string_view bytes) {
  auto payload = std::make_shared<const std::string>(bytes);
  for (const auto client_id : clients_) {
    Connection* client = broker_.connection(client_id);
    if (client == nullptr || client->needs_redraw) continue;
    if (client->pending_bytes() > kMaxClientBacklog) {
      client->needs_redraw = true;  // caught up from the screen once it drains
      continue;
    }
    client->send_shared(MsgType::Output, payload);
  }
  screen_.feed(bytes);
}

void Session::started(pid_t pid) { pid_ = pid; }

void Session::drain_remaining_output() {
  if (master_eof_ || master_.get() == nullptr) return;
  // The program has exited, so whatever it wrote is already in the PTY buffer.
  char chunk[kReadChunk];
  for (;;) {
    const ssize_t got = ::read(master_fd_, chunk, sizeof chunk);
    if (got > 0) {
      forward(std::string_view(chunk, static_cast<std::size_t>(got)));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    break;  // EAGAIN (a grandchild still holds the terminal), EIO or EOF
  }
}

void Session::ended(int wait_status) {
  if (wait_status_) return;
  drain_remaining_output();
  wait_status_ = wait_status;
  close_terminal();
  const auto message = exit_message();
  for (const auto client_id : clients_) {
    if (Connection* client = broker_.connection(client_id)) {
      client->attached_session.reset();
      client->send_json(MsgType::Exit, message);
      client->finish();
    }
  }
  clients_.clear();
}

void Session::close_terminal() {
  master_.close();
  master_fd_ = -1;
}

void Session::hang_up() { close_terminal(); }

void Session::attach(Connection& client, std::optional<WindowSize> size) {
  client.send_json(MsgType::Attached, {{"id", id_}, {"name", name_}});
  if (running() && size) resize(*size);
  client.send(MsgType::Output, screen_.redraw());
  if (!running()) {
    client.send_json(MsgType::Exit, exit_message());
    client.finish();
    return;
  }
  client.attached_session = id_;
  client.needs_redraw = false;
  clients_.insert(client.id());
}

void Session::detach(Connection& client) {
  clients_.erase(client.id());
  client.attached_session.reset();
}

void Session::write_input(std::string_view bytes) {
  if (master_.get() == nullptr || bytes.empty()) return;
  write_owned(master_.stream(), nullptr, std::make_shared<const std::string>(bytes));
}

void Session::resize(WindowSize size) {
  if (master_fd_ < 0 || size == screen_.size()) return;
  screen_.resize(size);
  set_window_size(master_fd_, size);  // the kernel sends SIGWINCH to the foreground group
}

void Session::redraw_to(Connection& client) {
  client.needs_redraw = false;
  client.send(MsgType::Output, screen_.redraw());
}

bool Session::signal(int sig) {
  if (!running() || pid_ <= 0) return false;
  if (::killpg(pid_, sig) == 0) return true;
  return ::kill(pid_, sig) == 0;
}

nlohmann::json Session::describe() const {
  const double age =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  nlohmann::json state = "running";
  nlohmann::json status = nullptr;
  nlohmann::json sig = nullptr;
  if (wait_status_) {
    if (WIFSIGNALED(*wait_status_)) {
      state = "killed";
      sig = signal_name(WTERMSIG(*wait_status_));
    } else {
      state = "exited";
      status = WEXITSTATUS(*wait_status_);
    }
  }
  return {{"id", id_},         {"name", name_},  {"pid", pid_},
          {"state", state},    {"status", status}, {"signal", sig},
          {"clients", clients_.size()}, {"age_s", age}, {"command", command_}};
}

nlohmann::json Session::exit_message() const {
  const int raw = wait_status_.value_or(0);
  return {{"reason", "exited"}, {"wait_status", raw}, {"status", shell_status(raw)}};
}

}  // namespace pyattach
