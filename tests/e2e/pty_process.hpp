#pragma once
// A program running on a new pseudo-terminal that the test holds the master side of:
// what a user at a terminal emulator would see and type, made scriptable.
//
// Every wait is event-driven (poll on the master and on a pidfd, with a deadline) and
// keeps reading the master, so the program never blocks on a full terminal. Waits
// return testing::AssertionResult: on failure it carries what was seen so far, so
// EXPECT_TRUE(p.wait_for(...)) explains itself.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "pty.hpp"
#include "screen.hpp"
#include "unique_fd.hpp"

namespace pyattach::e2e {

class PtyProcess {
 public:
  // Starts argv (argv[0] looked up in env's PATH) with exactly `env` as its environment,
  // in a new session whose controlling terminal is the new PTY's slave, sized `size`.
  // Throws std::runtime_error if it cannot be started.
  PtyProcess(std::vector<std::string> argv, std::vector<std::string> env,
             WindowSize size = WindowSize{24, 80});
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;
  // Kills (SIGKILL) and reaps the program if it is still running.
  ~PtyProcess();

  pid_t pid() const { return child_->pid(); }

  // Types bytes at the terminal (as a user would: use "\r" for Enter). Reads output while
  // the terminal is full; a failure to write is reported as a test failure.
  void write(std::string_view bytes);

  // Changes the terminal's size (TIOCSWINSZ on the master: the kernel sends SIGWINCH to
  // the terminal's foreground process group) and the size of the screen model.
  void resize(WindowSize size);
  WindowSize size() const { return size_; }

  // Waits until `needle` appears in the raw output after the end of the previous
  // successful wait_for match (expect-style: each match consumes the output up to its
  // end, so waiting twice for the same text waits for a second occurrence).
  testing::AssertionResult wait_for(std::string_view needle, Duration timeout = kTimeout);

  // Waits until the rendered screen (all output fed to a terminal model of the current
  // size) shows `needle` on one row. Does not consume anything.
  testing::AssertionResult wait_for_screen(std::string_view needle, Duration timeout = kTimeout);

  // Waits until the program ends; returns its raw wait status, or nullopt on timeout.
  // Output written before the end is read (and on the screen) when this returns.
  std::optional<int> wait_exit(Duration timeout = kTimeout);

  // wait_exit, then checks the shell-style status (exit code, or 128 + signal).
  testing::AssertionResult exits_with(int shell_code, Duration timeout = kTimeout);

  bool kill(int sig) { return child_->kill(sig); }
  bool exited() const { return child_->reaped(); }

  // The terminal model fed with all output (for cell attributes, alternate screen, ...).
  const Screen& screen() const { return *screen_; }
  // Everything read from the master so far.
  const std::string& output() const { return output_; }
  // The output since the end of the last wait_for match.
  std::string_view unconsumed_output() const;
  // The screen as plain text rows joined by '\n' (trailing spaces trimmed).
  std::string screen_text() const;
  // Command line, pid, state, the tail of the raw output (escaped) and the screen.
  std::string describe() const;

 private:
  // Reads whatever the master has now; notes end of output (EIO) in eof_.
  void read_available();
  // Reads output and watches the child until done() or the deadline. With
  // `stop_when_exited`, a child that has ended ends the wait too (after a last read).
  bool pump(const Deadline& deadline, const std::function<bool()>& done, bool stop_when_exited);
  std::string state_text() const;

  std::vector<std::string> argv_;
  WindowSize size_;
  UniqueFd master_;
  std::optional<ChildProcess> child_;  // set once started
  std::unique_ptr<Screen> screen_;
  std::string output_;
  std::size_t consumed_ = 0;
  bool eof_ = false;
};

}  // namespace pyattach::e2e
