#include "multiplexer_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace muxbench {

namespace {

volatile sig_atomic_t g_interrupted = 0;  // the one global: a signal handler's flag

void on_interrupt(int) {
  g_interrupted = 1;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(std::vector<char*>& argv, std::vector<char*>& envp) {
  ::execve(argv[0], argv.data(), envp.data());
  static const char msg[] = "multiplexer: exec failed\n";
  auto ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
  ::_exit(127);
}

std::string resolve(const std::string& program) {
  const std::string found = find_on_path(program);
  if (found.empty()) throw std::runtime_error("not found: " + program);
  return found;
}

}  // namespace

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool interrupted() {
  return g_interrupted != 0;
}

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

void throw_if_interrupted() {
  if (interrupted()) throw Interrupted{};
}

Environment::Environment() {
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    vars_[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  vars_.erase("TMUX");
  vars_.erase("TMUX_PANE");
  vars_.erase("STY");
  vars_.erase("WINDOW");
  vars_["TERM"] = "xterm-256color";
}

std::vector<std::string> Environment::entries() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : vars_) out.push_back(name + "=" + value);
  return out;
}

PtyProcess::PtyProcess(const std::vector<std::string>& argv, const Environment& env, int cols,
                       int rows, bool controlling_terminal) {
  std::vector<std::string> args = argv;
  args[0] = resolve(args[0]);
  std::vector<std::string> env_entries = env.entries();
  auto c_argv = c_strings(args);
  auto c_env = c_strings(env_entries);
  struct winsize size {};
  size.ws_col = static_cast<unsigned short>(cols);
  size.ws_row = static_cast<unsigned short>(rows);
  int slave = -1;
  if (::openpty(&master_, &slave, nullptr, nullptr, &size) != 0)
    throw std::runtime_error(std::string("openpty: ") + std::strerror(errno));
  ::fcntl(master_, F_SETFD, FD_CLOEXEC);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::setsid();
    if (controlling_terminal) ::ioctl(slave, TIOCSCTTY, 0);
    for (int fd = 0; fd < 3; ++fd) ::dup2(slave, fd);
    if (slave > 2) ::close(slave);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_DFL);
    exec_child(c_argv, c_env);
  }
  ::close(slave);
  ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
}

PtyProcess::~PtyProcess() {
  stop();
  if (master_ >= 0) ::close(master_);
}

void PtyProcess::write_byte(char byte) const {
  while (::write(master_, &byte, 1) != 1) {
    if (errno != EINTR && errno != EAGAIN)
      throw std::runtime_error(std::string("write to client terminal: ") + std::strerror(errno));
  }
}

std::optional<int> PtyProcess::wait(std::chrono::milliseconds timeout) {
  if (reaped_) return 0;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      reaped_ = true;
      return status;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    // Keep the terminal drained so a client blocked on output can finish.
    char buf[4096];
    while (::read(master_, buf, sizeof buf) > 0) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void PtyProcess::stop() {
  if (reaped_ || pid_ <= 0) return;
  ::kill(pid_, SIGHUP);
  if (!wait(std::chrono::milliseconds(2000))) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::milliseconds(5000));
  }
}

int run_command(const std::vector<std::string>& argv, const Environment& env, std::string* output,
                bool controlling_terminal, std::chrono::milliseconds timeout) {
  PtyProcess process(argv, env, 120, 40, controlling_terminal);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    char buf[8192];
    ssize_t n;
    while ((n = ::read(process.master(), buf, sizeof buf)) > 0)
      if (output) output->append(buf, static_cast<size_t>(n));
    // A daemon the command started may keep the terminal open: watch the command itself.
    if (auto status = process.wait(std::chrono::milliseconds(0))) {
      while ((n = ::read(process.master(), buf, sizeof buf)) > 0)
        if (output) output->append(buf, static_cast<size_t>(n));
      return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
    }
    if (Clock::now() >= deadline) return -1;  // the destructor kills it
    throw_if_interrupted();
    struct pollfd p = {process.master(), POLLIN, 0};
    ::poll(&p, 1, 2);
  }
}

double time_command(const std::vector<std::string>& argv, const Environment& env) {
  std::vector<std::string> args = argv;
  args[0] = resolve(args[0]);
  std::vector<std::string> env_entries = env.entries();
  auto c_argv = c_strings(args);
  auto c_env = c_strings(env_entries);
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    exec_child(c_argv, c_env);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return seconds_since(start);
}

std::optional<ProcessInfo> process_info(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  const std::string stat = read_file(dir + "/stat");
  const auto paren = stat.rfind(')');
  if (stat.empty() || paren == std::string::npos) return std::nullopt;
  // Fields after the command name, counting from 3 (state): utime 14, stime 15,
  // starttime 22.
  std::istringstream fields(stat.substr(paren + 2));
  std::vector<std::string> f;
  for (std::string field; fields >> field;) f.push_back(field);
  if (f.size() < 20) return std::nullopt;
  ProcessInfo info;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  info.cpu_seconds = (std::stod(f[14 - 3]) + std::stod(f[15 - 3])) / tick;
  info.start_time = std::stoull(f[22 - 3]);
  std::istringstream status(read_file(dir + "/status"));
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) info.rss_kb = std::atol(line.c_str() + 6);
  std::istringstream rollup(read_file(dir + "/smaps_rollup"));
  for (std::string line; std::getline(rollup, line);)
    if (line.rfind("Pss:", 0) == 0) info.pss_kb = std::atol(line.c_str() + 4);
  return info;
}

void ProcessReaper::remember(pid_t pid) {
  if (pid <= 0) return;
  for (const auto& [known, start] : processes_)
    if (known == pid) return;
  if (auto info = process_info(pid)) processes_.emplace_back(pid, info->start_time);
}

void ProcessReaper::kill_all() {
  for (const auto& [pid, start] : processes_) {
    const auto info = process_info(pid);
    if (info && info->start_time == start) ::kill(pid, SIGKILL);
  }
  processes_.clear();
}

std::string find_on_path(const std::string& name) {
  auto executable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) return executable(name) ? name : "";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (executable(candidate)) return candidate;
  }
  return "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string load_average() {
  std::string text = read_file("/proc/loadavg");
  std::istringstream fields(text);
  std::string a, b, c;
  fields >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace muxbench
