#pragma once
// The broker's side of one zygote: a Python interpreter running zygote.py that has
// imported a profile's preload list and forks one child per session on request (or, in
// spawn mode, hands each request to one of a pool of fresh preloaded interpreters).
//
// Talks over a SOCK_SEQPACKET socketpair: one JSON object per datagram, the PTY slave
// attached with SCM_RIGHTS. Spawn requests made while the zygote is still importing
// are queued and sent once it reports ready.
//
// The zygote hands each pre-forked child it makes to the broker ("pooled", with the
// child's own channel attached). A request then goes straight to such a child, and the
// zygote only hears of it afterwards ("taken"), to fork a replacement: the zygote, a
// Python process that would have to be woken, parse the request and pass it on, is off
// the critical path. With no pooled child at hand a request goes to the zygote, which
// forks one for it.
//
// A zygote stops serving (is retired) when a file its modules came from changes (stale),
// when it has been idle for the idle time, or on `pyattach unload`. A retired zygote ends
// once no child of it runs any more: their exit statuses come through it.

#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "proc_memory.hpp"
#include "profile.hpp"
#include "profile_watch.hpp"
#include "unique_fd.hpp"
#include "uv_handle.hpp"

namespace pyattach {

class Broker;

class Zygote {
 public:
  enum class State { Starting, Ready, Stale, Stopping, Failed };
  // pid of the forked program, or an error message.
  using SpawnDone = std::function<void(pid_t pid, const std::string& error)>;
  // Empty when ready, else why it never will be.
  using ReadyDone = std::function<void(const std::string& error)>;

  // `idle` is how long it may go unused before it stops (0: forever).
  Zygote(Broker& broker, int id, Profile profile, std::chrono::seconds idle);
  Zygote(const Zygote&) = delete;
  Zygote& operator=(const Zygote&) = delete;
  ~Zygote();

  // Starts the interpreter with the caller's environment. False with a message if
  // it could not even be started.
  bool start(const std::string& zygote_path, const std::vector<std::string>& env,
             std::string& error);

  // Asks for a child running `request` (mode, argv, cwd, env, umask) with `fds`: the PTY
  // slave (mode "pty") or the caller's stdin, stdout and stderr (mode "stdio").
  void spawn(int session_id, nlohmann::json request, std::vector<UniqueFd> fds, SpawnDone done);
  // Calls `done` once the zygote is ready (at once if it is already).
  void when_ready(ReadyDone done);
  // No more requests; the process ends once its children have. `why` is Stale or Stopping.
  void retire(State why, const std::string& reason);

  int id() const { return id_; }
  const Profile& profile() const { return profile_; }
  State state() const { return state_; }
  bool serving() const { return state_ == State::Starting || state_ == State::Ready; }
  pid_t pid() const { return process_->pid; }
  nlohmann::json describe() const;

 private:
  struct PendingSpawn {
    int session_id;
    nlohmann::json request;
    std::vector<UniqueFd> fds;
    SpawnDone done;
  };
  // A pre-forked child waiting on its channel for one request.
  struct PooledChild {
    pid_t pid;
    UniqueFd channel;
  };

  static void on_readable(uv_poll_t* poll, int status, int events);
  static void on_process_exit(uv_process_t* process, int64_t exit_status, int term_signal);
  static void on_idle(uv_timer_t* timer);
  void handle_message(const nlohmann::json& message, std::vector<UniqueFd>& fds);
  // The request as a spawn datagram (op and id added).
  static std::string spawn_datagram(PendingSpawn& pending);
  // Gives the request to a pooled child; false (the request untouched) if none took it.
  bool hand_to_pooled(PendingSpawn& pending);
  // False if the socket is full (the request is untouched): retried once it drains.
  bool send_spawn(PendingSpawn& pending);
  void exited(const nlohmann::json& message);
  void flush_queue();
  // Counts idle time from now if nothing runs; stops counting otherwise.
  void update_idle_timer();
  // A retired zygote with nothing left running: close its socket, so it exits.
  void close_if_done();
  // The zygote can no longer serve: fail everything waiting, let the broker forget it.
  void fail(const std::string& error);

  Broker& broker_;
  int id_;
  Profile profile_;
  std::chrono::seconds idle_;
  State state_ = State::Starting;
  UniqueFd socket_;
  UvHandle<uv_process_t> process_;
  PollHandle poll_;
  UvHandle<uv_timer_t> idle_timer_;
  ProfileWatch watch_;
  std::size_t watched_files_ = 0;
  CachedProcMemory memory_;             // for describe()
  std::deque<PendingSpawn> queued_;     // waiting for ready
  std::map<int, SpawnDone> in_flight_;  // sent, waiting for "spawned"
  std::map<pid_t, int> running_;        // pid -> session id: spawned, not yet reported exited
  std::deque<PooledChild> pooled_;      // the zygote's pre-forked children, oldest first
  std::vector<ReadyDone> ready_waiters_;
  std::string failure_;
  std::string retired_because_;
  double load_ms_ = 0;
  std::string version_;
  int sessions_served_ = 0;
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
};

}  // namespace pyattach
