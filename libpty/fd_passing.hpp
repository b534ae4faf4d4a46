#pragma once
// Sending and receiving file descriptors with a message over a Unix socket (SCM_RIGHTS).

#include <string>
#include <string_view>
#include <vector>

#include "protocol.hpp"  // kMaxPassedFds
#include "unique_fd.hpp"

namespace pyattach {

// Sends `data` (at least one byte) with the fds attached. Returns false with errno set.
bool send_with_fds(int socket, std::string_view data, const std::vector<int>& fds);

// Receives one message of at most `max_bytes` into `data` and the fds that came with it.
// Returns the byte count, 0 at end of stream, -1 with errno set on error.
// Truncated messages (MSG_TRUNC/MSG_CTRUNC) are an error (EMSGSIZE); their fds are closed.
long receive_with_fds(int socket, std::string& data, std::size_t max_bytes,
                      std::vector<UniqueFd>& fds);

}  // namespace pyattach
