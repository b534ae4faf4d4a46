#pragma once
// Unix-domain socket addresses and listeners, used by the broker, the keeper and the client.

#include <sys/un.h>

#include <optional>
#include <string>

#include "unique_fd.hpp"

namespace pyattach {

// The address of the socket file at path; nullopt if the path does not fit in sun_path.
std::optional<sockaddr_un> unix_address(const std::string& path);

// A non-blocking socket of `type` (SOCK_STREAM, SOCK_SEQPACKET) listening at path, readable
// and writable by its owner only. It replaces a file already at path in one rename: callers
// hold the directory's lock, so that file was left by a process that died. On failure: an invalid
// fd and a one-line reason in error.
UniqueFd listen_unix(const std::string& path, int type, int backlog, std::string& error);

}  // namespace pyattach
