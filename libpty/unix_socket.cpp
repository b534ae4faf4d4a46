#include "unix_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pyattach {

std::optional<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return std::nullopt;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

UniqueFd listen_unix(const std::string& path, int type, int backlog, std::string& error) {
  ::unlink(path.c_str());
  const auto address = unix_address(path);
  if (!address) {
    error = "socket path too long: " + path;
    return UniqueFd();
  }
  UniqueFd socket(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!socket ||
      ::bind(socket.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0 ||
      ::chmod(path.c_str(), 0600) != 0 || ::listen(socket.get(), backlog) != 0) {
    error = "cannot listen on " + path + ": " + std::strerror(errno);
    return UniqueFd();
  }
  return socket;
}

}  // namespace pyattach
