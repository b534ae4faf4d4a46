// pyattach capture: print a session's screen (and scrollback) without attaching.

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "broker_client.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

std::size_t parse_line_count(const std::string& text) {
  std::size_t used = 0;
  long long lines = -1;
  try {
    lines = std::stoll(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || lines < 0)
    throw UserError("capture: -S takes a number of lines, not '" + text + "'", kStatusUsage);
  return static_cast<std::size_t>(lines);
}

void write_stdout(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t wrote = ::write(1, bytes.data(), bytes.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) throw UserError("cannot write the capture: " + std::string(strerror(errno)));
    bytes.remove_prefix(static_cast<std::size_t>(wrote));
  }
}

}  // namespace

int command_capture(const Args& args) {
  cxxopts::Options options("pyattach capture",
                           "Print a session's screen as text, optionally with scrollback");
  options.positional_help("NAME|ID");
  options.add_options()("S,scrollback", "first print the last LINES lines of scrollback",
                        cxxopts::value<std::string>(),
                        "LINES")("ansi", "keep colours and attributes (SGR escape sequences)")(
      "target", "session", cxxopts::value<std::string>());
  options.parse_positional({"target"});
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  const std::string target = single_target(*parsed, "capture");
  const std::size_t lines =
      parsed->count("scrollback") ? parse_line_count((*parsed)["scrollback"].as<std::string>()) : 0;

  auto broker = BrokerClient::connect(false);
  if (!broker) throw UserError("no session '" + target + "' (no broker is running)");
  broker->send_json(
      MsgType::Capture,
      {{"target", target}, {"scrollback", lines}, {"ansi", parsed->count("ansi") > 0}});
  for (;;) {
    const Frame frame = broker->receive();
    if (frame.type == MsgType::Output) {
      write_stdout(frame.payload);
    } else if (frame.type == MsgType::Ok) {
      return 0;
    } else if (frame.type == MsgType::Error) {
      throw_broker_error(frame);
    } else {
      throw UserError("protocol error: unexpected " + std::string(msg_type_name(frame.type)));
    }
  }
}

}  // namespace pyattach
