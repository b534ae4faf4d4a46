#pragma once
// The broker and zygote targets drive a real Broker and real Zygote objects, and the
// fuzzer chooses the interpreter a request names: no process may ever be started. The
// fuzz binaries therefore define uv_spawn themselves (an executable's definition takes
// precedence over the shared libuv's): nothing runs, the zygote's end of its socketpair
// is kept for the harness, and the process handle stays uninitialised with pid 0, so
// nothing is ever signalled or reaped.

#include <vector>

#include "unique_fd.hpp"

namespace pyattach::fuzz {

// The zygote ends of the sockets of every zygote "started" since the last call.
std::vector<UniqueFd> take_spawned_zygote_sockets();

}  // namespace pyattach::fuzz
