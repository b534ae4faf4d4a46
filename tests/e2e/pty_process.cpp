#include "pty_process.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "diagnostics.hpp"

namespace pyattach::e2e {

PtyProcess::PtyProcess(std::vector<std::string> argv, std::vector<std::string> env, WindowSize size)
    : argv_(std::move(argv)), size_(size), screen_(std::make_unique<Screen>(size)) {
  std::string error;
  auto pair = open_pty(size, error);
  if (!pair) throw std::runtime_error(error);
  master_ = std::move(pair->master);
  ChildStdio stdio{pair->slave.get(), pair->slave.get(), pair->slave.get(), true};
  child_.emplace(ChildProcess::spawn(argv_, env, stdio));
  // Only the child holds the slave now, so its end shows up as EIO on the master.
  pair->slave.reset();
}

PtyProcess::~PtyProcess() {
  if (child_) child_->kill_and_reap();
}

void PtyProcess::read_available() {
  char buf[65536];
  while (!eof_) {
    ssize_t n = ::read(master_.get(), buf, sizeof buf);
    if (n > 0) {
      output_.append(buf, static_cast<std::size_t>(n));
      screen_->feed(std::string_view(buf, static_cast<std::size_t>(n)));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      eof_ = true;  // EIO: no process has the slave open any more
    }
  }
}

bool PtyProcess::pump(const Deadline& deadline, const std::function<bool()>& done,
                      bool stop_when_exited) {
  read_available();
  while (!done()) {
    if (stop_when_exited && child_->reaped()) {
      read_available();
      return done();
    }
    if (deadline.passed()) return false;
    pollfd fds[2];
    nfds_t count = 0;
    if (!eof_) fds[count++] = {master_.get(), POLLIN, 0};
    if (!child_->reaped()) fds[count++] = {child_->pidfd(), POLLIN, 0};
    if (count == 0) return done();  // nothing left that could change
    int r = ::poll(fds, count, deadline.poll_ms());
    if (r < 0 && errno != EINTR) {
      ADD_FAILURE() << "poll: " << std::strerror(errno);
      return false;
    }
    read_available();
    child_->try_reap();
  }
  return true;
}

void PtyProcess::write(std::string_view bytes) {
  Deadline deadline(kTimeout);
  while (!bytes.empty()) {
    ssize_t n = ::write(master_.get(), bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && !deadline.passed()) {
      // The terminal's input queue is full: keep its output flowing while waiting.
      pollfd pfd{master_.get(), POLLIN | POLLOUT, 0};
      ::poll(&pfd, 1, deadline.poll_ms());
      read_available();
      continue;
    }
    ADD_FAILURE() << "cannot type " << bytes.size() << " more bytes ("
                  << printable(bytes.substr(0, 80))
                  << ") at the terminal: " << (n < 0 ? std::strerror(errno) : "no progress") << "\n"
                  << describe();
    return;
  }
}

void PtyProcess::resize(WindowSize size) {
  if (!set_window_size(master_.get(), size)) {
    ADD_FAILURE() << "TIOCSWINSZ failed: " << std::strerror(errno);
  }
  size_ = size;
  screen_->resize(size);
}

testing::AssertionResult PtyProcess::wait_for(std::string_view needle, Duration timeout) {
  std::size_t found = std::string::npos;
  bool ok = pump(
      Deadline(timeout),
      [&] {
        found = output_.find(needle, consumed_);
        return found != std::string::npos;
      },
      true);
  if (ok) {
    consumed_ = found + needle.size();
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure()
         << "\"" << printable(needle) << "\" did not appear in the output "
         << (child_->reaped() || eof_ ? "before the program ended"
                                      : "within " + std::to_string(timeout.count()) + " ms")
         << " (searched from byte " << consumed_ << ")\n"
         << describe();
}

testing::AssertionResult PtyProcess::wait_for_screen(std::string_view needle, Duration timeout) {
  bool ok = pump(
      Deadline(timeout), [&] { return screen_->text().find(needle) != std::string::npos; }, true);
  if (ok) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "\"" << printable(needle) << "\" did not appear on the screen "
         << (child_->reaped() || eof_ ? "before the program ended"
                                      : "within " + std::to_string(timeout.count()) + " ms")
         << "\n"
         << describe();
}

std::optional<int> PtyProcess::wait_exit(Duration timeout) {
  pump(
      Deadline(timeout), [&] { return child_->reaped(); }, false);
  read_available();
  return child_->status();
}

testing::AssertionResult PtyProcess::exits_with(int shell_code, Duration timeout) {
  auto status = wait_exit(timeout);
  if (!status) {
    return testing::AssertionFailure()
           << "expected the program to end with status " << shell_code
           << ", but it was still running after " << timeout.count() << " ms\n"
           << describe();
  }
  if (shell_status(*status) != shell_code) {
    return testing::AssertionFailure()
           << "expected status " << shell_code << ", but it " << wait_status_text(*status)
           << " (shell status " << shell_status(*status) << ")\n"
           << describe();
  }
  return testing::AssertionSuccess();
}

std::string_view PtyProcess::unconsumed_output() const {
  return std::string_view(output_).substr(consumed_);
}

std::string PtyProcess::screen_text() const {
  return screen_->text();
}

std::string PtyProcess::state_text() const {
  if (auto status = child_->status()) return wait_status_text(*status);
  return "running";
}

std::string PtyProcess::describe() const {
  std::string text =
      "--- program: " + join_argv(argv_) + "\n--- pid " + std::to_string(child_->pid()) + ", " +
      state_text() + ", terminal " + std::to_string(size_.rows) + "x" + std::to_string(size_.cols) +
      (eof_ ? ", terminal closed" : "") + "\n--- raw output (" + std::to_string(output_.size()) +
      " bytes, escaped):\n" + printable_tail(output_) + "\n--- screen:\n";
  std::string screen = screen_->text();
  std::size_t start = 0;
  while (start <= screen.size()) {
    std::size_t end = screen.find('\n', start);
    if (end == std::string::npos) end = screen.size();
    text += "|" + screen.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return text + "--- end";
}

}  // namespace pyattach::e2e
