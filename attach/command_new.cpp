// pyattach new: start a session from a python-style command line, then attach.

#include "broker_client.hpp"
#include "commands.hpp"
#include "detach_key.hpp"
#include "launch_request.hpp"
#include "options.hpp"
#include "terminal_proxy.hpp"
#include "user_error.hpp"

namespace pyattach {

int command_new(const Args& args) {
  const auto [option_args, command] = split_at_command(args, {{"-d", false},
                                                              {"--detached", false},
                                                              {"-h", false},
                                                              {"--help", false},
                                                              {"-n", true},
                                                              {"--name", true},
                                                              {"--python", true},
                                                              {"--preload", true},
                                                              {"--detach-key", true}});
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

  LaunchOptions launch;
  if (parsed->count("python")) launch.python = (*parsed)["python"].as<std::string>();
  if (parsed->count("preload")) launch.preload = (*parsed)["preload"].as<std::string>();
  if (parsed->count("name")) launch.name = (*parsed)["name"].as<std::string>();
  nlohmann::json request = launch_request(launch, parse_python_command_line(command));
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
