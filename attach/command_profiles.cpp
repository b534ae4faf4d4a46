// pyattach profiles: the zygotes the broker keeps, one line each (or every field as JSON).

#include <iomanip>
#include <iostream>
#include <sstream>

#include "broker_client.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "table.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

std::string join_list(const nlohmann::json& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ",";
    out += item.get<std::string>();
  }
  return out.empty() ? "-" : out;
}

std::string format_import(const nlohmann::json& profile) {
  if (profile.at("state") == "starting") return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(profile.at("load_ms").get<double>() < 10 ? 1 : 0)
      << profile.at("load_ms").get<double>() << "ms";
  return out.str();
}

}  // namespace

int command_profiles(const Args& args) {
  cxxopts::Options options("pyattach profiles", "List the preload profiles (zygotes)");
  options.add_options()("json", "print every field as JSON");
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  if (!parsed->unmatched().empty())
    throw UserError("profiles: unexpected argument '" + parsed->unmatched().front() + "'",
                    kStatusUsage);
  nlohmann::json reply = {{"profiles", nlohmann::json::array()}};
  if (auto broker = BrokerClient::connect(false)) {
    broker->send_json(MsgType::Profiles, nlohmann::json::object());
    reply = broker->expect(MsgType::ProfilesReply);
  }
  if (parsed->count("json")) {
    std::cout << reply.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "STATE", "PID", "MODE", "POOL", "SESSIONS",
                                                 "IMPORT", "PSS", "AGE", "PYTHON", "PRELOAD"}};
  for (const auto& profile : reply.at("profiles")) {
    std::string python = profile.at("python").get<std::string>();
    if (const std::string version = profile.at("version"); !version.empty())
      python += " (" + version + ")";
    rows.push_back({std::to_string(profile.at("id").get<int>()), profile.at("state"),
                    std::to_string(profile.at("pid").get<int>()), profile.at("mode"),
                    std::to_string(profile.at("pool").get<int>()),
                    std::to_string(profile.at("sessions").get<int>()), format_import(profile),
                    format_kib(profile.at("pss_kb")),
                    format_duration(profile.at("age_s").get<double>()), python,
                    join_list(profile.at("preload"))});
  }
  std::cout << format_table(rows);
  return 0;
}

}  // namespace pyattach
