#pragma once
// How much memory a process really costs, from /proc/PID/smaps_rollup: its proportional
// share of the pages it shares (PSS: a zygote's preloaded pages are split among its
// children) and the pages only it has (USS: what ending it would free).

#include <sys/types.h>

#include <chrono>
#include <optional>

namespace pyattach {

struct ProcMemory {
  long pss_kb = 0;
  long uss_kb = 0;  // Private_Clean + Private_Dirty
};

// nullopt if the process is gone or not readable.
std::optional<ProcMemory> read_proc_memory(pid_t pid);

// The kernel builds smaps_rollup by walking every page table of the process (about half a
// millisecond for a Python program), which made `ls` of 50 sessions cost tens of
// milliseconds. A listing is as fresh with figures a couple of seconds old, like top's.
class CachedProcMemory {
 public:
  std::optional<ProcMemory> get(pid_t pid) const;

 private:
  mutable pid_t pid_ = 0;
  mutable std::optional<ProcMemory> memory_;
  mutable std::chrono::steady_clock::time_point read_at_;
};

}  // namespace pyattach
