#include "status_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>

#include "exit_report.hpp"

namespace pyattach {

StatusSocket::StatusSocket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return;
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
  const auto report = read_exit_report(socket_.get());
  if (!report || !report->valid || report->pid != program || report->uid != ::geteuid())
    return std::nullopt;
  return report->exit_code;
}

}  // namespace pyattach
