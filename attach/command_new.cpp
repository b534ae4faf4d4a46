// pyattach new: start a session from a python-style command line, then attach.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "broker_client.hpp"
#include "commands.hpp"
#include "detach_key.hpp"
#include "options.hpp"
#include "pty.hpp"
#include "terminal_proxy.hpp"
#include "user_error.hpp"

extern char** environ;

namespace pyattach {

namespace {

// Where the options end and the Python command line begins: at `--`, at -m/-c, or
// at the first word that is neither an option nor an option's value. So
// `pyattach new -d train.py --epochs 3` passes --epochs to the script, as python3 does.
std::pair<Args, Args> split_command_line(const Args& args) {
  static const std::set<std::string> with_value = {"-n", "--name", "--python", "--preload",
                                                   "--detach-key"};
  std::size_t i = 0;
  while (i < args.size()) {
    const std::string& arg = args[i];
    if (arg == "--")
      return {Args(args.begin(), args.begin() + i), Args(args.begin() + i + 1, args.end())};
    if (arg == "-m" || arg == "-c" || arg.empty() || arg[0] != '-' || arg == "-") break;
    i += with_value.contains(arg) ? 2 : 1;
  }
  i = std::min(i, args.size());
  return {Args(args.begin(), args.begin() + i), Args(args.begin() + i, args.end())};
}

// Like the shell: a name with a slash is a path, anything else is looked up on PATH.
std::string resolve_python(const std::string& requested) {
  const auto usable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (requested.find('/') != std::string::npos) {
    const std::string path = std::filesystem::absolute(requested).lexically_normal();
    if (!usable(path))
      throw UserError("Python interpreter '" + requested + "' not found or not executable");
    return path;
  }
  const char* path_env = std::getenv("PATH");
  std::string search = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= search.size()) {
    std::size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string dir = search.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate =
        std::filesystem::absolute(dir + "/" + requested).lexically_normal();
    if (usable(candidate)) return candidate;
    start = end + 1;
  }
  throw UserError("Python interpreter '" + requested + "' not found on PATH");
}

std::vector<std::string> preload_list(const std::string& spelling) {
  std::vector<std::string> modules;
  std::size_t start = 0;
  while (start <= spelling.size()) {
    std::size_t end = spelling.find(',', start);
    if (end == std::string::npos) end = spelling.size();
    std::string module = spelling.substr(start, end - start);
    module.erase(0, module.find_first_not_of(" \t"));
    module.erase(module.find_last_not_of(" \t") + 1);
    if (!module.empty()) modules.push_back(module);
    start = end + 1;
  }
  return modules;
}

// python3 refuses a script it cannot open before doing anything else; so do we, so the
// user hears about it here and not from a session that ended unseen.
void check_script(const Args& command) {
  if (command.empty() || command[0] == "-m" || command[0] == "-c") return;
  const std::string& script = command[0];
  if (script[0] == '-') throw UserError("unsupported interpreter option " + script, kStatusUsage);
  const UniqueFd file(::open(script.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) {
    const int error = errno;
    throw UserError("can't open file '" + std::filesystem::absolute(script).string() +
                        "': [Errno " + std::to_string(error) + "] " + std::strerror(error),
                    kStatusUsage);
  }
}

nlohmann::json environment() {
  nlohmann::json env = nlohmann::json::object();
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env[std::string(text.substr(0, equals))] = std::string(text.substr(equals + 1));
  }
  return env;
}

std::string working_directory() {
  std::error_code error;
  auto cwd = std::filesystem::current_path(error);
  if (error) throw UserError("cannot read the working directory: " + error.message());
  return cwd;
}

mode_t current_umask() {
  const mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

}  // namespace

int command_new(const Args& args) {
  const auto [option_args, command] = split_command_line(args);
  cxxopts::Options options("pyattach new", "Start a session running a Python program");
  options.custom_help("[-d] [-n NAME] [--python PATH] [--preload MODS] [--detach-key KEY]");
  options.positional_help("[--] SCRIPT|-m MODULE|-c CODE [ARGS...]");
  options.add_options()("d,detached", "start the session without attaching")(
      "n,name", "session name", cxxopts::value<std::string>())(
      "python", "Python interpreter (default: python3 on PATH)", cxxopts::value<std::string>())(
      "preload", "modules to preload, comma-separated (default: $PYATTACH_PRELOAD)",
      cxxopts::value<std::string>())("detach-key", "detach key, ^X or C-x (default ^\\)",
                                     cxxopts::value<std::string>());
  const auto parsed = parse_options(options, option_args);
  if (!parsed) return 0;
  if (!parsed->unmatched().empty())
    throw UserError("new: unexpected argument '" + parsed->unmatched().front() + "'", kStatusUsage);
  const char detach_key = parsed->count("detach-key")
                              ? parse_detach_key((*parsed)["detach-key"].as<std::string>())
                              : kDefaultDetachKey;

  check_script(command);
  const std::string python =
      resolve_python(parsed->count("python") ? (*parsed)["python"].as<std::string>() : "python3");
  const char* preload_env = std::getenv("PYATTACH_PRELOAD");
  const std::string preload = parsed->count("preload")
                                  ? (*parsed)["preload"].as<std::string>()
                                  : (preload_env != nullptr ? preload_env : "");
  WindowSize size;
  for (int fd : {0, 1, 2}) {
    if (auto found = get_window_size(fd)) {
      size = *found;
      break;
    }
  }

  auto broker = BrokerClient::connect(true);
  broker->send_json(MsgType::NewSession,
                    {{"name", parsed->count("name") ? (*parsed)["name"].as<std::string>() : ""},
                     {"python", python},
                     {"preload", preload_list(preload)},
                     {"argv", command},
                     {"cwd", working_directory()},
                     {"env", environment()},
                     {"umask", current_umask()},
                     {"rows", size.rows},
                     {"cols", size.cols}});
  const auto started = broker->expect(MsgType::SessionStarted);
  if (parsed->count("detached")) return 0;
  return run_terminal_proxy(*broker, {std::to_string(started.at("id").get<int>()), detach_key});
}

}  // namespace pyattach
