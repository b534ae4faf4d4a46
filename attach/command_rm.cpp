// pyattach rm: remove ended sessions (and their final screens) from the broker.

#include <iostream>

#include "broker_client.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "user_error.hpp"

namespace pyattach {

int command_rm(const Args& args) {
  cxxopts::Options options("pyattach rm", "Remove ended sessions; running ones are refused");
  options.positional_help("NAME|ID...");
  options.add_options()("a,all", "remove every ended session")(
      "targets", "sessions", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"targets"});
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  const bool all = parsed->count("all") > 0;
  const auto targets = parsed->count("targets")
                           ? (*parsed)["targets"].as<std::vector<std::string>>()
                           : std::vector<std::string>{};
  if (targets.empty() && !all)
    throw UserError("rm: missing session name or id (or -a for every ended one)", kStatusUsage);

  auto broker = BrokerClient::connect(false);
  if (!broker) {
    if (targets.empty()) return 0;  // -a with no broker: nothing has ended
    throw UserError("no session '" + targets.front() + "' (no broker is running)");
  }
  broker->send_json(MsgType::Remove, {{"targets", targets}, {"all", all}});
  const auto reply = broker->expect(MsgType::Ok);
  const auto& errors = reply.at("errors");
  for (const auto& error : errors) std::cerr << "pyattach: " << error.get<std::string>() << "\n";
  return errors.empty() ? 0 : kStatusError;
}

}  // namespace pyattach
