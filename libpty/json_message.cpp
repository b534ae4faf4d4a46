#include "json_message.hpp"

#include <climits>

namespace pyattach {

nlohmann::json parse_message(std::string_view text) {
  // Checked as the parser builds each value, so nested objects are covered too.
  const auto check = [](int, nlohmann::json::parse_event_t event, nlohmann::json& value) {
    // [0, INT_MAX]: an int, an unsigned or a pid_t can hold it.
    if (event == nlohmann::json::parse_event_t::value && value.is_number_float() &&
        !(value.get<double>() >= 0 && value.get<double>() <= INT_MAX))
      throw nlohmann::json::out_of_range::create(406, "number out of range: " + value.dump(),
                                                 &value);
    return true;
  };
  return nlohmann::json::parse(text, check);
}

}  // namespace pyattach
