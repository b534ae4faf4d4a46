#include "drain.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "multiplexer_process.hpp"

namespace muxbench {

namespace {

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 100));
}

}  // namespace

bool Drain::until(const std::string& marker, Clock::time_point deadline) {
  // Large reads: one syscall per PTY buffer's worth, as a terminal emulator would.
  std::vector<char> buffer(1 << 16);
  // The last marker.size()-1 bytes of the previous read, for markers split between reads.
  std::string carry;
  const size_t keep = marker.size() - 1;
  for (;;) {
    const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n > 0) {
      bytes_ += static_cast<std::uint64_t>(n);
      const char* data = buffer.data();
      const size_t size = static_cast<size_t>(n);
      if (!carry.empty()) {
        const std::string joint = carry + std::string(data, std::min(size, keep));
        if (joint.find(marker) != std::string::npos) return true;
      }
      if (::memmem(data, size, marker.data(), marker.size())) return true;
      if (size >= keep)
        carry.assign(data + size - keep, keep);
      else
        carry = (carry + std::string(data, size))
                    .substr(carry.size() + size > keep ? carry.size() + size - keep : 0);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) return false;  // EIO: client gone
    throw_if_interrupted();
    const int wait_ms = remaining_ms(deadline);
    if (wait_ms == 0 && Clock::now() >= deadline) return false;
    struct pollfd p = {fd_, POLLIN, 0};
    ::poll(&p, 1, wait_ms);
  }
}

void Drain::discard_pending() {
  char buffer[1 << 14];
  ssize_t n;
  while ((n = ::read(fd_, buffer, sizeof buffer)) > 0) bytes_ += static_cast<std::uint64_t>(n);
}

void Drain::settle(std::chrono::milliseconds quiet, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    struct pollfd p = {fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) return;
    if (p.revents & (POLLERR | POLLHUP) && !(p.revents & POLLIN)) return;
    discard_pending();
    throw_if_interrupted();
  }
}

}  // namespace muxbench
