#include "session_table.hpp"

#include "table.hpp"

namespace pyattach {

namespace {

// Where each of session_table_fields() is in a row.
enum TableField {
  kId,
  kName,
  kPid,
  kState,
  kStatus,
  kSignal,
  kClients,
  kPss,
  kUss,
  kAge,
  kCommand,
  kLogError
};

std::string format_state(const nlohmann::json& row) {
  const std::string state = row.at(kState);
  std::string text = state;
  if (state == "exited") text = "exited " + std::to_string(row.at(kStatus).get<int>());
  if (state == "killed") text = "killed " + row.at(kSignal).get<std::string>();
  if (state == "running" && row.at(kPid).get<int>() == 0) text = "starting";
  // The details are in `ls --json` (log_error); the table says there is something to see.
  if (!row.at(kLogError).is_null()) text += ", log failed";
  return text;
}

std::string format_command(const nlohmann::json& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out.push_back(' ');
    const std::string text = arg.get<std::string>();
    const bool plain = !text.empty() && text.find_first_of(" \t\n'\"\\$`") == std::string::npos;
    out += plain ? text : std::string("'") + text + "'";
  }
  return out.empty() ? "(interactive)" : out;
}

}  // namespace

const std::vector<std::string>& session_table_fields() {
  static const std::vector<std::string> fields = {"id",     "name",   "pid",     "state",
                                                  "status", "signal", "clients", "pss_kb",
                                                  "uss_kb", "age_s",  "command", "log_error"};
  return fields;
}

std::string session_table(const nlohmann::json& rows) {
  // PSS counts the pages a session shares with its zygote (and its siblings) in part;
  // USS only its own: what ending it would free.
  std::vector<std::vector<std::string>> table = {
      {"ID", "NAME", "PID", "STATE", "CLIENTS", "PSS", "USS", "AGE", "COMMAND"}};
  for (const auto& row : rows) {
    table.push_back({std::to_string(row.at(kId).get<int>()), row.at(kName),
                     std::to_string(row.at(kPid).get<int>()), format_state(row),
                     std::to_string(row.at(kClients).get<int>()), format_kib(row.at(kPss)),
                     format_kib(row.at(kUss)), format_duration(row.at(kAge).get<double>()),
                     format_command(row.at(kCommand))});
  }
  return format_table(table);
}

}  // namespace pyattach
