#include "job_control.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace pyattach {

namespace {

// Whether SIGTSTP's default action (stop) applies to process `pid`: from the signal
// masks in /proc/PID/status.
bool stops_on_tstp(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  const unsigned long long bit = 1ULL << (SIGTSTP - 1);
  std::string line;
  int masks_read = 0;
  while (std::getline(status, line)) {
    if (line.rfind("SigIgn:", 0) != 0 && line.rfind("SigCgt:", 0) != 0) continue;
    if (std::strtoull(line.c_str() + 7, nullptr, 16) & bit) return false;
    ++masks_read;
  }
  return masks_read == 2;
}

}  // namespace

bool stop_like_suspend_key(int master, pid_t program, std::string_view typed) {
  termios modes{};
  if (::tcgetattr(master, &modes) != 0 || !(modes.c_lflag & ISIG)) return false;
  const cc_t key = modes.c_cc[VSUSP];
  if (key == _POSIX_VDISABLE || typed.find(static_cast<char>(key)) == std::string_view::npos)
    return false;
  // Only the program's own group: its client follows the program's stops and continues
  // that group (a group of its children in the foreground would stay stopped).
  return ::tcgetpgrp(master) == program && stops_on_tstp(program) &&
         ::killpg(program, SIGSTOP) == 0;
}

}  // namespace pyattach
