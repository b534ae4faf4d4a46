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
  // Bound and listening under a temporary name, then renamed over path: a client looking
  // for the socket meanwhile finds the dead one (connection refused) or the new one already
  // listening, never no socket at all, and a test can await the rename.
  const std::string unready = path + ".new";
  const auto address = unix_address(unready);
  if (!address) {
    error = "socket path too long: " + unready;
    return UniqueFd();
  }
  ::unlink(unready.c_str());
  UniqueFd socket(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!socket ||
      ::bind(socket.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0 ||
      ::chmod(unready.c_str(), 0600) != 0 || ::listen(socket.get(), backlog) != 0 ||
      ::rename(unready.c_str(), path.c_str()) != 0) {
    error = "cannot listen on " + path + ": " + std::strerror(errno);
    ::unlink(unready.c_str());
    return UniqueFd();
  }
  return socket;
}

}  // namespace pyattach
