#pragma once
// The keeper: a small process that lets sessions outlive a crashed or replaced broker.
//
// It is the broker's parent and a child subreaper, so the programs of a broker that
// died (their zygote exits when the broker's socket closes) become its children: it
// reaps them and remembers their wait status. The broker sends it a duplicate of every
// session's PTY master with the session's metadata (keeper_channel.hpp); the keeper only
// holds them, never reads them, so while a broker runs nothing changes for the program.
// When the broker is gone, the PTYs stay open (the programs get no SIGHUP, their output
// waits in the kernel's PTY buffer) until the next pyattachd asks the keeper, over
// keeper.sock, to start a broker: the keeper forks it (so it too is the keeper's
// descendant) and hands it every session, master and exit status included.
//
// One keeper per PYATTACH_DIR (keeper.lock). It exits after kill-server, or when its
// broker is gone and it holds no session.

#include <sys/types.h>
#include <uv.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "unique_fd.hpp"
#include "uv_handle.hpp"

namespace pyattach {

class Keeper {
 public:
  Keeper(uv_loop_t* loop, std::string dir);
  Keeper(const Keeper&) = delete;
  Keeper& operator=(const Keeper&) = delete;

  // Takes the keeper lock and listens on keeper.sock. False with a reason otherwise.
  bool start(std::string& error);
  // Forks and runs `binary` as the broker; `waiter` (a readiness pipe) gets "ok" or an
  // error once that broker serves or fails.
  void start_broker(const std::string& binary, UniqueFd waiter);
  // A running broker whose keeper died started this one: it is not our child, so after a
  // crash its programs are not ours to reap (their exit status is lost; see README).
  void adopt_broker(UniqueFd channel);

 private:
  struct Kept {
    nlohmann::json meta;  // id, name, command, rows, cols, pid, created
    UniqueFd master;      // closed once the broker closed its own
    std::optional<int> wait_status;
  };
  enum class BrokerState { None, Starting, Ready };

  static void on_listener(uv_poll_t* poll, int status, int events);
  static void on_channel(uv_poll_t* poll, int status, int events);
  static void on_ready_pipe(uv_poll_t* poll, int status, int events);
  static void on_sigchld(uv_signal_t* handle, int signum);

  void handle_request(UniqueFd client);
  void upgrade_broker(const std::string& binary, UniqueFd waiter);
  void spawn_broker(const std::string& binary);
  void watch_channel(UniqueFd channel);
  void handle_broker_message(const nlohmann::json& message, std::vector<UniqueFd>& fds);
  void send_sessions();
  void reap();
  void program_exited(pid_t pid, int wait_status);
  void broker_gone();
  void readiness_known(const std::string& message);
  void exit_if_idle();
  void stop();

  uv_loop_t* loop_;
  std::string dir_;
  UniqueFd lock_;
  UniqueFd listen_socket_;
  UvHandle<uv_poll_t> listener_;
  UvHandle<uv_signal_t> sigchld_;

  BrokerState state_ = BrokerState::None;
  pid_t broker_pid_ = 0;  // our child, until reaped (0 for an adopted broker)
  UniqueFd channel_;
  std::optional<UvHandle<uv_poll_t>> channel_poll_;
  bool broker_has_sessions_ = false;  // exit statuses go to it as they come
  UniqueFd ready_pipe_;               // the starting broker's readiness pipe
  std::optional<UvHandle<uv_poll_t>> ready_poll_;
  std::string ready_message_;
  std::vector<UniqueFd> waiters_;  // readiness pipes of starters waiting for the broker
  // To start once the broker still running (being upgraded) or still to be reaped is gone.
  std::optional<std::string> pending_binary_;
  bool shutting_down_ = false;
  bool stopped_ = false;

  std::map<int, Kept> sessions_;
};

}  // namespace pyattach
