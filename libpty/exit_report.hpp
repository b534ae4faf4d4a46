#pragma once
// A program's own report of its exit status (zygote.py, report_exit): one datagram of
// decimal text, received on a socket with SO_PASSCRED, so that the kernel names the
// sender. The broker hears every program's (exit_reports.hpp); a `run` in pipe mode
// hears its own program's (status_socket.hpp).

#include <sys/types.h>

#include <optional>

namespace pyattach {

struct ExitReport {
  bool valid = false;  // a decimal status, with the sender's credentials attached
  pid_t pid = 0;
  uid_t uid = 0;
  int exit_code = 0;  // as the kernel keeps what os._exit() was given: 0-255
};

// Reads one datagram without blocking; nothing when none is waiting.
std::optional<ExitReport> read_exit_report(int socket);

}  // namespace pyattach
