#pragma once
// Which of its caller's file descriptors a program started by `run` must have: python3
// started in the same place would find closed the stdio fds its caller had closed, and
// would inherit every other fd its caller left open without close-on-exec (`3>log`,
// a jobserver's pipes, Popen's pass_fds).

#include <vector>

namespace pyattach {

struct CallerFds {
  std::vector<int> closed_stdio;  // those of 0, 1, 2 not open, ascending
  std::vector<int> inherited;     // open fds >= 3 without FD_CLOEXEC, ascending
};

// Asked before this process opens anything of its own, which could take a closed fd's
// number; everything this process opens itself is close-on-exec, so is never listed.
CallerFds caller_fds();

}  // namespace pyattach
