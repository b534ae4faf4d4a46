#pragma once
// Awaiting a file that a process under test renames into a directory (a listening socket,
// a marker a script writes): inotify, so a test waits on the event instead of polling.

#include <string>

#include "child_process.hpp"
#include "unique_fd.hpp"

namespace pyattach::e2e {

class DirectoryWatch {
 public:
  // Watches from now on; an entry renamed in before this is not seen.
  explicit DirectoryWatch(const std::string& directory);

  // True once an entry called `name` is renamed into the directory, seen among the events
  // no earlier call consumed; false after the timeout.
  bool wait_for_rename_to(const std::string& name, Duration timeout = kTimeout);

 private:
  UniqueFd inotify_;
};

}  // namespace pyattach::e2e
