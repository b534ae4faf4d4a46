#include "daemon.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

#include "keeper_channel.hpp"
#include "peer.hpp"
#include "unix_socket.hpp"

namespace pyattach {

namespace {

// A daemon keeps nothing of its starter's but what it was given on purpose: any other
// fd (a pipe of the user's shell, say) would stay open for the broker's whole life and
// reach every zygote it starts.
void close_inherited_fds(int keep) {
  std::vector<int> fds;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (const dirent* entry = ::readdir(dir)) {
      const int fd = std::atoi(entry->d_name);
      if (fd > 2 && fd != keep && fd != ::dirfd(dir)) fds.push_back(fd);
    }
    ::closedir(dir);
  }
  for (int fd : fds) ::close(fd);
}

}  // namespace

Readiness Readiness::daemonize(const std::string& log_path) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("pyattachd: pipe");
    std::exit(1);
  }
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  const pid_t first = ::fork();
  if (first < 0) {
    std::perror("pyattachd: fork");
    std::exit(1);
  }
  if (first > 0) {
    // The starter's side: wait for "ok" or an error message from the daemon.
    write_end.reset();
    ::waitpid(first, nullptr, 0);
    std::string message;
    char chunk[512];
    ssize_t got;
    while ((got = ::read(read_end.get(), chunk, sizeof chunk)) > 0) message.append(chunk, got);
    if (message == "ok") std::exit(0);
    if (message.empty()) message = "the broker exited before it was ready";
    std::cerr << "pyattachd: " << message << "\n";
    std::exit(1);
  }
  read_end.reset();
  ::setsid();
  // The second fork makes sure the daemon never reacquires a controlling terminal.
  if (const pid_t second = ::fork(); second != 0) ::_exit(second < 0 ? 1 : 0);
  ::umask(077);
  const int null = ::open("/dev/null", O_RDONLY);
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (null >= 0) ::dup2(null, 0);
  if (log >= 0) {
    ::dup2(log, 1);
    ::dup2(log, 2);
  }
  if (null > 2) ::close(null);
  if (log > 2) ::close(log);
  close_inherited_fds(write_end.get());
  return Readiness(std::move(write_end));
}

void Readiness::ready() {
  if (pipe_) [[maybe_unused]]
    auto ignored = ::write(pipe_.get(), "ok", 2);
  pipe_.reset();
}

void Readiness::failed(const std::string& message) {
  if (pipe_) [[maybe_unused]]
    auto ignored = ::write(pipe_.get(), message.data(), message.size());
  pipe_.reset();
}

bool ask_keeper(const std::string& dir, const std::string& op, const std::string& binary,
                int readiness_fd, std::string& error) {
  const std::string path = keeper_socket_path(dir);
  const auto address = unix_address(path);
  if (!address) {
    error = "socket path too long: " + path;
    return false;
  }
  UniqueFd socket(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!socket ||
      ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0) {
    error = "no keeper at " + path + ": " + std::strerror(errno);
    return false;
  }
  if (!peer_is_same_user(socket.get())) {
    error = path + " is served by another user";
    return false;
  }
  if (!send_message(socket.get(), {{"op", op}, {"binary", binary}}, {readiness_fd})) {
    error = std::string("cannot reach the keeper: ") + std::strerror(errno);
    return false;
  }
  // The keeper answers before anything else; give a stuck one a few seconds.
  const timeval timeout{5, 0};
  ::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  nlohmann::json answer;
  std::vector<UniqueFd> fds;
  if (receive_message(socket.get(), answer, fds, true) != Received::kMessage ||
      answer.value("op", "") != "accepted") {
    error = "the keeper at " + path + " closed without taking the request (it was exiting)";
    return false;
  }
  return true;
}

bool lock_after_exiting_holder(int fd, const std::string& socket_path) {
  // Brokers and keepers unlink their socket first when they stop, and exit soon after.
  constexpr int kPolls = 600;  // 5 ms apart: three seconds for a holder to finish exiting
  for (int poll = 0;; ++poll) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK) return false;
    if (::access(socket_path.c_str(), F_OK) == 0 || poll == kPolls) {
      errno = EWOULDBLOCK;
      return false;
    }
    ::poll(nullptr, 0, 5);
  }
}

UniqueFd take_broker_lock(const std::string& path, const std::string& socket_path,
                          std::string& error) {
  UniqueFd lock(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return lock;
  }
  if (!lock_after_exiting_holder(lock.get(), socket_path)) {
    error = errno == EWOULDBLOCK ? "another pyattachd is already serving this directory"
                                 : "cannot lock " + path + ": " + std::strerror(errno);
    return UniqueFd();
  }
  // Record our pid for people and tests; the lock, not the file content, is the truth.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock.get(), 0) == 0) [[maybe_unused]]
    auto ignored = ::write(lock.get(), pid.data(), pid.size());
  return lock;
}

namespace {
constexpr const char* kUserFileLimit = "PYATTACH_USER_NOFILE";
}

rlim_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return RLIM_INFINITY;
  rlim_t user = limit.rlim_cur;
  if (const char* kept = std::getenv(kUserFileLimit)) {
    user = std::strtoull(kept, nullptr, 10);
  } else {
    ::setenv(kUserFileLimit, std::to_string(user).c_str(), 1);
  }
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  return user;
}

void give_program_file_limit(pid_t pid, rlim_t soft) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || soft > limit.rlim_max) return;
  limit.rlim_cur = soft;
  ::prlimit(pid, RLIMIT_NOFILE, &limit, nullptr);
}

}  // namespace pyattach
