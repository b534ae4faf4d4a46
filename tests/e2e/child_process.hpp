#pragma once
// Starting a program as a child of the test with chosen stdio and environment, and
// watching it end without sleeping: every wait polls a pidfd with a deadline.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "unique_fd.hpp"

namespace pyattach::e2e {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::milliseconds;

// How long any single step of an end-to-end test may take before it counts as hung.
// Generous on purpose: tests assert on events, never on how fast they happen.
inline constexpr Duration kTimeout = std::chrono::seconds(20);

class Deadline {
 public:
  explicit Deadline(Duration timeout) : end_(Clock::now() + timeout) {}
  bool passed() const { return Clock::now() >= end_; }
  // Milliseconds left, rounded up, for poll().
  int poll_ms() const;

 private:
  Clock::time_point end_;
};

// The fds the child gets as 0, 1 and 2. With `controlling_tty`, the child starts a new
// session and makes `in` (a terminal) its controlling terminal.
struct ChildStdio {
  int in = -1;
  int out = -1;
  int err = -1;
  bool controlling_tty = false;
};

// One started child. Killed (SIGKILL) and reaped when destroyed if still unreaped.
class ChildProcess {
 public:
  // Starts argv[0] (looked up in the PATH of `env` when it has no slash) with exactly
  // `env` as its environment. Throws std::runtime_error when it cannot be started,
  // including exec failures, which the child reports back through a close-on-exec pipe.
  static ChildProcess spawn(const std::vector<std::string>& argv,
                            const std::vector<std::string>& env, const ChildStdio& stdio);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Readable once the child has ended (poll it with POLLIN).
  int pidfd() const { return pidfd_.get(); }
  // Collects the exit status if the child has ended; true once it is known.
  bool try_reap();
  bool reaped() const { return status_.has_value(); }
  std::optional<int> status() const { return status_; }
  // Sends a signal unless the child was already reaped (its pid may be reused then).
  bool kill(int sig);
  void kill_and_reap();

 private:
  ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}

  pid_t pid_ = -1;
  UniqueFd pidfd_;
  std::optional<int> status_;
};

// Waits until the process `pid` (not necessarily our child) has ended. True if it did
// (or was already gone), false on timeout.
bool wait_process_gone(pid_t pid, Duration timeout);

// Environment "NAME=value" entries: `base` with each override replacing any entry of the
// same name (an override of just "NAME" removes it).
std::vector<std::string> with_overrides(std::vector<std::string> base,
                                        const std::vector<std::string>& overrides);

// This process's environment as a list.
std::vector<std::string> current_environment();

}  // namespace pyattach::e2e
