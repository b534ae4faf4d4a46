#include "caller_fds.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>

namespace pyattach {

CallerFds caller_fds() {
  CallerFds fds;
  for (int fd : {0, 1, 2})
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) fds.closed_stdio.push_back(fd);
  // The directory's own fd is close-on-exec (opendir), so it never counts.
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    const std::string name = entry.path().filename().string();
    const int fd = std::atoi(name.c_str());
    if (fd <= 2) continue;
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC)) fds.inherited.push_back(fd);
  }
  std::sort(fds.inherited.begin(), fds.inherited.end());
  return fds;
}

}  // namespace pyattach
