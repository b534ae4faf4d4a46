#include "proc_memory.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace pyattach {

std::optional<ProcMemory> read_proc_memory(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  if (!rollup) return std::nullopt;
  ProcMemory memory;
  bool seen = false;
  std::string line;
  while (std::getline(rollup, line)) {
    std::istringstream fields(line);
    std::string name;
    long kb = 0;
    if (!(fields >> name >> kb)) continue;
    if (name == "Pss:") {
      memory.pss_kb = kb;
      seen = true;
    } else if (name == "Private_Clean:" || name == "Private_Dirty:") {
      memory.uss_kb += kb;
    }
  }
  if (!seen) return std::nullopt;
  return memory;
}

std::optional<ProcMemory> CachedProcMemory::get(pid_t pid) const {
  constexpr auto kFreshFor = std::chrono::seconds(2);
  const auto now = std::chrono::steady_clock::now();
  if (pid != pid_ || now - read_at_ > kFreshFor) {
    pid_ = pid;
    memory_ = read_proc_memory(pid);
    read_at_ = now;
  }
  return memory_;
}

}  // namespace pyattach
