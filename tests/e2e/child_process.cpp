#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "diagnostics.hpp"

extern char** environ;

namespace pyattach::e2e {

namespace {

// A write to a pipe whose reader is gone must fail with EPIPE, not kill the test.
const bool kSigpipeIgnored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::string find_in_path(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = "/usr/bin:/bin";
  for (const auto& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return name;  // execve fails with ENOENT and the caller hears about it
}

// Runs in the forked child: only async-signal-safe calls from here to execve.
[[noreturn]] void exec_child(const char* path, char* const* argv, char* const* envp,
                             const ChildStdio& stdio, int error_pipe) {
  sigset_t all;
  ::sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);

  if (stdio.controlling_tty && ::setsid() < 0) goto fail;
  {
    // Move the three fds above 2 first, so that dup2 cannot clobber one with another.
    int moved[3];
    const int wanted[3] = {stdio.in, stdio.out, stdio.err};
    for (int i = 0; i < 3; ++i) {
      moved[i] = ::fcntl(wanted[i], F_DUPFD_CLOEXEC, 10);
      if (moved[i] < 0) goto fail;
    }
    for (int i = 0; i < 3; ++i) {
      if (::dup2(moved[i], i) < 0) goto fail;
    }
  }
  if (stdio.controlling_tty && ::ioctl(0, TIOCSCTTY, 0) < 0) goto fail;
  // Whatever the test process had open stays out of the program.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(path, argv, envp);
fail:
  int err = errno;
  [[maybe_unused]] auto n = ::write(error_pipe, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

int Deadline::poll_ms() const {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(end_ - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env, const ChildStdio& stdio) {
  if (argv.empty()) throw std::runtime_error("spawn: empty argv");
  const std::string path = find_in_path(argv[0], env);
  std::vector<char*> c_argv;
  for (const auto& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  for (const auto& entry : env) c_env.push_back(const_cast<char*>(entry.c_str()));
  c_env.push_back(nullptr);

  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  UniqueFd error_read(error_pipe[0]);
  UniqueFd error_write(error_pipe[1]);

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) exec_child(path.c_str(), c_argv.data(), c_env.data(), stdio, error_write.get());

  error_write.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(err));
  }
  ChildProcess child(pid, std::move(pidfd));

  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(error_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    child.kill_and_reap();
    throw std::runtime_error("cannot execute " + join_argv(argv) + ": " +
                             std::strerror(child_errno));
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      status_(std::exchange(other.status_, std::nullopt)) {}

ChildProcess::~ChildProcess() {
  kill_and_reap();
}

bool ChildProcess::try_reap() {
  if (status_ || pid_ < 0) return status_.has_value();
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) status_ = status;
  return status_.has_value();
}

bool ChildProcess::kill(int sig) {
  if (pid_ < 0 || status_) return false;
  return ::kill(pid_, sig) == 0;
}

void ChildProcess::kill_and_reap() {
  if (pid_ < 0 || status_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) status_ = status;
}

bool wait_process_gone(pid_t pid, Duration timeout) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return errno == ESRCH;
  Deadline deadline(timeout);
  while (true) {
    pollfd pfd{pidfd.get(), POLLIN, 0};
    int r = ::poll(&pfd, 1, deadline.poll_ms());
    if (r > 0) return true;
    if (r == 0 || (r < 0 && errno != EINTR) || deadline.passed()) return false;
  }
}

std::vector<std::string> with_overrides(std::vector<std::string> base,
                                        const std::vector<std::string>& overrides) {
  for (const auto& entry : overrides) {
    const std::string name = entry.substr(0, entry.find('='));
    std::erase_if(base, [&](const std::string& existing) {
      return existing.compare(0, name.size() + 1, name + "=") == 0;
    });
    if (entry.find('=') != std::string::npos) base.push_back(entry);
  }
  return base;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  return env;
}

}  // namespace pyattach::e2e
