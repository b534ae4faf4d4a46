#include "terminal_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "terminal_output.hpp"

namespace pyattach {

std::unique_ptr<TerminalInput> TerminalInput::open(uv_loop_t* loop, const UniqueFd& passed,
                                                   std::function<void(std::string_view)> keys) {
  UniqueFd fd = reopen_terminal(passed, O_RDONLY);
  if (!fd) return nullptr;
  return std::unique_ptr<TerminalInput>(new TerminalInput(loop, std::move(fd), std::move(keys)));
}

TerminalInput::TerminalInput(uv_loop_t* loop, UniqueFd fd,
                             std::function<void(std::string_view)> keys)
    : fd_(std::move(fd)), keys_(std::move(keys)) {
  uv_poll_init(loop, poll_.get(), fd_.get());
  poll_->data = this;
  poll_.start(UV_READABLE, on_readable);
}

void TerminalInput::on_readable(uv_poll_t* poll, int status, int) {
  auto* self = static_cast<TerminalInput*>(poll->data);
  if (self == nullptr) return;
  char buffer[16 * 1024];
  const ssize_t got = status < 0 ? -1 : ::read(self->fd_.get(), buffer, sizeof buffer);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (got <= 0) {
    // Hung up: the client goes too (SIGHUP), and its connection with it.
    self->poll_.stop();
    return;
  }
  self->keys_(std::string_view(buffer, static_cast<std::size_t>(got)));  // last: may destroy us
}

}  // namespace pyattach
