#pragma once
// Running a program to completion with plain pipes (no terminal), as a script or a
// `$(...)` in a shell would, and collecting what it printed and how it ended.

#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace pyattach::e2e {

struct CommandResult {
  std::vector<std::string> argv;
  std::string out;
  std::string err;
  std::optional<int> raw_status;  // nullopt when it timed out (it was then killed)
  bool timed_out = false;
  // Whether both output pipes reached end-of-file: false when something the program
  // started (a daemon, say) still holds them when the result is returned.
  bool pipes_closed = false;

  // The shell-style status (exit code, or 128 + signal); -1 if it timed out.
  int code() const;
  // The command, how it ended, and what it printed (escaped), for failure messages.
  std::string describe() const;
};

struct CommandOptions {
  std::string stdin_data;  // written to its stdin, which is then closed
  Duration timeout = kTimeout;
  // Also wait (within the timeout) until nothing holds the output pipes any more, as a
  // shell's `$(...)` does. Otherwise the result is complete as soon as the program ends.
  bool wait_for_pipes_to_close = false;
};

CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const CommandOptions& options);
inline CommandResult run_command(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env, std::string stdin_data = "") {
  return run_command(argv, env, CommandOptions{std::move(stdin_data)});
}

}  // namespace pyattach::e2e
