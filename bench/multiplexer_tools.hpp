#pragma once
// bench/multiplexer: how to drive each tool. Every tool gets its own private directory
// (tmux -S socket, SCREENDIR, dtach sockets, PYATTACH_DIR), so the benchmark never
// touches anyone else's server, and the destructor removes every process it started.

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "multiplexer_process.hpp"

namespace muxbench {

// What the program inside a session reported about itself (multiplexer_child).
struct SessionProgram {
  pid_t pid = 0;
  pid_t parent = 0;
};

struct Paths {
  std::string child;    // multiplexer_child
  std::string exec_py;  // multiplexer_exec.py
  std::string python;   // interpreter for pyattach sessions
  std::string pyattach;
};

class Tool {
 public:
  Tool(std::string name, std::string work_dir);
  virtual ~Tool();
  Tool(const Tool&) = delete;
  Tool& operator=(const Tool&) = delete;

  const std::string& name() const { return name_; }
  const Environment& env() const { return env_; }

  // Starts a detached session `id` running multiplexer_child MODE with a fresh nonce;
  // waits until the program has printed READY and reported its pids.
  SessionProgram create(const std::string& id, const std::string& mode, const std::string& nonce,
                        long count = 0);
  virtual std::vector<std::string> attach_command(const std::string& id) const = 0;
  virtual std::optional<std::vector<std::string>> ls_command() const { return std::nullopt; }
  // Does the server's copy of session `id`'s screen show `marker` yet? nullopt: the tool
  // keeps no screen (or cannot print it).
  virtual std::optional<bool> screen_shows(const std::string& id, const std::string& marker);
  // Why the full-screen memory row cannot be measured for this tool ("" if it can).
  virtual std::string fill_skip_reason() const { return ""; }
  virtual void kill_session(const std::string& id, const SessionProgram& program);
  // The processes that do the tool's work for these sessions (not the programs).
  virtual std::vector<pid_t> server_pids(const std::vector<SessionProgram>& programs) const;
  // Ends the server and every session; then SIGKILLs whatever is left.
  virtual void shutdown();

 protected:
  virtual std::vector<std::string> create_command(const std::string& id,
                                                  const std::vector<std::string>& program,
                                                  const std::string& mode) const = 0;
  virtual void stop_server() {}
  // Whether the create command gets its PTY as controlling terminal (see Screen).
  virtual bool create_on_controlling_terminal() const { return true; }
  std::string name_;
  std::string dir_;  // private, mode 0700
  Environment env_;
  Paths paths_;
  ProcessReaper reaper_;
  friend std::vector<std::unique_ptr<Tool>> make_tools(const Paths&, const std::string&,
                                                       const std::vector<std::string>&,
                                                       std::vector<std::string>&);
};

// The tools that are installed, in table order; `notes` gets a line for each one skipped.
// `only`: names to keep (empty: all).
std::vector<std::unique_ptr<Tool>> make_tools(const Paths& paths, const std::string& work_dir,
                                              const std::vector<std::string>& only,
                                              std::vector<std::string>& notes);

}  // namespace muxbench
