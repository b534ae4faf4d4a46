// pyattach bundle: write a starter, a drop-in `python` for one profile.

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "launch_request.hpp"
#include "options.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

// A word the shell reads back exactly as it is.
std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

int command_bundle(const Args& args) {
  cxxopts::Options options("pyattach bundle",
                           "Write a starter: an executable that runs its arguments like python3, "
                           "with this profile preloaded");
  options.add_options()("python", "Python interpreter (default: python3 on PATH)",
                        cxxopts::value<std::string>())(
      "preload", "modules to preload, comma-separated", cxxopts::value<std::string>())(
      "o,output", "the file to write", cxxopts::value<std::string>());
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  if (!parsed->unmatched().empty())
    throw UserError("bundle: unexpected argument '" + parsed->unmatched().front() + "'",
                    kStatusUsage);
  if (!parsed->count("output")) throw UserError("bundle: -o FILE is required", kStatusUsage);
  const std::string output = (*parsed)["output"].as<std::string>();

  const std::string python =
      resolve_python(parsed->count("python") ? (*parsed)["python"].as<std::string>() : "python3");
  const std::string preload =
      parsed->count("preload") ? (*parsed)["preload"].as<std::string>() : "";
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");

  std::ofstream out(output, std::ios::trunc);
  out << "#!/bin/sh\n"
      << "# Written by `pyattach bundle`: runs its arguments as " << python << " would,\n"
      << "# with " << (preload.empty() ? "nothing" : preload) << " preloaded.\n"
      << "exec " << shell_quote(self) << " run --python " << shell_quote(python) << " --preload "
      << shell_quote(preload) << " -- \"$@\"\n";
  out.close();
  if (!out) throw UserError("cannot write " + output);
  ::chmod(output.c_str(), 0755);
  return 0;
}

}  // namespace pyattach
