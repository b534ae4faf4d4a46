#pragma once
// Parsing a JSON control message received from another process.
//
// nlohmann's get<int>() (and value()) of a floating-point number converts it with a
// plain cast, which is undefined behaviour when the number does not fit: a peer sending
// {"rows":1e100} must get an error, not UB. Every number of the protocol is an integer
// or a small float (durations), so floats outside the range of int are refused here.

#include <nlohmann/json.hpp>
#include <string_view>

namespace pyattach {

// Throws nlohmann::json::exception for malformed text or an out-of-range number.
nlohmann::json parse_message(std::string_view text);

}  // namespace pyattach
