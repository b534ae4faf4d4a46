#pragma once
// Finding the processes a test started indirectly (the broker, its zygotes, session
// programs) by reading /proc: command lines, environments and parent pids.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace pyattach::e2e {

std::vector<pid_t> all_pids();
// The NUL-separated lists in /proc/PID/cmdline and /proc/PID/environ; empty if the
// process is gone (or a zombie, or a kernel thread).
std::vector<std::string> proc_cmdline(pid_t pid);
std::vector<std::string> proc_environ(pid_t pid);
std::optional<pid_t> proc_parent(pid_t pid);
// The one-letter state from /proc/PID/stat ('R', 'S', 'Z', ...); nullopt if gone.
std::optional<char> proc_state(pid_t pid);
// Where /proc/PID/exe points, without a " (deleted)" suffix; empty if unreadable.
std::string proc_exe(pid_t pid);

// Exists and is not a zombie.
bool process_alive(pid_t pid);
std::vector<pid_t> children_of(pid_t parent);
// Live processes whose environment holds exactly `entry` ("NAME=value").
std::vector<pid_t> processes_with_env(const std::string& entry);
// "pid ppid state cmdline" for each pid, for failure messages.
std::string describe_processes(const std::vector<pid_t>& pids);

}  // namespace pyattach::e2e
