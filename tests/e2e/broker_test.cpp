#include "broker_test.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "diagnostics.hpp"
#include "proc_scan.hpp"

namespace pyattach::e2e {

namespace {

bool is_broker_binary(pid_t pid) {
  if (proc_exe(pid) == PYATTACHD_BIN) return true;
  auto argv = proc_cmdline(pid);
  return !argv.empty() && std::filesystem::path(argv[0]).filename() == "pyattachd";
}

bool mentions(const std::vector<std::string>& list, std::string_view text) {
  for (const auto& item : list) {
    if (item.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> test_environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> env = current_environment();
  std::string path = "/usr/bin:/bin";
  for (const auto& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) path = "/usr/bin:" + entry.substr(5);
  }
  std::erase_if(env, [](const std::string& entry) { return entry.rfind("PYATTACH", 0) == 0; });
  env = with_overrides(std::move(env), {"PATH=" + path, "TERM=xterm-256color"});
  return with_overrides(std::move(env), overrides);
}

std::string script(std::string_view name) {
  return std::string(TEST_SCRIPTS_DIR "/") += name;
}

testing::AssertionResult is_one_line_error(const CommandResult& result,
                                           std::optional<int> expected_code) {
  auto failure = [&](std::string_view why) {
    return testing::AssertionFailure() << why << "\n" << result.describe();
  };
  if (result.timed_out) return failure("the command did not finish");
  if (result.code() == 0) return failure("expected a failure status, got 0");
  if (expected_code && result.code() != *expected_code) {
    return failure("expected status " + std::to_string(*expected_code) + ", got " +
                   std::to_string(result.code()));
  }
  if (!result.err.starts_with("pyattach: ")) return failure("stderr does not start \"pyattach: \"");
  if (!result.err.ends_with("\n") || result.err.find('\n') != result.err.size() - 1) {
    return failure("stderr is not exactly one line");
  }
  return testing::AssertionSuccess();
}

void BrokerTest::SetUp() {
  char tmpl[] = "/tmp/pyattach-e2e-XXXXXX";  // short: the socket path must fit sun_path
  ASSERT_NE(::mkdtemp(tmpl), nullptr) << "mkdtemp: " << std::strerror(errno);
  dir_ = tmpl;
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
  env_ = test_environment({"PYATTACH_DIR=" + dir_});
}

void BrokerTest::TearDown() {
  if (dir_.empty()) return;
  try {
    stop_everything();
  } catch (const std::exception& e) {
    std::cerr << "[teardown] " << e.what() << "\n";
  }
  ::chmod(dir_.c_str(), 0700);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void BrokerTest::stop_everything() {
  auto broker = broker_pid();
  CommandResult stopped = pyattach({"kill-server"}, CommandOptions{"", std::chrono::seconds(5)});
  if (stopped.timed_out) std::cerr << "[teardown] kill-server did not finish within 5 s\n";
  if (broker) wait_process_gone(*broker, std::chrono::seconds(10));
  // Whatever still runs with this directory in its environment was started by this test.
  auto left = processes_of_this_test();
  if (!left.empty()) {
    std::cerr << "[teardown] still running after kill-server, now killed:\n"
              << describe_processes(left);
    for (pid_t pid : left) ::kill(pid, SIGKILL);
    for (pid_t pid : left) wait_process_gone(pid, std::chrono::seconds(5));
  }
}

CommandResult BrokerTest::pyattach(const std::vector<std::string>& args,
                                   const CommandOptions& options) const {
  return pyattach_with_env(args, env_, options);
}

CommandResult BrokerTest::pyattach_with_env(const std::vector<std::string>& args,
                                            const std::vector<std::string>& env,
                                            const CommandOptions& options) const {
  std::vector<std::string> argv{PYATTACH_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, env, options);
}

std::unique_ptr<PtyProcess> BrokerTest::attach_on_pty(const std::vector<std::string>& args,
                                                      WindowSize size) const {
  std::vector<std::string> argv{PYATTACH_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<PtyProcess>(argv, env_, size);
}

testing::AssertionResult BrokerTest::new_detached(const std::string& name,
                                                  std::string_view script_name,
                                                  const std::vector<std::string>& script_args,
                                                  const std::vector<std::string>& options) const {
  std::vector<std::string> args{"new", "-d"};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"-n", name, "--", script(script_name)});
  args.insert(args.end(), script_args.begin(), script_args.end());
  CommandResult result = pyattach(args);
  if (result.code() != 0 || !result.out.empty() || !result.err.empty()) {
    return testing::AssertionFailure() << "`new -d` should succeed silently\n" << result.describe();
  }
  return testing::AssertionSuccess();
}

nlohmann::json BrokerTest::list_json() const {
  CommandResult result = pyattach({"ls", "--json"});
  if (result.code() != 0) {
    ADD_FAILURE() << "`ls --json` failed\n" << result.describe();
    return nlohmann::json::object();
  }
  try {
    nlohmann::json parsed = nlohmann::json::parse(result.out);
    if (!parsed.is_object() || !parsed.contains("sessions") || !parsed["sessions"].is_array()) {
      ADD_FAILURE() << "`ls --json` printed no {\"sessions\": [...]}\n" << result.describe();
      return nlohmann::json::object();
    }
    return parsed;
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "`ls --json` printed no valid JSON: " << e.what() << "\n" << result.describe();
    return nlohmann::json::object();
  }
}

std::optional<nlohmann::json> BrokerTest::session_entry(std::string_view name) const {
  nlohmann::json list = list_json();
  if (!list.contains("sessions")) return std::nullopt;
  for (const auto& session : list["sessions"]) {
    if (session.contains("name") && session["name"] == name) return session;
  }
  return std::nullopt;
}

std::optional<pid_t> BrokerTest::session_pid(std::string_view name) const {
  const auto entry = session_entry(name);
  if (!entry || !(*entry)["pid"].is_number_integer()) return std::nullopt;
  return (*entry)["pid"].get<pid_t>();
}

testing::AssertionResult BrokerTest::broker_still_serving() const {
  CommandResult result = pyattach({"ls"});
  if (result.code() == 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "`pyattach ls` fails afterwards\n" << result.describe();
}

std::optional<pid_t> BrokerTest::broker_pid() const {
  for (pid_t pid : processes_of_this_test()) {
    if (is_broker_binary(pid)) return pid;
  }
  // A broker that cleared its environment may still name the directory in its arguments.
  for (pid_t pid : all_pids()) {
    if (process_alive(pid) && is_broker_binary(pid) && mentions(proc_cmdline(pid), dir_))
      return pid;
  }
  return std::nullopt;
}

std::vector<pid_t> BrokerTest::zygote_pids() const {
  std::vector<pid_t> zygotes;
  auto broker = broker_pid();
  if (!broker) return zygotes;
  for (pid_t pid : children_of(*broker)) {
    if (mentions(proc_cmdline(pid), "zygote")) zygotes.push_back(pid);
  }
  return zygotes;
}

std::vector<pid_t> BrokerTest::processes_of_this_test() const {
  return processes_with_env("PYATTACH_DIR=" + dir_);
}

}  // namespace pyattach::e2e
