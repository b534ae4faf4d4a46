// Collecting the caller's context for a new program.

#include "launch_request.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "pty.hpp"
#include "unique_fd.hpp"
#include "user_error.hpp"
#include "utf8.hpp"

extern char** environ;

namespace pyattach {

namespace {

// Every part between separators, empty ones included ("a::b" has three).
std::vector<std::string> split_on(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

std::vector<std::string> preload_list(const std::string& spelling) {
  std::vector<std::string> modules;
  for (std::string module : split_on(spelling, ',')) {
    module.erase(0, module.find_first_not_of(" \t"));
    module.erase(module.find_last_not_of(" \t") + 1);
    if (!module.empty()) modules.push_back(module);
  }
  return modules;
}

// python3 refuses a script it cannot open before doing anything else; so do we, so the
// user hears about it here and not from a session that ended unseen.
void check_script(const std::vector<std::string>& command) {
  if (command.empty() || command[0] == "-m" || command[0] == "-c" || command[0] == "-") return;
  const std::string& script = command[0];
  const UniqueFd file(::open(script.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) {
    const int error = errno;
    throw UserError("can't open file '" + std::filesystem::absolute(script).string() +
                        "': [Errno " + std::to_string(error) + "] " + std::strerror(error),
                    kStatusUsage);
  }
}

bool is_utf8(std::string_view text) {
  return pyattach::is_utf8(text.data(), text.size());
}

// Bytes as two lowercase hex digits each (Python's bytes.fromhex reads them back).
std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (const char byte : bytes) {
    text += kDigits[static_cast<unsigned char>(byte) >> 4];
    text += kDigits[static_cast<unsigned char>(byte) & 0xf];
  }
  return text;
}

// Our environment, but for variables that are not UTF-8 (JSON carries only that): those
// go to `undecodable` instead, as hex of their name and value bytes.
nlohmann::json environment(nlohmann::json& undecodable) {
  nlohmann::json env = nlohmann::json::object();
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view name = text.substr(0, equals), value = text.substr(equals + 1);
    if (is_utf8(name) && is_utf8(value)) {
      env[std::string(name)] = std::string(value);
    } else {
      undecodable["env"][hex(name)] = hex(value);
    }
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

WindowSize caller_window_size() {
  for (int fd : {0, 1, 2})
    if (auto found = get_window_size(fd)) return *found;
  return WindowSize{};
}

}  // namespace

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
  for (std::string dir :
       split_on(path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin", ':')) {
    if (dir.empty()) dir = ".";  // an empty PATH entry is the working directory
    const std::string candidate =
        std::filesystem::absolute(dir + "/" + requested).lexically_normal();
    if (usable(candidate)) return candidate;
  }
  throw UserError("Python interpreter '" + requested + "' not found on PATH");
}

const std::map<std::string, bool>& profile_option_names() {
  static const std::map<std::string, bool> names = {
      {"--key-env", true}, {"--mode", true}, {"--pool", true}};
  return names;
}

void add_profile_options(cxxopts::Options& options) {
  options.add_options()(
      "key-env", "a variable that selects the zygote too (repeatable; default $PYATTACH_KEY_ENV)",
      cxxopts::value<std::vector<std::string>>())(
      "mode", "fork (default, $PYATTACH_MODE) or spawn: a pool of fresh preloaded interpreters",
      cxxopts::value<std::string>())(
      "pool", "children (fork) or interpreters (spawn) kept ready (default 2, $PYATTACH_POOL)",
      cxxopts::value<std::string>());
}

void read_profile_options(const cxxopts::ParseResult& parsed, LaunchOptions& launch) {
  if (parsed.count("key-env")) launch.key_env = parsed["key-env"].as<std::vector<std::string>>();
  if (parsed.count("mode")) launch.mode = parsed["mode"].as<std::string>();
  if (parsed.count("pool")) {
    const std::string text = parsed["pool"].as<std::string>();
    if (text.empty() || text.size() > 2 || !std::all_of(text.begin(), text.end(), ::isdigit))
      throw UserError("--pool: '" + text + "' is not a number from 0 to 64", kStatusUsage);
    launch.pool = std::stoi(text);
  }
}

nlohmann::json profile_request(const LaunchOptions& options,
                               const std::vector<std::string>& flags) {
  const auto setting = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value != nullptr ? value : "");
  };
  const std::string python = resolve_python(options.python.value_or("python3"));
  const std::string preload = options.preload.value_or(setting("PYATTACH_PRELOAD"));
  std::vector<std::string> key_env = options.key_env;
  if (key_env.empty()) key_env = preload_list(setting("PYATTACH_KEY_ENV"));
  for (const auto& name : key_env)
    if (name.empty() || name.find_first_of("= ") != std::string::npos)
      throw UserError("--key-env: '" + name + "' is not a variable name", kStatusUsage);
  std::string mode = options.mode.value_or(setting("PYATTACH_MODE"));
  if (mode.empty()) mode = "fork";
  if (mode != "fork" && mode != "spawn")
    throw UserError("--mode: '" + mode + "' is neither fork nor spawn", kStatusUsage);
  int pool = 2;
  if (options.pool) {
    pool = *options.pool;
  } else if (const std::string text = setting("PYATTACH_POOL"); !text.empty()) {
    if (text.size() > 2 || !std::all_of(text.begin(), text.end(), ::isdigit))
      throw UserError("PYATTACH_POOL: '" + text + "' is not a number from 0 to 64", kStatusUsage);
    pool = std::stoi(text);
  }
  if (pool > 64) throw UserError("--pool: at most 64", kStatusUsage);
  nlohmann::json undecodable = nlohmann::json::object();
  nlohmann::json request = {{"python", python},
                            {"flags", flags},
                            {"preload", preload_list(preload)},
                            {"key_env", key_env},
                            {"mode", mode},
                            {"pool", pool},
                            {"env", environment(undecodable)}};
  if (!undecodable.empty()) request["undecodable"] = undecodable;
  return request;
}

nlohmann::json launch_request(const LaunchOptions& options, const PythonCommandLine& command) {
  if (options.check_script) check_script(command.program);
  nlohmann::json request = profile_request(options, command.flags);
  const WindowSize size = caller_window_size();
  request["name"] = options.name.value_or("");
  request["argv"] = command.program;
  request["cwd"] = working_directory();
  // python3 takes any bytes in argv, the environment and the working directory (decoded
  // with surrogateescape); JSON strings are UTF-8, and those that are not (shown with
  // U+FFFD in argv and cwd) travel exactly as hex too. The environment's are there already.
  nlohmann::json undecodable = request.value("undecodable", nlohmann::json::object());
  for (std::size_t i = 0; i < command.program.size(); ++i)
    if (!is_utf8(command.program[i]))
      undecodable["argv"][std::to_string(i)] = hex(command.program[i]);
  if (const std::string cwd = request["cwd"]; !is_utf8(cwd)) undecodable["cwd"] = hex(cwd);
  if (!undecodable.empty()) request["undecodable"] = undecodable;
  request["umask"] = current_umask();
  request["rows"] = size.rows;
  request["cols"] = size.cols;
  return request;
}

}  // namespace pyattach
