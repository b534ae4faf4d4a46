#include "fake_spawn.hpp"

#include <fcntl.h>
#include <uv.h>

#include <utility>

namespace pyattach::fuzz {

namespace {

// uv_spawn is a C function with no context of ours: this is where it leaves the fds.
std::vector<UniqueFd>& spawned_sockets() {
  static std::vector<UniqueFd> sockets;
  return sockets;
}

}  // namespace

std::vector<UniqueFd> take_spawned_zygote_sockets() {
  return std::exchange(spawned_sockets(), {});
}

}  // namespace pyattach::fuzz

extern "C" int uv_spawn(uv_loop_t*, uv_process_t* process, const uv_process_options_t* options) {
  // A zygote gets its socket as fd 3 (see Zygote::start).
  if (options->stdio_count > 3 && (options->stdio[3].flags & UV_INHERIT_FD)) {
    pyattach::fuzz::spawned_sockets().emplace_back(
        ::fcntl(options->stdio[3].data.fd, F_DUPFD_CLOEXEC, 0));
  }
  process->pid = 0;
  return 0;
}
