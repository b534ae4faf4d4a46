#pragma once
// The broker's side of one zygote: a Python interpreter running zygote.py that has
// imported a profile's preload list and forks one child per session on request.
//
// Talks over a SOCK_SEQPACKET socketpair: one JSON object per datagram, the PTY slave
// attached with SCM_RIGHTS. Spawn requests made while the zygote is still importing
// are queued and sent once it reports ready.

#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "unique_fd.hpp"
#include "uv_handle.hpp"

namespace pyattach {

class Broker;

// What makes two zygotes interchangeable: interpreter, preload list and the
// environment variables that change what an import does.
struct Profile {
  std::string python;
  std::vector<std::string> flags;  // interpreter flags the zygote is started with (-u, -X dev)
  std::vector<std::string> preload;
  std::map<std::string, std::string> import_env;

  std::string key() const;
  static const std::vector<std::string>& import_env_names();
};

class Zygote {
 public:
  enum class State { Starting, Ready, Failed };
  // pid of the forked program, or an error message.
  using SpawnDone = std::function<void(pid_t pid, const std::string& error)>;

  Zygote(Broker& broker, Profile profile);
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

  const Profile& profile() const { return profile_; }
  State state() const { return state_; }
  pid_t pid() const { return process_->pid; }
  nlohmann::json describe() const;

 private:
  struct PendingSpawn {
    int session_id;
    nlohmann::json request;
    std::vector<UniqueFd> fds;
    SpawnDone done;
  };

  static void on_readable(uv_poll_t* poll, int status, int events);
  static void on_process_exit(uv_process_t* process, int64_t exit_status, int term_signal);
  void handle_message(const nlohmann::json& message);
  // False if the socket is full (the request is untouched): retried once it drains.
  bool send_spawn(PendingSpawn& pending);
  void flush_queue();
  // The zygote can no longer serve: fail everything waiting, let the broker forget it.
  void fail(const std::string& error);

  Broker& broker_;
  Profile profile_;
  State state_ = State::Starting;
  UniqueFd socket_;
  UvHandle<uv_process_t> process_;
  UvHandle<uv_poll_t> poll_;
  std::deque<PendingSpawn> queued_;     // waiting for ready
  std::map<int, SpawnDone> in_flight_;  // sent, waiting for "spawned"
  std::string failure_;
  double load_ms_ = 0;
  std::string version_;
  int sessions_served_ = 0;
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
};

}  // namespace pyattach
