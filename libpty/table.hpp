#pragma once
// The human tables of `ls` and `profiles`: aligned columns and compact values.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pyattach {

// One line per row, each ending in "\n", columns left-aligned to their widest cell and two
// spaces apart; the last column is not padded (it holds free text: commands, module lists).
std::string format_table(const std::vector<std::vector<std::string>>& rows);

// "42s", "5m", "3h", "2d": the largest whole unit.
std::string format_duration(double seconds);

// A size given in KiB as "900K", "12.3M", "1.5G"; "-" when it is not a number (unknown,
// or nothing to measure, as for an ended session).
std::string format_kib(const nlohmann::json& kib);

}  // namespace pyattach
