#include "python_command_line.hpp"

#include <string_view>

#include "user_error.hpp"

namespace pyattach {

namespace {

// Flags that only change how the interpreter is set up at start, so a zygote started
// with them gives children exactly what `python3 FLAGS ...` gives.
constexpr std::string_view kStartupFlags = "bBdEIOPqsuR";
// Flags whose effect happens during start-up itself (import tracing, inspect after
// the script, ...) and so cannot be reproduced by a fork.
constexpr std::string_view kRefusedFlags = "viVhx";

}  // namespace

PythonCommandLine parse_python_command_line(const std::vector<std::string>& args) {
  PythonCommandLine result;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;  // a script, or "-" for stdin
    if (arg[1] == '-') throw UserError("unsupported interpreter option " + arg, kStatusUsage);
    for (std::size_t j = 1; j < arg.size(); ++j) {
      const char flag = arg[j];
      // The value of -c, -m, -X, -W: the rest of this word, or the next argument.
      const auto value = [&] {
        if (j + 1 < arg.size()) return arg.substr(j + 1);
        if (i + 1 >= args.size())
          throw UserError(std::string("argument expected for the -") + flag + " option",
                          kStatusUsage);
        return args[++i];
      };
      if (flag == 'c' || flag == 'm') {
        result.program = {std::string("-") + flag, value()};
        result.program.insert(result.program.end(), args.begin() + i + 1, args.end());
        return result;
      }
      if (flag == 'X' || flag == 'W') {
        result.flags.push_back(std::string("-") + flag + value());
        break;
      }
      if (kRefusedFlags.find(flag) != std::string_view::npos)
        throw UserError(std::string("interpreter option -") + flag +
                            " is not supported by pyattach (run python3 directly)",
                        kStatusUsage);
      if (kStartupFlags.find(flag) == std::string_view::npos)
        throw UserError(std::string("unknown interpreter option -") + flag, kStatusUsage);
      result.flags.push_back(std::string("-") + flag);
    }
  }
  result.program.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return result;
}

}  // namespace pyattach
