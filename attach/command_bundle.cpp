// pyattach bundle: write a starter, a drop-in `python` for one profile.
//
// The starter is a copy of pyattach-starter (installed next to this program) with the
// profile written into it (starter/starter_config.hpp); where that template was not built,
// a shell script that runs `pyattach run` with the profile.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "commands.hpp"
#include "launch_request.hpp"
#include "options.hpp"
#include "starter_config.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

// A word the shell reads back exactly as it is.
std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The shell-script starter, for builds without pyattach-starter.
std::string script_starter(const std::string& self, const std::string& python,
                           const std::string& preload) {
  return "#!/bin/sh\n# Written by `pyattach bundle`: runs its arguments as " + python +
         " would,\n# with " + (preload.empty() ? "nothing" : preload) + " preloaded.\n" + "exec " +
         shell_quote(self) + " run --python " + shell_quote(python) + " --preload " +
         shell_quote(preload) + " -- \"$@\"\n";
}

// The template with the profile written after its marker.
std::string binary_starter(const std::string& template_bytes, const std::string& self,
                           const std::string& python, const std::string& preload) {
  const std::string_view marker = PYATTACH_STARTER_MARKER;
  const std::size_t at = template_bytes.find(marker);
  if (at == std::string::npos || template_bytes.find(marker, at + 1) != std::string::npos)
    throw UserError("the starter template next to pyattach is damaged; reinstall pyattach");
  std::string fields;
  for (const std::string& field : {self, python, preload}) {
    if (field.find('\0') != std::string::npos)
      throw UserError("bundle: a path or module list with a NUL byte", kStatusUsage);
    fields += field + '\0';
  }
  if (marker.size() + fields.size() + 1 > kStarterConfigSize)
    throw UserError("bundle: the interpreter path and preload list are too long for a starter",
                    kStatusUsage);
  std::string starter = template_bytes;
  starter.replace(at + marker.size(), fields.size(), fields);
  return starter;
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

  const std::string template_path = std::filesystem::path(self).parent_path() / "pyattach-starter";
  std::string starter;
  if (std::ifstream in(template_path, std::ios::binary); in) {
    std::ostringstream bytes;
    bytes << in.rdbuf();
    starter = binary_starter(bytes.str(), self, python, preload);
  } else {
    starter = script_starter(self, python, preload);
  }
  // Written beside and renamed over the output: a starter that is running keeps its old
  // file, and nobody ever runs half of one.
  const std::string temporary = output + ".pyattach-" + std::to_string(::getpid());
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  out << starter;
  out.close();
  if (!out || ::chmod(temporary.c_str(), 0755) != 0 ||
      ::rename(temporary.c_str(), output.c_str()) != 0) {
    ::unlink(temporary.c_str());
    throw UserError("cannot write " + output);
  }
  return 0;
}

}  // namespace pyattach
