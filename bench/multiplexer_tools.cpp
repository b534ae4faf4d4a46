#include "multiplexer_tools.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace muxbench {

namespace fs = std::filesystem;

namespace {

// Polls for the file the session's program writes once it has printed READY. Polling is
// fine here: this is set-up, never inside a timed interval.
SessionProgram wait_for_program(const std::string& info_path, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    std::istringstream in(read_file(info_path));
    long pid = 0, parent = 0;
    if (in >> pid >> parent) return {static_cast<pid_t>(pid), static_cast<pid_t>(parent)};
    throw_if_interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  throw std::runtime_error("the session's program did not start (no " + info_path + ")");
}

class Tmux : public Tool {
 public:
  explicit Tmux(const std::string& work_dir) : Tool("tmux", work_dir) {
    // Default settings (history-limit 2000), whatever the user's ~/.tmux.conf, except that
    // the server stays when its last session is killed: otherwise the next new-session
    // races with the exiting server.
    std::ofstream(dir_ + "/tmux.conf") << "set -g exit-empty off\n";
  }
  std::vector<std::string> attach_command(const std::string& id) const override {
    return base({"attach-session", "-t", id});
  }
  std::optional<std::vector<std::string>> ls_command() const override {
    return base({"list-sessions"});
  }
  std::optional<bool> screen_shows(const std::string& id, const std::string& marker) override {
    std::string out;
    run_command(base({"capture-pane", "-p", "-t", id}), env_, &out);
    return out.find(marker) != std::string::npos;
  }
  void kill_session(const std::string& id, const SessionProgram&) override {
    run_command(base({"kill-session", "-t", id}), env_);
  }

 protected:
  std::vector<std::string> create_command(const std::string& id,
                                          const std::vector<std::string>& program,
                                          const std::string&) const override {
    auto cmd = base({"new-session", "-d", "-s", id, "-x", "120", "-y", "40"});
    cmd.insert(cmd.end(), program.begin(), program.end());
    return cmd;
  }
  void stop_server() override {
    run_command(base({"kill-server"}), env_);
    // The server may still be exiting: the next command must start a new one, not reach it.
    std::error_code ignored;
    fs::remove(dir_ + "/tmux.sock", ignored);
  }

 private:
  std::vector<std::string> base(std::vector<std::string> args) const {
    std::vector<std::string> cmd = {"tmux", "-S", dir_ + "/tmux.sock", "-f", dir_ + "/tmux.conf"};
    cmd.insert(cmd.end(), args.begin(), args.end());
    return cmd;
  }
};

class Screen : public Tool {
 public:
  explicit Screen(const std::string& work_dir) : Tool("screen", work_dir) {
    env_.set("SCREENDIR", dir_);
  }
  std::vector<std::string> attach_command(const std::string& id) const override {
    return {"screen", "-c", "/dev/null", "-r", id};
  }
  std::optional<std::vector<std::string>> ls_command() const override {
    return std::vector<std::string>{"screen", "-ls"};
  }
  std::string fill_skip_reason() const override {
    return "a detached screen session is 80x24 whatever terminal created it, so the "
           "120-column lines would wrap";
  }
  void kill_session(const std::string& id, const SessionProgram&) override {
    run_command({"screen", "-S", id, "-X", "quit"}, env_);
  }

 protected:
  std::vector<std::string> create_command(const std::string& id,
                                          const std::vector<std::string>& program,
                                          const std::string&) const override {
    std::vector<std::string> cmd = {"screen", "-c", "/dev/null", "-dmS", id};
    cmd.insert(cmd.end(), program.begin(), program.end());
    return cmd;
  }
  // SCREEN stays in the session of the command that started it: on a controlling
  // terminal it dies of the hang-up when that command exits.
  bool create_on_controlling_terminal() const override { return false; }
};

class Dtach : public Tool {
 public:
  explicit Dtach(const std::string& work_dir) : Tool("dtach", work_dir) {}
  std::vector<std::string> attach_command(const std::string& id) const override {
    return {"dtach", "-a", socket(id)};
  }
  std::string fill_skip_reason() const override { return "dtach keeps no screen"; }

 protected:
  std::vector<std::string> create_command(const std::string& id,
                                          const std::vector<std::string>& program,
                                          const std::string&) const override {
    // ctrl_l (dtach's default, made explicit): on attach the program gets ^L and repaints.
    std::vector<std::string> cmd = {"dtach", "-n", socket(id), "-r", "ctrl_l"};
    cmd.insert(cmd.end(), program.begin(), program.end());
    return cmd;
  }

