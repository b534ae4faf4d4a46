#pragma once
// Becoming a daemon that tells its starter when it is ready.
//
// The starter (pyattach) runs pyattachd and waits for that process to exit: status 0
// once the broker accepts connections, 1 with the reason on stderr otherwise. So a
// client never connects to a broker that is not listening yet.

#include <sys/resource.h>
#include <sys/types.h>

#include <string>

#include "unique_fd.hpp"

namespace pyattach {

class Readiness {
 public:
  // Forks twice; returns only in the daemon (in a new session, stdio on the log).
  // The original process waits for ready()/failed() and exits with the outcome.
  static Readiness daemonize(const std::string& log_path);
  // For --foreground: reports nothing to anyone.
  static Readiness foreground() { return Readiness(UniqueFd()); }
  // For a broker its keeper started: the pipe the keeper gave it.
  static Readiness from_fd(UniqueFd pipe) { return Readiness(std::move(pipe)); }
  // The pipe, to hand to the keeper, who then reports for us.
  int fd() const { return pipe_.get(); }

  void ready();
  void failed(const std::string& message);

 private:
  explicit Readiness(UniqueFd pipe) : pipe_(std::move(pipe)) {}
  UniqueFd pipe_;
};

// Sends a request ("start" or "upgrade", keeper_channel.hpp) with `readiness_fd` to the
// keeper of `dir`. False if no keeper listens there (`error` says why).
bool ask_keeper(const std::string& dir, const std::string& op, const std::string& binary,
                int readiness_fd, std::string& error);

// Exclusive lock on the broker's lock file, held for the broker's life. Invalid if
// another broker holds it (one still exiting is waited for: lock_after_exiting_holder).
UniqueFd take_broker_lock(const std::string& path, const std::string& socket_path,
                          std::string& error);

// flock(LOCK_EX) on `fd`, for a broker or keeper about to serve `socket_path`. A holder
// that has removed that socket is on its way out: wait a few seconds for it. A holder
// whose socket is there serves: false at once, errno EWOULDBLOCK.
bool lock_after_exiting_holder(int fd, const std::string& socket_path);

// Each session holds a descriptor in the keeper and one in the broker, so a few hundred
// sessions pass the usual soft limit of 1024 open files: the keeper and the broker raise
// theirs to the hard limit. Returns the limit the user had (kept in their own environment
// across keeper -> broker), which programs must see again: give_program_file_limit().
rlim_t raise_open_file_limit();
// Sets that limit on a zygote just started, before it has forked any program.
void give_program_file_limit(pid_t pid, rlim_t soft);

}  // namespace pyattach
