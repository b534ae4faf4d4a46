#include "pty.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace pyattach {

std::optional<PtyPair> open_pty(WindowSize size, std::string& error) {
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  if (!master || ::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0) {
    error = std::string("cannot open a pseudo-terminal: ") + std::strerror(errno);
    return std::nullopt;
  }
  char name[128];
  if (::ptsname_r(master.get(), name, sizeof name) != 0) {
    error = std::string("ptsname: ") + std::strerror(errno);
    return std::nullopt;
  }
  UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) {
    error = std::string("cannot open ") + name + ": " + std::strerror(errno);
    return std::nullopt;
  }
  set_window_size(master.get(), size);
  return PtyPair{std::move(master), std::move(slave)};
}

std::optional<WindowSize> get_window_size(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return std::nullopt;
  return WindowSize{ws.ws_row, ws.ws_col};
}

bool set_window_size(int fd, WindowSize size) {
  winsize ws{};
  ws.ws_row = size.rows;
  ws.ws_col = size.cols;
  return ::ioctl(fd, TIOCSWINSZ, &ws) == 0;
}

RawModeGuard::RawModeGuard(int fd) : fd_(fd) {
  saved_modes_ = ::tcgetattr(fd_, &saved_) == 0;
  enter();
}

void RawModeGuard::enter() {
  if (!saved_modes_ || active_) return;
  termios raw = saved_;
  ::cfmakeraw(&raw);
  if (::tcsetattr(fd_, TCSADRAIN, &raw) == 0) active_ = true;
}

void RawModeGuard::restore() {
  if (active_) ::tcsetattr(fd_, TCSADRAIN, &saved_);
  active_ = false;
}

}  // namespace pyattach
