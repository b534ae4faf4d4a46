#include "proc_scan.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "diagnostics.hpp"
#include "text_lines.hpp"
#include "unique_fd.hpp"

namespace pyattach::e2e {

namespace {

// The whole file, or what could be read of it: a process may end while it is read, and
// then its files fail with ESRCH (which is why this is not an ifstream: that throws).
std::string read_proc_file(pid_t pid, const char* name) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::string data;
  if (!fd) return data;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  return data;
}

// The fields of /proc/PID/stat after the command name (which may hold spaces and
// parentheses, so it is skipped up to the last ')').
std::string stat_after_name(pid_t pid) {
  std::string stat = read_proc_file(pid, "stat");
  std::size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return {};
  return stat.substr(close + 2);
}

}  // namespace

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  DIR* dir = ::opendir("/proc");
  if (!dir) return pids;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && pid > 0) pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(dir);
  return pids;
}

std::vector<std::string> proc_cmdline(pid_t pid) {
  return split_on(read_proc_file(pid, "cmdline"), '\0');
}

std::vector<std::string> proc_environ(pid_t pid) {
  return split_on(read_proc_file(pid, "environ"), '\0');
}

std::optional<pid_t> proc_parent(pid_t pid) {
  std::string rest = stat_after_name(pid);  // "S 1234 ..."
  if (rest.size() < 3) return std::nullopt;
  return static_cast<pid_t>(std::strtol(rest.c_str() + 2, nullptr, 10));
}

std::optional<char> proc_state(pid_t pid) {
  std::string rest = stat_after_name(pid);
  if (rest.empty()) return std::nullopt;
  return rest[0];
}

std::string proc_exe(pid_t pid) {
  char buf[4096];
  std::string link = "/proc/" + std::to_string(pid) + "/exe";
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string exe(buf, static_cast<std::size_t>(n));
  const std::string deleted = " (deleted)";
  if (exe.size() > deleted.size() && exe.ends_with(deleted))
    exe.resize(exe.size() - deleted.size());
  return exe;
}

bool process_alive(pid_t pid) {
  auto state = proc_state(pid);
  return state && *state != 'Z' && *state != 'X';
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (pid_t pid : all_pids()) {
    if (proc_parent(pid) == parent && process_alive(pid)) children.push_back(pid);
  }
  return children;
}

std::vector<pid_t> processes_with_env(const std::string& entry) {
  std::vector<pid_t> found;
  const pid_t self = ::getpid();
  for (pid_t pid : all_pids()) {
    if (pid == self || !process_alive(pid)) continue;
    auto env = proc_environ(pid);
    if (std::find(env.begin(), env.end(), entry) != env.end()) found.push_back(pid);
  }
  return found;
}

std::string describe_processes(const std::vector<pid_t>& pids) {
  std::string text;
  for (pid_t pid : pids) {
    auto parent = proc_parent(pid);
    auto state = proc_state(pid);
    text += "  pid " + std::to_string(pid) + " ppid " + (parent ? std::to_string(*parent) : "?") +
            " " + (state ? std::string(1, *state) : "gone") + " " + join_argv(proc_cmdline(pid)) +
            "\n";
  }
  return text.empty() ? "  (none)\n" : text;
}

}  // namespace pyattach::e2e
