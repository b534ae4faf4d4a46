#pragma once
// A program's own report of its exit status (zygote.py, report_exit): one datagram of
// decimal text, received on a socket with SO_PASSCRED, so that the kernel names the
// sender. The broker hears every program's (exit_reports.hpp); a `run` in pipe mode
// hears its own program's (status_socket.hpp).

#include <sys/socket.h>
#include <sys/types.h>

#include <optional>

namespace pyattach {

struct ExitReport {
  bool valid = false;  // a decimal status, with the sender's credentials attached
  pid_t pid = 0;
  uid_t uid = 0;
  int exit_code = 0;  // as the kernel keeps what os._exit() was given: 0-255
};

// Where a report is received: `text` for the datagram, `control` for its sender.
struct ExitReportBuffers {
  char text[16];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  iovec iov{text, sizeof text};
  msghdr message{};

  ExitReportBuffers() {
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
  }
  ExitReportBuffers(const ExitReportBuffers&) = delete;
  ExitReportBuffers& operator=(const ExitReportBuffers&) = delete;
};

// The report in `got` bytes received into `buffers`. Header-only and free of the C
// library, for the client's fast path too (starter/fast_run.cpp).
inline ExitReport decode_exit_report(const ExitReportBuffers& buffers, long got) {
  ExitReport report;
  const cmsghdr* header = CMSG_FIRSTHDR(&buffers.message);
  if (got <= 0 || got > 11 || header == nullptr || header->cmsg_level != SOL_SOCKET ||
      header->cmsg_type != SCM_CREDENTIALS)
    return report;
  const bool negative = buffers.text[0] == '-';
  long code = 0;
  for (long i = negative ? 1 : 0; i < got; ++i) {
    const char digit = buffers.text[i];
    if (digit < '0' || digit > '9') return report;
    code = code * 10 + (digit - '0');
  }
  if (negative && got == 1) return report;
  ucred sender;
  __builtin_memcpy(&sender, CMSG_DATA(header), sizeof sender);  // a constant size: inlined
  // As the kernel keeps what os._exit() was given: os._exit(-1) is 255, os._exit(256) 0.
  report = {true, sender.pid, sender.uid, static_cast<int>((negative ? -code : code) & 0xff)};
  return report;
}

// Reads one datagram without blocking; nothing when none is waiting.
std::optional<ExitReport> read_exit_report(int socket);

}  // namespace pyattach
