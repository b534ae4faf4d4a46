// pyattach send: type into a session's terminal without attaching.

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "broker_client.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

constexpr std::size_t kInputChunk = 64 * 1024;

// Everything on our standard input, to the session as it is read.
void send_stdin(BrokerClient& broker) {
  char buffer[kInputChunk];
  for (;;) {
    const ssize_t got = ::read(0, buffer, sizeof buffer);
    if (got == 0) return;
    if (got < 0) {
      if (errno == EINTR) continue;
      throw UserError(std::string("cannot read standard input: ") + std::strerror(errno));
    }
    broker.send(MsgType::Input, std::string_view(buffer, static_cast<std::size_t>(got)));
  }
}

}  // namespace

int command_send(const Args& args) {
  cxxopts::Options options("pyattach send",
                           "Write TEXT (the words joined by spaces), or standard input until end "
                           "of file, to a session's terminal without attaching");
  options.positional_help("NAME|ID [TEXT...]");
  options.add_options()("e,enter", "press Enter afterwards (send a carriage return)")(
      "target", "session", cxxopts::value<std::string>())(
      "text", "text", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"target", "text"});
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  if (!parsed->count("target")) throw UserError("send: missing session name or id", kStatusUsage);
  const std::string target = (*parsed)["target"].as<std::string>();

  auto broker = BrokerClient::connect(false);
  if (!broker) throw UserError("no session '" + target + "' (no broker is running)");
  broker->send_json(MsgType::Send, {{"target", target}});
  broker->expect(MsgType::Ok);  // the session exists and runs: from here on, bytes go to it
  if (parsed->count("text")) {
    const auto words = (*parsed)["text"].as<std::vector<std::string>>();
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) text += (i > 0 ? " " : "") + words[i];
    for (std::size_t at = 0; at < text.size(); at += kInputChunk)
      broker->send(MsgType::Input, std::string_view(text).substr(at, kInputChunk));
  } else {
    send_stdin(*broker);
  }
  if (parsed->count("enter")) broker->send(MsgType::Input, "\r");
  broker->send_json(MsgType::SendEnd, nlohmann::json::object());
  broker->expect(MsgType::Ok);
  return 0;
}

}  // namespace pyattach
