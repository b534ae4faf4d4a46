// pyattach unload: stop one profile's zygote (running sessions are untouched).

#include "broker_client.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "user_error.hpp"

namespace pyattach {

int command_unload(const Args& args) {
  cxxopts::Options options("pyattach unload",
                           "Stop a profile's zygote; its running sessions go on");
  options.positional_help("ID");
  options.add_options()("target", "profile id, as `pyattach profiles` shows it",
                        cxxopts::value<std::string>());
  options.parse_positional({"target"});
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  if (!parsed->count("target")) throw UserError("unload: missing profile id", kStatusUsage);
  if (!parsed->unmatched().empty())
    throw UserError("unload: unexpected argument '" + parsed->unmatched().front() + "'",
                    kStatusUsage);
  const std::string target = (*parsed)["target"].as<std::string>();
  auto broker = BrokerClient::connect(false);
  if (!broker) throw UserError("no profile '" + target + "' (no broker is running)");
  broker->send_json(MsgType::Unload, {{"target", target}});
  broker->expect(MsgType::Ok);
  return 0;
}

}  // namespace pyattach
