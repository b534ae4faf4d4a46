#pragma once
// bench/multiplexer: starting commands and clients on real PTYs, and reading what the
// kernel knows about a process (CPU time, memory) from /proc.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace muxbench {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start);

// Set by SIGINT/SIGTERM/SIGHUP; every waiting loop checks it and throws Interrupted,
// so the destructors clean up every process the benchmark started.
bool interrupted();
void install_interrupt_handlers();
struct Interrupted {};
void throw_if_interrupted();

// The environment every command runs with: ours, minus variables that would make a tool
// think it runs nested (TMUX, STY), plus the given overrides.
class Environment {
 public:
  Environment();
  void set(const std::string& name, const std::string& value) { vars_[name] = value; }
  std::vector<std::string> entries() const;

 private:
  std::map<std::string, std::string> vars_;
};

// A process whose standard streams are the slave side of a fresh PTY of the given size
// (it is a session leader with that PTY as its controlling terminal); we hold the master.
// The destructor closes the master (a hang-up for the process), then kills and reaps it.
class PtyProcess {
 public:
  // controlling_terminal false: the process still starts a new session, with the PTY as
  // its standard streams but not as its controlling terminal (no SIGHUP when it closes).
  PtyProcess(const std::vector<std::string>& argv, const Environment& env, int cols, int rows,
             bool controlling_terminal = true);
  ~PtyProcess();
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;

  pid_t pid() const { return pid_; }
  int master() const { return master_; }
  void write_byte(char byte) const;
  // Waits up to `timeout` for the process to end; its wait status, or nullopt.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Hang-up first (what closing a terminal window does), then SIGKILL if still there.
  void stop();

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  bool reaped_ = false;
};

// Runs a command on its own 120x40 PTY (so tools that take the window size from their
// terminal get one), reading and keeping its output, until it exits. Returns its exit
// status (-1 if it did not end within `timeout`, in which case it is killed).
int run_command(const std::vector<std::string>& argv, const Environment& env,
                std::string* output = nullptr, bool controlling_terminal = true,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Wall time of one run of a command with stdio on /dev/null, fork to waitpid.
double time_command(const std::vector<std::string>& argv, const Environment& env);

struct ProcessInfo {
  double cpu_seconds = 0;  // utime + stime
  long rss_kb = 0;
  long pss_kb = 0;
  unsigned long long start_time = 0;  // in clock ticks since boot: tells pid reuse apart
};
std::optional<ProcessInfo> process_info(pid_t pid);

// Remembers processes by (pid, start time) and SIGKILLs the ones still alive, so a
// recycled pid is never hit.
class ProcessReaper {
 public:
  void remember(pid_t pid);
  void kill_all();

 private:
  std::vector<std::pair<pid_t, unsigned long long>> processes_;
};

std::string find_on_path(const std::string& name);
std::string read_file(const std::string& path);
std::string load_average();

}  // namespace muxbench
