#pragma once
// The broker's side of the keeper (keeper.hpp): tells it about every session, so that
// a crash or an upgrade of the broker loses none, and takes them back when starting.
//
// The link keeps its own duplicate of each registered master and the session's
// metadata, so that if the keeper is killed the broker starts a new one and registers
// every session with it again. Without a keeper (pyattachd --foreground) it does nothing.

#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pty.hpp"
#include "unique_fd.hpp"
#include "uv_handle.hpp"

namespace pyattach {

class Broker;

// A session the keeper held while no broker ran.
struct KeptSession {
  int id = 0;
  std::string name;
  std::vector<std::string> command;
  WindowSize size;
  pid_t pid = 0;
  std::chrono::system_clock::time_point created;
  std::optional<int> wait_status;  // the program ended while no broker ran
  bool status_lost = false;        // it ended, and nobody could learn how
  std::string log;                 // its --log file, "" if none
  UniqueFd master;                 // invalid if the terminal was already closed
};

class KeeperLink {
 public:
  explicit KeeperLink(Broker& broker) : broker_(broker) {}
  KeeperLink(const KeeperLink&) = delete;
  KeeperLink& operator=(const KeeperLink&) = delete;

  // Greets the keeper on `channel` and receives every session it holds (blocking: the
  // broker does this before it accepts clients). False with a reason on failure.
  bool connect(UniqueFd channel, std::vector<KeptSession>& sessions, std::string& error);
  bool active() const { return static_cast<bool>(channel_); }

  // A session's terminal exists (its program is being started).
  // `log` is the session's --log file ("" for none): a new broker goes on writing it.
  void add(int id, const std::string& name, const std::vector<std::string>& command,
           WindowSize size, int master, const std::string& log);
  void started(int id, pid_t pid);
  void status(int id, int wait_status);
  // The broker closed the session's terminal: the keeper lets its copy go and keeps
  // the session's name and status, for `ls` after a crash.
  void closed(int id);
  // The session is gone from the broker (removed, or a finished `run`).
  void forget(int id);
  // kill-server: the keeper lets every terminal go and exits.
  void shutdown();
  // The broker exits for an upgrade: the keeper keeps everything; the link goes quiet.
  void release();

 private:
  struct Registered {
    nlohmann::json meta;
    UniqueFd master;
  };
  static void on_readable(uv_poll_t* poll, int status, int events);
  void start_polling();
  void tell(const nlohmann::json& message, const std::vector<int>& fds = {});
  void keeper_lost();
  void start_new_keeper();

  Broker& broker_;
  UniqueFd channel_;
  std::optional<UvHandle<uv_poll_t>> poll_;
  std::optional<UvHandle<uv_process_t>> respawned_;
  std::map<int, Registered> registered_;
};

}  // namespace pyattach
