#include "directory_watch.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pyattach::e2e {

DirectoryWatch::DirectoryWatch(const std::string& directory)
    : inotify_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) {
  if (!inotify_ || ::inotify_add_watch(inotify_.get(), directory.c_str(), IN_MOVED_TO) < 0)
    throw std::runtime_error("cannot watch " + directory + ": " + std::strerror(errno));
}

bool DirectoryWatch::wait_for_rename_to(const std::string& name, Duration timeout) {
  Deadline deadline(timeout);
  alignas(inotify_event) char events[4096];
  while (true) {
    const ssize_t got = ::read(inotify_.get(), events, sizeof events);
    for (ssize_t at = 0; at < got;) {
      const auto* event = reinterpret_cast<const inotify_event*>(events + at);
      if (event->len > 0 && name == event->name) return true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
    if (got < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (got > 0) continue;  // more may be queued
    pollfd ready{inotify_.get(), POLLIN, 0};
    if (deadline.passed() || ::poll(&ready, 1, deadline.poll_ms()) == 0) return false;
  }
}

}  // namespace pyattach::e2e
