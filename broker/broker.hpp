#pragma once
// pyattachd's state: the listening socket, client connections, sessions and zygotes.
// Request handling lives in broker_requests.cpp; lifecycle here in broker.cpp.

#include <sys/resource.h>
#include <uv.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connection.hpp"
#include "exit_reports.hpp"
#include "keeper_link.hpp"
#include "session.hpp"
#include "uv_handle.hpp"
#include "zygote.hpp"

namespace pyattach {

class Broker {
 public:
  Broker(uv_loop_t* loop, std::string dir);
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;
  ~Broker();

  // Writes zygote.py, binds the socket (replacing a stale one) and starts accepting.
  bool start(std::string& error);
  // Hangs up every session, stops zygotes and lets the loop run out.
  void shutdown();
  // broker_keeper.cpp: takes over the sessions the keeper held while no broker ran
  // (before start()); exits without ending any session, for a new binary to take over.
  bool recover_from_keeper(UniqueFd channel, std::string& error);
  void hand_over();
  KeeperLink& keeper() { return keeper_; }

  uv_loop_t* loop() const { return loop_; }
  // The open-file limit programs get (the user's; the broker raised its own).
  rlim_t program_file_limit() const { return program_file_limit_; }
  Connection* connection(Connection::Id id);

  // Called by connections, sessions and zygotes.
  void handle_frame(Connection& client, const Frame& frame);
  void drop_connection(Connection::Id id);
  void connection_drained(Connection& client);
  void child_exited(int session_id, pid_t pid, int wait_status);
  // Its program was stopped (Ctrl-Z, SIGSTOP) or continued.
  void child_stopped(int session_id, pid_t pid, bool stopped);
  void zygote_failed(Zygote& zygote);
  void zygote_exited(Zygote& zygote);
  // broker_profiles.cpp: a zygote that stopped serving (stale, idle, unloaded) is moved
  // aside; the next run of its profile starts a fresh one.
  void zygote_retired(Zygote& zygote);
  // A retired zygote's profile runs again in another: a stale record of it is history,
  // not listed and freed when its process ends.
  bool superseded(const Zygote& retired) const;
  void session_finished(Session& session);
  // Reaps every exited child that no libuv process handle waits for (broker.cpp).
  void reap_orphans();
  // Where programs report their exit status (exit_reports.hpp), for the zygotes.
  const std::string& exit_report_address() const { return exit_reports_.address(); }

 private:
  static void on_connection(uv_poll_t* poll, int status, int events);
  static void on_signal(uv_signal_t* handle, int signum);
  // Objects cannot delete themselves from their own callbacks; they are freed here.
  static void on_check(uv_check_t* handle);
  // The status of a program reaped before its zygote's "spawned" said whose it was.
  std::optional<int> claim_exit(pid_t pid);
  // A program ended, as whoever saw it first says (reaping, or its own report through
  // ExitReports): its session or run ends. A pid no session or run has yet (its zygote's
  // "spawned" still unread) is kept a few seconds for claim_exit().
  void program_ended(pid_t pid, int wait_status);

  // broker_requests.cpp
  void on_hello(Connection& client, const nlohmann::json& request);
  void on_new_session(Connection& client, const nlohmann::json& request);
  void on_run(Connection& client, const nlohmann::json& request);
  void on_attach(Connection& client, const nlohmann::json& request);
  void on_input(Connection& client, const std::string& bytes);
  void on_resize(Connection& client, const nlohmann::json& request);
  void on_detach(Connection& client);
  void on_list(Connection& client, const nlohmann::json& request);
  void on_kill(Connection& client, const nlohmann::json& request);
  Session* find_session(const std::string& target);

  // session_requests.cpp: capture, wait, send, rm, session logs.
  void on_capture(Connection& client, const nlohmann::json& request);
  void on_wait(Connection& client, const nlohmann::json& request);
  void wait_result(int waiter_id, std::size_t index, const nlohmann::json& ended);
  void on_send(Connection& client, const nlohmann::json& request);
  // Input from a connection that is not attached: for the session it chose with Send.
  void on_send_input(Connection& client, std::string_view bytes);
  void on_send_end(Connection& client);
  void on_remove(Connection& client, const nlohmann::json& request);
  // The log a NewSession request asks for ("log" or "log_dir"): null with `error` empty
  // if none, null with `error` set if it cannot be opened.
  std::unique_ptr<SessionLog> open_session_log(const nlohmann::json& request,
                                               const std::string& name, std::string& error);
  // broker_profiles.cpp: profiles, warm, unload; the serving zygote of a profile.
  void on_profiles(Connection& client);
  void on_warm(Connection& client, const nlohmann::json& request);
  void on_unload(Connection& client, const nlohmann::json& request);
  // With no session, zygote or client left after a zygote went idle: exit.
  void exit_if_idle();
  Zygote* zygote_for(const Profile& profile, const std::vector<std::string>& env,
                     std::string& error);
  void session_spawned(Connection::Id client_id, int session_id, pid_t pid,
                       const std::string& error);
  void run_spawned(int run_id, pid_t pid, const std::string& error);

  uv_loop_t* loop_;
  std::string dir_;
  std::string zygote_path_;
  UniqueFd listen_socket_;
  UvHandle<uv_poll_t> listener_;
  UvHandle<uv_signal_t> sigchld_;
  UvHandle<uv_signal_t> sigterm_;
  UvHandle<uv_signal_t> sigint_;
  UvHandle<uv_check_t> collector_;
  ExitReports exit_reports_;
  KeeperLink keeper_{*this};  // a copy of every session's terminal, for broker restarts
  bool shutting_down_ = false;

  Connection::Id next_connection_id_ = 1;
  int next_session_id_ = 1;
  std::map<Connection::Id, std::unique_ptr<Connection>> connections_;
  std::map<int, std::unique_ptr<Session>> sessions_;
  std::map<std::string, std::unique_ptr<Zygote>> zygotes_;  // by profile key
  std::vector<std::unique_ptr<Zygote>> retired_zygotes_;    // failed, process not reaped yet
  std::vector<std::unique_ptr<Connection>> dead_connections_;
  std::vector<std::unique_ptr<Zygote>> dead_zygotes_;
  std::vector<std::unique_ptr<Session>> dead_sessions_;
  // Programs of `pyattach run` on the caller's own stdio: no PTY, no session.
  struct Run {
    Connection::Id client;
    pid_t pid = 0;
  };
  std::map<int, Run> runs_;
  // Orphans reaped while no session or run had their pid yet: a zygote that dies right
  // after forking leaves "spawned" unread, and its child can end before we read it. Kept
  // a few seconds (a pid is not reused that fast), claimed by the spawned callbacks.
  struct UnclaimedExit {
    int status;
    std::chrono::steady_clock::time_point reaped;
  };
  std::map<pid_t, UnclaimedExit> unclaimed_exits_;
  rlim_t program_file_limit_;
  std::map<int, const Zygote*> session_zygote_;  // which zygote forked each running session
  int next_profile_id_ = 1;                      // zygote ids shown by `pyattach profiles`
  // Clients of `pyattach wait`: answered once every session they named has ended.
  struct Waiter {
    Connection::Id client;
    std::vector<nlohmann::json> results;  // per named session, in the order named
    std::size_t remaining = 0;
  };
  std::map<int, Waiter> waiters_;
  int next_waiter_id_ = 1;
  // Clients of `pyattach send`: their Input goes to this session, counted.
  struct Sender {
    int session;
    std::uint64_t written = 0;
    std::uint64_t dropped = 0;
  };
  std::map<Connection::Id, Sender> senders_;
};

}  // namespace pyattach
