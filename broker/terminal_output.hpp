#pragma once
// A client's terminal, written by the broker itself (as tmux's server does): an attached
// client passes its terminal with the Attach request, and the session's output goes there
// without passing through the client process. Each echo of a keystroke then wakes one
// process less (the client), and the client's copy of every byte is gone.
//
// The broker opens the terminal anew through /proc/self/fd, so that it has a file
// description of its own to make non-blocking: the one the client passed is shared with
// the user's shell, which must not find its terminal non-blocking afterwards. Writes never
// block the broker: what the terminal does not take waits here, and the client's backlog
// (Connection::pending_bytes) counts it, so a slow terminal is skipped and redrawn as before.

#include <uv.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "unique_fd.hpp"
#include "uv_handle.hpp"

namespace pyattach {

// A file description of our own for the terminal the client passed, opened through
// /proc/self/fd with `flags` (access mode), non-blocking and O_NOCTTY (the broker has no
// controlling terminal and must not get the user's); invalid if `passed` is no terminal.
UniqueFd reopen_terminal(const UniqueFd& passed, int flags);

class TerminalOutput {
 public:
  // Null if `passed` is not a terminal or cannot be opened anew (the caller then keeps
  // sending output over the socket). `drained` runs whenever the queue empties after a
  // wait for the terminal; it may destroy this object.
  static std::unique_ptr<TerminalOutput> open(uv_loop_t* loop, const UniqueFd& passed,
                                              std::function<void()> drained);

  // Writes now what the terminal takes, queues the rest. Nothing once the terminal is
  // gone (hung up): the client's connection ends soon after.
  void write(std::shared_ptr<const std::string> bytes);
  std::size_t pending_bytes() const { return pending_bytes_; }

 private:
  TerminalOutput(uv_loop_t* loop, UniqueFd fd, std::function<void()> drained);
  static void on_writable(uv_poll_t* poll, int status, int events);
  // Writes from the queue until it is empty or the terminal is full.
  void flush();

  struct Piece {
    std::shared_ptr<const std::string> bytes;
    std::size_t written = 0;
  };

  UniqueFd fd_;
  PollHandle poll_;
  std::function<void()> drained_;
  std::deque<Piece> queue_;
  std::size_t pending_bytes_ = 0;
  bool gone_ = false;
};

}  // namespace pyattach
