// pyattach new: start a session from a python-style command line, then attach.

#include <cstdlib>
#include <filesystem>

#include "broker_client.hpp"
#include "commands.hpp"
#include "detach_key.hpp"
#include "launch_request.hpp"
#include "options.hpp"
#include "terminal_proxy.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

// The broker runs elsewhere: paths go to it absolute. Without --log, $PYATTACH_LOG_DIR
// names a directory; the broker adds NAME.log once it has chosen the name.
void add_log_request(nlohmann::json& request, const std::string& log_file) {
  if (!log_file.empty()) {
    request["log"] = std::filesystem::absolute(log_file).lexically_normal().string();
    return;
  }
  const char* dir = std::getenv("PYATTACH_LOG_DIR");
  if (dir != nullptr && *dir != '\0')
    request["log_dir"] = std::filesystem::absolute(dir).lexically_normal().string();
}

}  // namespace

int command_new(const Args& args) {
  const auto [option_args, command] = split_at_command(args, {{"-d", false},
                                                              {"--detached", false},
                                                              {"-h", false},
                                                              {"--help", false},
                                                              {"-n", true},
                                                              {"--name", true},
                                                              {"--python", true},
                                                              {"--preload", true},
                                                              {"--detach-key", true},
                                                              {"--log", true},
                                                              {"--key-env", true},
                                                              {"--mode", true},
                                                              {"--pool", true}});
  cxxopts::Options options("pyattach new", "Start a session running a Python program");
  options.custom_help(
      "[-d] [-n NAME] [--python PATH] [--preload MODS] [--detach-key KEY] [--log FILE]");
  options.positional_help("[--] SCRIPT|-m MODULE|-c CODE [ARGS...]");
  options.add_options()("d,detached", "start the session without attaching")(
      "n,name", "session name", cxxopts::value<std::string>())(
      "python", "Python interpreter (default: python3 on PATH)", cxxopts::value<std::string>())(
      "preload", "modules to preload, comma-separated (default: $PYATTACH_PRELOAD)",
      cxxopts::value<std::string>())("detach-key", "detach key, ^X or C-x (default ^\\)",
                                     cxxopts::value<std::string>())(
      "log", "append everything the program writes to FILE (default: $PYATTACH_LOG_DIR/NAME.log)",
      cxxopts::value<std::string>(), "FILE");
  add_profile_options(options);
  const auto parsed = parse_options(options, option_args);
  if (!parsed) return 0;
  if (!parsed->unmatched().empty())
    throw UserError("new: unexpected argument '" + parsed->unmatched().front() + "'", kStatusUsage);
  const char detach_key = parsed->count("detach-key")
                              ? parse_detach_key((*parsed)["detach-key"].as<std::string>())
                              : kDefaultDetachKey;

  LaunchOptions launch;
  if (parsed->count("python")) launch.python = (*parsed)["python"].as<std::string>();
  if (parsed->count("preload")) launch.preload = (*parsed)["preload"].as<std::string>();
  if (parsed->count("name")) launch.name = (*parsed)["name"].as<std::string>();
  read_profile_options(*parsed, launch);
  nlohmann::json request = launch_request(launch, parse_python_command_line(command));
  add_log_request(request, parsed->count("log") ? (*parsed)["log"].as<std::string>() : "");
  const bool detached = parsed->count("detached") > 0;
  request["attach"] = !detached;  // attached from the first byte: nothing to redraw

  auto broker = BrokerClient::connect(true);
  broker->send_json(MsgType::NewSession, request);
  const auto started = broker->expect_started(1);
  if (detached) return 0;
  AttachOptions attach{std::to_string(started.at("id").get<int>()), detach_key};
  attach.already_attached = true;
  return run_terminal_proxy(*broker, attach).status;
}

}  // namespace pyattach
