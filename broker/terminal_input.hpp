#pragma once
// A client's terminal, read by the broker itself: with its Attach request `pyattach attach`
// passes its stdin too, and the keys go straight to the session instead of through the
// client process (one wake-up less per key; see terminal_output.hpp for the other way).
// The broker opens the terminal anew (non-blocking, O_NOCTTY) and stops reading it before
// the client hears that it is detached, so a key typed into the shell afterwards is never
// taken.

#include <uv.h>

#include <functional>
#include <memory>
#include <string_view>

#include "unique_fd.hpp"
#include "uv_handle.hpp"

namespace pyattach {

class TerminalInput {
 public:
  // Null if `passed` is not a terminal or cannot be opened anew (the client then reads it
  // itself). `keys` gets what is read, as it comes; it may destroy this object.
  static std::unique_ptr<TerminalInput> open(uv_loop_t* loop, const UniqueFd& passed,
                                             std::function<void(std::string_view)> keys);
  // Reads no more (safe from within `keys`); the terminal stays open until destroyed.
  void stop() { poll_.stop(); }

 private:
  TerminalInput(uv_loop_t* loop, UniqueFd fd, std::function<void(std::string_view)> keys);
  static void on_readable(uv_poll_t* poll, int status, int events);

  UniqueFd fd_;
  PollHandle poll_;
  std::function<void(std::string_view)> keys_;
};

}  // namespace pyattach
