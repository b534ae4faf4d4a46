#include "terminal_output.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace pyattach {

UniqueFd reopen_terminal(const UniqueFd& passed, int flags) {
  // Only a terminal: a file opened anew would be written from offset 0, over what the
  // client's shell had written there.
  if (!passed || ::isatty(passed.get()) == 0) return UniqueFd();
  const std::string path = "/proc/self/fd/" + std::to_string(passed.get());
  return UniqueFd(::open(path.c_str(), flags | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
}

std::unique_ptr<TerminalOutput> TerminalOutput::open(uv_loop_t* loop, const UniqueFd& passed,
                                                     std::function<void()> drained) {
  UniqueFd fd = reopen_terminal(passed, O_WRONLY);
  if (!fd) return nullptr;
  return std::unique_ptr<TerminalOutput>(
      new TerminalOutput(loop, std::move(fd), std::move(drained)));
}

TerminalOutput::TerminalOutput(uv_loop_t* loop, UniqueFd fd, std::function<void()> drained)
    : fd_(std::move(fd)), drained_(std::move(drained)) {
  uv_poll_init(loop, poll_.get(), fd_.get());
  poll_->data = this;
}

void TerminalOutput::write(std::shared_ptr<const std::string> bytes) {
  if (gone_ || bytes->empty()) return;
  pending_bytes_ += bytes->size();
  queue_.push_back({std::move(bytes), 0});
  // Even behind a wait for the terminal: the program's output is read in bursts of up to
  // 1 MiB, and a terminal given each chance to take more falls behind (and is skipped
  // and redrawn) less often.
  flush();
}

void TerminalOutput::on_writable(uv_poll_t* poll, int status, int) {
  auto* self = static_cast<TerminalOutput*>(poll->data);
  if (self == nullptr) return;
  if (status < 0) self->gone_ = true;
  self->flush();
  if (self->queue_.empty()) self->drained_();  // last: it may destroy us
}

void TerminalOutput::flush() {
  while (!queue_.empty() && !gone_) {
    constexpr int kMaxParts = 16;
    iovec parts[kMaxParts];
    int count = 0;
    for (auto it = queue_.begin(); it != queue_.end() && count < kMaxParts; ++it)
      parts[count++] = {const_cast<char*>(it->bytes->data() + it->written),
                        it->bytes->size() - it->written};
    const ssize_t wrote = ::writev(fd_.get(), parts, count);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0 && errno == EAGAIN) {
      poll_.start(UV_WRITABLE, on_writable);
      return;
    }
    if (wrote < 0) {
      gone_ = true;  // EIO: the terminal hung up; the client is going away too
      break;
    }
    std::size_t left = static_cast<std::size_t>(wrote);
    pending_bytes_ -= left;
    while (left > 0) {
      Piece& front = queue_.front();
      const std::size_t take = std::min(left, front.bytes->size() - front.written);
      front.written += take;
      left -= take;
      if (front.written == front.bytes->size()) queue_.pop_front();
    }
  }
  if (gone_) {
    queue_.clear();
    pending_bytes_ = 0;
  }
  poll_.stop();
}

}  // namespace pyattach
