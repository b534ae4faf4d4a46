#include "table.hpp"

#include <algorithm>
#include <cstdio>

namespace pyattach {

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string text;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      text += row[i];
      if (i + 1 < row.size()) text.append(widths[i] - row[i].size() + 2, ' ');
    }
    text += "\n";
  }
  return text;
}

std::string format_duration(double seconds) {
  // Bounded first (NaN too): casting a double out of long's range is undefined.
  const long s = seconds >= 0 ? static_cast<long>(std::min(seconds, 1e15)) : 0;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string format_kib(const nlohmann::json& kib) {
  if (!kib.is_number()) return "-";
  const double value = kib.get<double>();
  if (!(value >= 0 && value < 1e15)) return "?";  // not a size /proc would give (or NaN)
  if (value < 1024) return std::to_string(static_cast<long>(value)) + "K";
  char text[32];
  if (value < 1024.0 * 1024.0) {
    std::snprintf(text, sizeof text, "%.1fM", value / 1024.0);
  } else {
    std::snprintf(text, sizeof text, "%.1fG", value / (1024.0 * 1024.0));
  }
  return text;
}

}  // namespace pyattach
