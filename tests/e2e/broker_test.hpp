#pragma once
// The fixture every end-to-end test of pyattach uses: a private broker directory, the
// environment the programs get, and helpers to run `pyattach` with pipes or on a PTY.
//
// Each test has its own PYATTACH_DIR, so tests run in parallel and never see each
// other's broker. TearDown stops the broker and kills whatever is left that carries
// this directory in its environment, so no test leaves processes behind.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "pty_process.hpp"
#include "run_command.hpp"

namespace pyattach::e2e {

// The environment for programs the tests start: this process's, with /usr/bin first on
// PATH (so `python3` is the system one, which has numpy), TERM set, no PYATTACH_*
// settings from outside, and `overrides` applied last.
std::vector<std::string> test_environment(const std::vector<std::string>& overrides = {});

// Absolute path of a helper script in tests/e2e/scripts.
std::string script(std::string_view name);

// True for stderr that is exactly one line starting with "pyattach: ", with a non-zero
// status (or exactly `expected_code`).
testing::AssertionResult is_one_line_error(const CommandResult& result,
                                           std::optional<int> expected_code = std::nullopt);

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // The broker directory (created 0700, empty) and the environment naming it.
  const std::string& dir() const { return dir_; }
  const std::vector<std::string>& env() const { return env_; }
  std::vector<std::string> env_with(const std::vector<std::string>& overrides) const {
    return with_overrides(env_, overrides);
  }

  // Runs `pyattach ARGS...` with pipes for stdio (no terminal).
  CommandResult pyattach(const std::vector<std::string>& args,
                         const CommandOptions& options = {}) const;
  CommandResult pyattach_with_env(const std::vector<std::string>& args,
                                  const std::vector<std::string>& env,
                                  const CommandOptions& options = {}) const;
  // Starts `pyattach ARGS...` on a new PTY of the given size (a user's terminal).
  std::unique_ptr<PtyProcess> attach_on_pty(const std::vector<std::string>& args,
                                            WindowSize size = WindowSize{24, 80}) const;

  // `pyattach new -d [OPTIONS...] -n NAME -- SCRIPT ARGS...`; success means status 0
  // and nothing printed.
  testing::AssertionResult new_detached(const std::string& name, std::string_view script_name,
                                        const std::vector<std::string>& script_args = {},
                                        const std::vector<std::string>& options = {}) const;

  // `pyattach ls --json`, parsed; a test failure (and an empty object) if that fails.
  nlohmann::json list_json() const;
  // The session of that name from `ls --json`, if listed.
  std::optional<nlohmann::json> session_entry(std::string_view name) const;
  // The pid of that session's program, from `ls --json`, if listed with one.
  std::optional<pid_t> session_pid(std::string_view name) const;
  // `pyattach ls` works: status 0.
  testing::AssertionResult broker_still_serving() const;

  // The pyattachd process serving this test's directory, if one runs.
  std::optional<pid_t> broker_pid() const;
  // Zygotes: the broker's children whose command line mentions "zygote".
  std::vector<pid_t> zygote_pids() const;
  // Every live process whose environment names this test's PYATTACH_DIR.
  std::vector<pid_t> processes_of_this_test() const;

 private:
  // kill-server, then SIGKILL for anything of this test still running.
  void stop_everything();

  std::string dir_;
  std::vector<std::string> env_;
};

}  // namespace pyattach::e2e
