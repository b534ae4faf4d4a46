// pyattach wait: block until sessions end; exit with the status of the last one named.

#include <sys/wait.h>

#include <iostream>

#include "broker_client.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

// As the shell's `wait` for a process that is not its child.
constexpr int kStatusNoSuchSession = 127;

}  // namespace

int command_wait(const Args& args) {
  cxxopts::Options options("pyattach wait",
                           "Wait until sessions end; exit with the status of the last one named");
  options.positional_help("NAME|ID...");
  options.add_options()("targets", "sessions", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"targets"});
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  if (!parsed->count("targets")) throw UserError("wait: missing session name or id", kStatusUsage);
  const auto targets = (*parsed)["targets"].as<std::vector<std::string>>();

  auto broker = BrokerClient::connect(false);
  if (!broker)
    throw UserError("no session '" + targets.front() + "' (no broker is running)",
                    kStatusNoSuchSession);
  broker->send_json(MsgType::Wait, {{"targets", targets}});
  const Frame frame = broker->receive();
  if (frame.type == MsgType::Error) {
    try {
      throw_broker_error(frame);
    } catch (const UserError& error) {
      throw UserError(error.what(), kStatusNoSuchSession);  // the only error a Wait gets
    }
  }
  if (frame.type == MsgType::Exit) throw UserError("the broker shut down");
  if (frame.type != MsgType::Ok)
    throw UserError("protocol error: unexpected " + std::string(msg_type_name(frame.type)));
  const auto reply = nlohmann::json::parse(frame.payload);
  // Its status (1) alone would not say that the program never ran, nor why.
  for (const auto& session : reply.at("sessions"))
    if (session.value("state", "") == "failed" &&
        session.value("error", nlohmann::json()).is_string())
      std::cerr << "pyattach: session '" << session.value("name", "?")
                << "' failed to start: " << session.at("error").get<std::string>() << "\n";
  const auto& last = reply.at("sessions").back();
  const int wait_status = last.at("wait_status").get<int>();
  // As a shell reports it: the exit code, or 128 + the number of the killing signal.
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

}  // namespace pyattach
