#pragma once
// What the broker needs to start a program the way the caller's shell would:
// interpreter, preload list, flags, argv, working directory, environment, umask, size.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "python_command_line.hpp"

namespace pyattach {

struct LaunchOptions {
  std::optional<std::string> python;   // --python; default python3 on PATH
  std::optional<std::string> preload;  // --preload; default $PYATTACH_PRELOAD
  std::optional<std::string> name;     // --name (sessions only)
  // `new` refuses a script it cannot open, so a detached session never fails unseen;
  // `run` lets the program report it, in python3's own words.
  bool check_script = true;
};

// Like the shell: a name with a slash is a path, anything else is looked up on PATH.
// The absolute path of an executable file; throws UserError otherwise.
std::string resolve_python(const std::string& requested);

// Checks the script can be opened (as python3 does before anything else) and the
// interpreter exists; throws UserError otherwise. The result is a NewSession/Run payload.
nlohmann::json launch_request(const LaunchOptions& options, const PythonCommandLine& command);

}  // namespace pyattach
