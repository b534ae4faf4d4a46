#pragma once
// What the broker needs to start a program the way the caller's shell would:
// interpreter, preload list, flags, argv, working directory, environment, umask, size;
// and which profile (zygote) serves it.

#include <cxxopts.hpp>
#include <map>
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
  // --key-env VAR (repeatable): more variables that select the zygote; default
  // $PYATTACH_KEY_ENV (comma-separated).
  std::vector<std::string> key_env;
  std::optional<std::string> mode;  // --mode fork|spawn; default $PYATTACH_MODE, else fork
  std::optional<int> pool;          // --pool N; default $PYATTACH_POOL, else 2
};

// The profile options of every command that starts programs (new, run, warm, bundle):
// for split_at_command (name -> takes a value) and cxxopts, and read back into `launch`.
const std::map<std::string, bool>& profile_option_names();
void add_profile_options(cxxopts::Options& options);
void read_profile_options(const cxxopts::ParseResult& parsed, LaunchOptions& launch);

// The profile part of a request (python, flags, preload, key_env, mode, pool, env): what
// `warm` sends, and the head of every NewSession/Run payload.
nlohmann::json profile_request(const LaunchOptions& options, const std::vector<std::string>& flags);

// Like the shell: a name with a slash is a path, anything else is looked up on PATH.
// The absolute path of an executable file; throws UserError otherwise.
std::string resolve_python(const std::string& requested);

// Checks the script can be opened (as python3 does before anything else) and the
// interpreter exists; throws UserError otherwise. The result is a NewSession/Run payload.
// Strings that are not UTF-8 (python3 takes any bytes) are also sent exactly, as
// "undecodable":{"argv":{"INDEX":HEX},"env":{NAME_HEX:VALUE_HEX},"cwd":HEX}, each entry
// present only when needed; such variables are left out of "env".
nlohmann::json launch_request(const LaunchOptions& options, const PythonCommandLine& command);

}  // namespace pyattach
