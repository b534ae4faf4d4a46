#include "job_control.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

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
  bool read_masks = false;
  while (std::getline(status, line)) {
    if (line.rfind("SigIgn:", 0) != 0 && line.rfind("SigCgt:", 0) != 0) continue;
    if (std::stoull(line.substr(7), nullptr, 16) & bit) return false;
    read_masks = true;
  }
  return read_masks;
}

}  // namespace

bool stop_like_suspend_key(int master, std::string_view typed) {
  termios modes{};
  if (::tcgetattr(master, &modes) != 0 || !(modes.c_lflag & ISIG)) return false;
  const cc_t key = modes.c_cc[VSUSP];
  if (key == _POSIX_VDISABLE || typed.find(static_cast<char>(key)) == std::string_view::npos)
    return false;
  const pid_t group = ::tcgetpgrp(master);
  return group > 0 && stops_on_tstp(group) && ::killpg(group, SIGSTOP) == 0;
}

}  // namespace pyattach
