// pyattach profiles: the zygotes the broker keeps, one line each (or every field as JSON).

#include <iomanip>
#include <iostream>
#include <sstream>

#include "broker_client.hpp"
#include "commands.hpp"
#include "options.hpp"
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

std::string format_seconds(double seconds) {
  const long s = static_cast<long>(seconds);
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string format_import(const nlohmann::json& profile) {
  if (profile.at("state") == "starting") return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(profile.at("load_ms").get<double>() < 10 ? 1 : 0)
      << profile.at("load_ms").get<double>() << "ms";
  return out.str();
}

std::string format_memory(const nlohmann::json& kb) {
  if (!kb.is_number()) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << kb.get<double>() / 1024.0 << "M";
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
                    format_memory(profile.at("pss_kb")),
                    format_seconds(profile.at("age_s").get<double>()), python,
                    join_list(profile.at("preload"))});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  for (const auto& row : rows) {
    std::ostringstream line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i + 1 == row.size()) {
        line << row[i];
      } else {
        line << std::left << std::setw(static_cast<int>(widths[i])) << row[i] << "  ";
      }
    }
    std::cout << line.str() << "\n";
  }
  return 0;
}

}  // namespace pyattach
