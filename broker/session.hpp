#pragma once
// A session: one Python program on a pseudo-terminal owned by the broker.
//
// Every byte the program writes goes first to the attached clients, then into the
// screen model, so a client that attaches later sees the screen as it is now. The model
// takes output late and in large pieces (screen.hpp); what waits is fed whenever anything
// reads the screen, and otherwise once the output goes quiet.
// The program is never blocked by clients: a client that falls behind is skipped and
// caught up with a redraw once its queue has drained.

#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "connection.hpp"
#include "proc_memory.hpp"
#include "pty.hpp"
#include "screen.hpp"
#include "session_log.hpp"
#include "uv_handle.hpp"

namespace pyattach {

class Broker;

// What the session knows of each attached client.
struct AttachedClient {
  bool read_only = false;          // its input and its window size are ignored
  std::optional<WindowSize> size;  // its terminal's size, once it has told us
  std::uint64_t last_active = 0;   // when it last attached, typed or resized (a counter)
};

class Session {
 public:
  Session(Broker& broker, int id, std::string name, std::vector<std::string> command,
          UniqueFd master, WindowSize size);
  // A session whose program ran on while no broker did (keeper.hpp): terminal, program
  // and creation time come from the keeper. The old screen died with the old broker, so
  // this one starts blank but for `notice`; output written since then follows it.
  static std::unique_ptr<Session> recovered(Broker& broker, int id, std::string name,
                                            std::vector<std::string> command, UniqueFd master,
                                            WindowSize size, pid_t pid,
                                            std::chrono::system_clock::time_point created,
                                            std::string_view notice);
  // The keeper forgets it too (a broker that exits has let go of the keeper first).
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int id() const { return id_; }
  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  bool running() const { return !wait_status_.has_value(); }
  std::optional<int> wait_status() const { return wait_status_; }
  const std::map<Connection::Id, AttachedClient>& clients() const { return clients_; }

  // The zygote forked the program.
  void started(pid_t pid);
  // The program ended with this wait status: forward what is left, tell the clients.
  void ended(int wait_status);
  // The program never started (the zygote failed or refused): the session ends as
  // `failed`, exit status 1, and keeps the reason for ls, attach and wait.
  void start_failed(const std::string& error);
  const std::optional<std::string>& start_error() const { return start_error_; }

  // Sends the screen as it is now, then the live stream. A read-only client only watches.
  // A client that passed its terminal with the request (stdout, and stdin) gets it
  // written (and read, with `detach_key`) by the broker.
  void attach(Connection& client, std::optional<WindowSize> size, bool read_only = false,
              std::optional<char> detach_key = std::nullopt);
  // Adds a client before the program starts: it sees every byte, so no redraw.
  void add_client(Connection& client);
  bool alternate_screen() const { return screen_.alternate_screen(); }
  void detach(Connection& client);
  // Bytes for the program's terminal; false if they were dropped (ended, or the program
  // leaves too much input unread).
  bool write_input(std::string_view bytes);
  // Input and window size from an attached client. Window size policy, as tmux's
  // default: the most recently active client (attached, typed or resized) sets the size;
  // read-only clients never do.
  void input_from(Connection::Id client, std::string_view bytes);
  void resize_from(Connection::Id client, WindowSize size);
  void resize(WindowSize size);
  WindowSize size() const { return screen_.size(); }
  // Sends the current screen to a client that was skipped while it was behind.
  void redraw_to(Connection& client);
  // Sends `sig` to the program's process group (a terminal would do the same).
  bool signal(int sig);
  // Its program was stopped or continued: attached clients hear it (Stopped), after the
  // output the program wrote before.
  void program_stopped(bool stopped);
  // A `run` on a terminal (transient) whose client is gone: SIGHUP, as a closing terminal
  // would send, so that it does not run on unattended. Nothing for other sessions.
  void hang_up_if_abandoned();
  // The broker is going away: hang up the terminal.
  void hang_up();

  // The screen as text (`pyattach capture`): the newest `scrollback_lines` lines of
  // scrollback, then the visible rows; with `ansi`, with colours and attributes.
  std::string capture(std::size_t scrollback_lines, bool ansi) const;

  // Records every byte the program writes from now on to `log`.
  void record_to(std::unique_ptr<SessionLog> log) { log_ = std::move(log); }
  // Runs `done` with describe() once the program has ended and its log, if any, holds
  // all its output; at once if that is already so. `done` must not assume the session
  // still exists (a finished `run` session is removed).
  using EndWatcher = std::function<void(const nlohmann::json& ended)>;
  void when_ended(EndWatcher done);

  // Every field of `ls --json`, by name (field_names()); row() gives only those asked for,
  // in that order, so that `ls` builds and parses no more than its table shows.
  nlohmann::json describe() const;
  nlohmann::json row(const std::vector<std::string>& names) const;
  nlohmann::json field(std::string_view name) const;  // null for a name it does not know
  static const std::vector<std::string>& field_names();
  // Exit payload for clients: reason "exited", raw status, and the shell-style code.
  nlohmann::json exit_message() const;
  bool orphaned = false;  // its zygote is gone; the broker reaps it directly
  // Started by `pyattach run` on a terminal: removed once its client has the status,
  // hung up if that client dies. Detaching on purpose makes it an ordinary session.
  bool transient = false;

 private:
  static void on_poll(uv_poll_t* poll, int status, int events);
  void read_available();
  void flush_input();
  void forward(std::string_view bytes);
  // Output that waits for the screen model is fed once the program has written nothing
  // for a tick, or after kSettleTicks ticks at most.
  void settle_screen_later();
  void on_settle_tick();
  void drain_remaining_output();
  void close_terminal();
  // Records the status and tells the clients: the program and its output are done.
  void finish(int wait_status);
  void notify_ended(EndWatcher done) const;
  void forget_client(Connection::Id client);
  // Applies the size of the most recently active client that has one.
  void apply_active_size();

  Broker& broker_;
  int id_;
  std::string name_;
  std::vector<std::string> command_;
  pid_t pid_ = 0;
  std::optional<int> wait_status_;
  std::optional<std::string> start_error_;
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
  std::chrono::system_clock::time_point created_ = std::chrono::system_clock::now();
  std::optional<std::chrono::system_clock::time_point> ended_at_;
  UniqueFd master_;
  PollHandle poll_;
  bool master_eof_ = false;
  std::string pending_input_;
  std::size_t screen_bytes_seen_ = 0;
  // The status arrived before the PTY's end of file: output may still be in transit in
  // the kernel, so the session lingers until EOF (or a grandchild keeps the terminal).
  std::optional<int> pending_status_;
  UvHandle<uv_timer_t> linger_;
  Screen screen_;
  UvHandle<uv_timer_t> settle_timer_;
  std::size_t seen_at_settle_tick_ = 0;  // screen_bytes_seen_ at the last tick
  int settle_ticks_ = 0;                 // ticks since output started waiting
  std::map<Connection::Id, AttachedClient> clients_;
  std::uint64_t activity_counter_ = 0;
  std::unique_ptr<SessionLog> log_;
  std::vector<EndWatcher> end_watchers_;
  CachedProcMemory memory_;
};

// Shell-style status: exit code, or 128 + signal number.
int shell_status(int wait_status);
// The Exit message for a program that ended with this wait status.
nlohmann::json exit_payload(int wait_status);
// "SIGTERM" for 15; "SIG15" if the number has no name.
std::string signal_name(int sig);

}  // namespace pyattach
