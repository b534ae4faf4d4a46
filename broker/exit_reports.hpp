#pragma once
// Exit statuses that programs report themselves, just before os._exit (zygote.py,
// report_exit), straight to the broker: the caller of a `run` then hears the status
// without waiting for the zygote to relay it, and before the kernel has torn down the
// program's address space (tens of milliseconds for torch).
//
// A datagram socket in the abstract namespace (no file, nothing to clean up), with
// SO_PASSCRED: the kernel vouches for each sender's pid and uid, so only our own user's
// processes are heard, and the pid says which program it was. Reaping still reports the
// real wait status (deaths by signal too); the first report of a program wins.

#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <string>

#include "unique_fd.hpp"
#include "uv_handle.hpp"

namespace pyattach {

class ExitReports {
 public:
  // `exit_code` is what the program passed to os._exit, as the kernel keeps it (0-255).
  using Reported = std::function<void(pid_t pid, int exit_code)>;

  // Binds a fresh abstract address and watches it; false with `error` if it cannot.
  bool start(uv_loop_t* loop, Reported reported, std::string& error);
  // The address without its leading NUL, for zygote.py's --exits; empty before start().
  const std::string& address() const { return address_; }

 private:
  static void on_readable(uv_poll_t* poll, int status, int events);
  void drain();

  UniqueFd socket_;
  UvHandle<uv_poll_t> poll_;
  std::string address_;
  Reported reported_;
};

}  // namespace pyattach
