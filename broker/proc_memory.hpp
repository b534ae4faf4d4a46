#pragma once
// How much memory a process really costs, from /proc/PID/smaps_rollup: its proportional
// share of the pages it shares (PSS: a zygote's preloaded pages are split among its
// children) and the pages only it has (USS: what ending it would free).

#include <sys/types.h>

#include <optional>

namespace pyattach {

struct ProcMemory {
  long pss_kb = 0;
  long uss_kb = 0;  // Private_Clean + Private_Dirty
};

// nullopt if the process is gone or not readable.
std::optional<ProcMemory> read_proc_memory(pid_t pid);

}  // namespace pyattach
