#pragma once
// Who is on the other end of a Unix socket.

#include <sys/types.h>

#include <optional>

namespace pyattach {

struct PeerCredentials {
  pid_t pid;
  uid_t uid;
  gid_t gid;
};

std::optional<PeerCredentials> peer_credentials(int socket);

// True when the peer runs as the same user as this process.
bool peer_is_same_user(int socket);

}  // namespace pyattach
