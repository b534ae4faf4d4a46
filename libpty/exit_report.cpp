#include "exit_report.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace pyattach {

std::optional<ExitReport> read_exit_report(int socket) {
  ExitReportBuffers buffers;
  ssize_t got;
  do {
    got = ::recvmsg(socket, &buffers.message, MSG_DONTWAIT);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return std::nullopt;  // EAGAIN: all read
  return decode_exit_report(buffers, got);
}

}  // namespace pyattach
