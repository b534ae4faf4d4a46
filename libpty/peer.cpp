#include "peer.hpp"

#include <sys/socket.h>
#include <unistd.h>

namespace pyattach {

std::optional<PeerCredentials> peer_credentials(int socket) {
  ucred cred{};
  socklen_t length = sizeof cred;
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) return std::nullopt;
  return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

bool peer_is_same_user(int socket) {
  const auto cred = peer_credentials(socket);
  return cred && cred->uid == ::geteuid();
}

}  // namespace pyattach
