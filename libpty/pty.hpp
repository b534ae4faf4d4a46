#pragma once
// Pseudo-terminal helpers: open a master/slave pair, get and set the window size,
// and put a terminal in raw mode for as long as a guard lives.

#include <termios.h>

#include <optional>
#include <string>

#include "unique_fd.hpp"

namespace pyattach {

struct WindowSize {
  unsigned short rows = 24;
  unsigned short cols = 80;
  bool operator==(const WindowSize&) const = default;
};

struct PtyPair {
  UniqueFd master;  // non-blocking, close-on-exec
  UniqueFd slave;   // close-on-exec; handed to the session child
};

// Opens a new pair with the given size. Errors carry errno's text.
std::optional<PtyPair> open_pty(WindowSize size, std::string& error);

std::optional<WindowSize> get_window_size(int fd);
bool set_window_size(int fd, WindowSize size);

// Puts a terminal in raw mode and restores the saved settings when destroyed.
// Does nothing if the fd is not a terminal.
class RawModeGuard {
 public:
  explicit RawModeGuard(int fd);
  RawModeGuard(const RawModeGuard&) = delete;
  RawModeGuard& operator=(const RawModeGuard&) = delete;
  ~RawModeGuard() { restore(); }
  void restore();
  // Raw again after restore() (a job continued after it stopped); no-op if it never was.
  void enter();
  bool active() const { return active_; }

 private:
  int fd_;
  bool saved_modes_ = false;
  bool active_ = false;
  termios saved_{};
};

}  // namespace pyattach
