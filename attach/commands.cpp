// pyattach attach, ls, kill and kill-server.

#include "commands.hpp"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <iostream>

#include "broker_client.hpp"
#include "detach_key.hpp"
#include "options.hpp"
#include "session_table.hpp"
#include "terminal_proxy.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

// TERM, SIGTERM, term or 15.
int parse_signal(const std::string& spelling) {
  if (!spelling.empty() && std::all_of(spelling.begin(), spelling.end(), ::isdigit)) {
    const int number = std::stoi(spelling.substr(0, 3));
    if (number > 0 && number < NSIG) return number;
  }
  std::string name;
  for (char c : spelling)
    name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev != nullptr && name == abbrev) return sig;
  }
  throw UserError("unknown signal '" + spelling + "'", kStatusUsage);
}

// The List reply, asked right behind the Hello (one round trip instead of two: `ls` is
// mostly process start and waiting for the broker). Empty lists when no broker runs.
nlohmann::json list_reply(const nlohmann::json& request) {
  const BrokerClient::FirstRequest first{MsgType::List, request, {}};
  auto broker = BrokerClient::connect(false, &first);
  if (!broker) return {{"sessions", nlohmann::json::array()}, {"zygotes", nlohmann::json::array()}};
  return broker->expect(MsgType::ListReply);
}

// The sessions of a List reply as rows of `names`. A broker older than field lists (or
// tables) sends whole objects.
nlohmann::json rows_of(nlohmann::json reply, const std::vector<std::string>& names) {
  if (reply.contains("rows")) return std::move(reply.at("rows"));
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& session : reply.at("sessions")) {
    nlohmann::json row = nlohmann::json::array();
    for (const auto& name : names) row.push_back(session.value(name, nlohmann::json()));
    rows.push_back(std::move(row));
  }
  return rows;
}

// The sessions as rows of `names`, asked of the broker by name (it sends only those).
nlohmann::json list_rows(const std::vector<std::string>& names) {
  return rows_of(list_reply({{"fields", names}}), names);
}

}  // namespace

int command_attach(const Args& args) {
  cxxopts::Options options("pyattach attach", "Attach to a session");
  options.positional_help("NAME|ID");
  options.add_options()("detach-key", "detach key, ^X or C-x (default ^\\)",
                        cxxopts::value<std::string>())(
      "r,read-only", "watch only: keys (but the detach key) and window size are ignored")(
      "target", "session", cxxopts::value<std::string>());
  options.parse_positional({"target"});
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  const std::string target = single_target(*parsed, "attach");
  const char key = parsed->count("detach-key")
                       ? parse_detach_key((*parsed)["detach-key"].as<std::string>())
                       : kDefaultDetachKey;
  auto broker = BrokerClient::connect(false);
  if (!broker) throw UserError("no session '" + target + "' (no broker is running)");
  AttachOptions attach{target, key};
  // The broker ignores a read-only client's input and size; the proxy needs no difference.
  attach.read_only = parsed->count("read-only") > 0;
  return run_terminal_proxy(*broker, attach).status;
}

int command_ls(const Args& args) {
  cxxopts::Options options("pyattach ls", "List sessions");
  options.add_options()("json", "print every field as JSON")(
      "q,quiet", "print only the session names, one per line");
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  if (!parsed->unmatched().empty())
    throw UserError("ls: unexpected argument '" + parsed->unmatched().front() + "'", kStatusUsage);
  if (parsed->count("json")) {
    std::cout << list_reply(nlohmann::json::object()).dump(2) << "\n";
    return 0;
  }
  if (parsed->count("quiet")) {
    for (const auto& row : list_rows({"name"})) std::cout << row.at(0).get<std::string>() << "\n";
    return 0;
  }
  // The broker builds the table; with none (or one older than tables), the same table is
  // built here from the rows there are, if any.
  nlohmann::json reply = list_reply({{"table", true}});
  if (reply.contains("table")) {
    std::cout << reply.at("table").get_ref<const std::string&>();
    return 0;
  }
  std::cout << session_table(rows_of(std::move(reply), session_table_fields()));
  return 0;
}

int command_kill(const Args& args) {
  cxxopts::Options options("pyattach kill", "Signal a running session, or remove an ended one");
  options.positional_help("NAME|ID");
  options.add_options()("s,signal", "signal name or number (default TERM)",
                        cxxopts::value<std::string>()->default_value("TERM"))(
      "target", "session", cxxopts::value<std::string>());
  options.parse_positional({"target"});
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  const std::string target = single_target(*parsed, "kill");
  const int sig = parse_signal((*parsed)["signal"].as<std::string>());
  auto broker = BrokerClient::connect(false);
  if (!broker) throw UserError("no session '" + target + "' (no broker is running)");
  broker->send_json(MsgType::Kill, {{"target", target}, {"signal", sig}});
  broker->expect(MsgType::Ok);
  return 0;
}

int command_kill_server(const Args& args) {
  cxxopts::Options options("pyattach kill-server", "Stop the broker; running sessions get SIGHUP");
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  auto broker = BrokerClient::connect(false);
  if (!broker) return 0;  // nothing to stop
  broker->send_json(MsgType::KillServer, nlohmann::json::object());
  broker->expect(MsgType::Ok);
  // Wait until the broker has closed our connection: it is then no longer serving.
  try {
    for (;;) broker->receive();
  } catch (const UserError&) {
  }
  return 0;
}

}  // namespace pyattach
