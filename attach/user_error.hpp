#pragma once
// The one kind of failure a command reports: a single line for the user and an exit
// status. main() is the only place that prints it.

#include <stdexcept>
#include <string>

namespace pyattach {

inline constexpr int kStatusError = 1;
inline constexpr int kStatusUsage = 2;

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message, int status = kStatusError)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace pyattach
