#pragma once
// The table `pyattach ls` prints: the broker builds it (List {"table":true}) and the client
// prints it as it comes; the client builds it itself only with no broker, or one older
// than tables.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pyattach {

// The session fields the table is made from, in the order session_table() reads them.
const std::vector<std::string>& session_table_fields();

// The whole text, header line included, from one row per session holding the values of
// session_table_fields() in that order (null for an unknown value).
std::string session_table(const nlohmann::json& rows);

}  // namespace pyattach
