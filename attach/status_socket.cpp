#include "status_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

namespace pyattach {

StatusSocket::StatusSocket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd || fd.get() <= 2) return;
  const int on = 1;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socklen_t size = sizeof(sa_family_t);  // bind with no name: the kernel picks an abstract one
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0 ||
      ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), size) != 0)
    return;
  size = sizeof address;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &size) != 0 ||
      size <= offsetof(sockaddr_un, sun_path) + 1 || address.sun_path[0] != '\0')
    return;
  name_.assign(address.sun_path + 1, size - offsetof(sockaddr_un, sun_path) - 1);
  socket_ = std::move(fd);
}

std::optional<int> StatusSocket::receive_from(pid_t program) {
  char text[16];
  iovec iov{text, sizeof text - 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t got = ::recvmsg(socket_.get(), &message, MSG_DONTWAIT);
  if (got <= 0) return std::nullopt;
  const cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (header == nullptr || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_CREDENTIALS)
    return std::nullopt;
  ucred sender{};
  std::memcpy(&sender, CMSG_DATA(header), sizeof sender);
  if (sender.pid != program || sender.uid != ::geteuid()) return std::nullopt;
  int status = 0;
  for (ssize_t i = 0; i < got; ++i) {
    if (text[i] < '0' || text[i] > '9' || i >= 3) return std::nullopt;
    status = status * 10 + (text[i] - '0');
  }
  if (status > 255) return std::nullopt;
  return status;
}

}  // namespace pyattach