 private:
  std::string socket(const std::string& id) const { return dir_ + "/" + id + ".sock"; }
};

class Pyattach : public Tool {
 public:
  explicit Pyattach(const std::string& work_dir) : Tool("pyattach", work_dir) {
    env_.set("PYATTACH_DIR", dir_);
    env_.set("PYATTACH_PRELOAD", "");
  }
  std::vector<std::string> attach_command(const std::string& id) const override {
    return {paths_.pyattach, "attach", id};
  }
  std::optional<std::vector<std::string>> ls_command() const override {
    return std::vector<std::string>{paths_.pyattach, "ls"};
  }
  std::optional<bool> screen_shows(const std::string& id, const std::string& marker) override {
    std::string out;
    if (run_command({paths_.pyattach, "capture", id}, env_, &out) != 0)
      return std::nullopt;  // a pyattach without `capture`
    return out.find(marker) != std::string::npos;
  }
  void kill_session(const std::string& id, const SessionProgram& program) override {
    run_command({paths_.pyattach, "kill", "-s", "KILL", id}, env_);
    Tool::kill_session(id, program);
  }
  std::vector<pid_t> server_pids(const std::vector<SessionProgram>&) const override {
    // The programs' parent is the zygote; the work of a session is done by pyattachd,
    // whose pid is in its lock file.
    std::istringstream in(read_file(dir_ + "/broker.lock"));
    long pid = 0;
    if (in >> pid) return {static_cast<pid_t>(pid)};
    return {};
  }

 protected:
  std::vector<std::string> create_command(const std::string& id,
                                          const std::vector<std::string>& program,
                                          const std::string&) const override {
    std::vector<std::string> cmd = {paths_.pyattach, "new",         "-d", "-n",          id,
                                    "--python",      paths_.python, "--", paths_.exec_py};
    cmd.insert(cmd.end(), program.begin(), program.end());
    return cmd;
  }
  void stop_server() override {
    for (pid_t pid : server_pids({})) reaper_.remember(pid);
    run_command({paths_.pyattach, "kill-server"}, env_);
  }
};

}  // namespace

Tool::Tool(std::string name, std::string work_dir)
    : name_(std::move(name)), dir_(work_dir + "/" + name_) {
  fs::create_directories(dir_);
  ::chmod(dir_.c_str(), 0700);
}

Tool::~Tool() {
  try {
    shutdown();
  } catch (...) {
  }
}

SessionProgram Tool::create(const std::string& id, const std::string& mode,
                            const std::string& nonce, long count) {
  const std::string info = dir_ + "/program-" + id;
  fs::remove(info);
  std::vector<std::string> program = {paths_.child, mode, info, nonce};
  if (count) program.push_back(std::to_string(count));
  std::string output;
  const int status = run_command(create_command(id, program, mode), env_, &output,
                                 create_on_controlling_terminal());
  if (status != 0)
    throw std::runtime_error(name_ + ": creating session " + id + " failed (status " +
                             std::to_string(status) + "): " + output);
  const SessionProgram started = wait_for_program(info, std::chrono::seconds(30));
  reaper_.remember(started.pid);
  for (pid_t pid : server_pids({started})) reaper_.remember(pid);
  return started;
}

std::optional<bool> Tool::screen_shows(const std::string&, const std::string&) {
  return std::nullopt;
}

void Tool::kill_session(const std::string&, const SessionProgram& program) {
  const auto info = process_info(program.pid);
  if (info) ::kill(program.pid, SIGKILL);
}

std::vector<pid_t> Tool::server_pids(const std::vector<SessionProgram>& programs) const {
  std::vector<pid_t> pids;
  for (const auto& p : programs)
    if (std::find(pids.begin(), pids.end(), p.parent) == pids.end()) pids.push_back(p.parent);
  return pids;
}

void Tool::shutdown() {
  try {
    stop_server();
  } catch (...) {
  }
  reaper_.kill_all();
}

std::vector<std::unique_ptr<Tool>> make_tools(const Paths& paths, const std::string& work_dir,
                                              const std::vector<std::string>& only,
                                              std::vector<std::string>& notes) {
  std::vector<std::unique_ptr<Tool>> tools;
  auto wanted = [&](const std::string& name) {
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
  };
  auto add = [&](std::unique_ptr<Tool> tool, const std::string& binary) {
    if (find_on_path(binary).empty()) {
      notes.push_back(tool->name() + " skipped: `" + binary + "` not found");
      return;
    }
    tool->paths_ = paths;
    tools.push_back(std::move(tool));
  };
  if (wanted("pyattach")) add(std::make_unique<Pyattach>(work_dir), paths.pyattach);
  if (wanted("tmux")) add(std::make_unique<Tmux>(work_dir), "tmux");
  if (wanted("screen")) add(std::make_unique<Screen>(work_dir), "screen");
  if (wanted("dtach")) add(std::make_unique<Dtach>(work_dir), "dtach");
  return tools;
}

}  // namespace muxbench
