#pragma once
// Reading a python3 command line: interpreter flags, then what to run.
//
// `-u -X dev -m pkg.mod a b` becomes flags {-u, -X dev} and program {-m, pkg.mod, a, b}.
// Flags change how the interpreter starts, so they become part of the profile (a
// zygote started with them); flags a forked interpreter cannot honour are refused.

#include <string>
#include <vector>

namespace pyattach {

struct PythonCommandLine {
  std::vector<std::string> flags;  // each flag with its value, e.g. "-u", "-Xdev", "-Wignore"
  std::vector<std::string>
      program;  // [] (REPL), [script, ...], [-m, mod, ...], [-c, code, ...], [-, ...]
};

// Throws UserError (usage) for flags that are unknown or cannot be honoured.
PythonCommandLine parse_python_command_line(const std::vector<std::string>& args);

}  // namespace pyattach
