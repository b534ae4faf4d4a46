#include "exit_report.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace pyattach {

std::optional<ExitReport> read_exit_report(int socket) {
  char text[16];
  iovec iov{text, sizeof text};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t got;
  do {
    got = ::recvmsg(socket, &message, MSG_DONTWAIT);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return std::nullopt;  // EAGAIN: all read
  ExitReport report;
  const cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (header == nullptr || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_CREDENTIALS)
    return report;
  ucred sender;
  std::memcpy(&sender, CMSG_DATA(header), sizeof sender);
  int exit_code = -1;
  const auto parsed = std::from_chars(text, text + got, exit_code);
  if (parsed.ec != std::errc() || parsed.ptr != text + got) return report;
  report = {true, sender.pid, sender.uid, exit_code & 0xff};  // os._exit(-1) or (256): 255, 0
  return report;
}

}  // namespace pyattach
