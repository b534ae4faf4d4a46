#include "detach_key.hpp"

#include <cctype>

#include "user_error.hpp"

namespace pyattach {

char parse_detach_key(const std::string& spelling) {
  std::string key;
  if (spelling.size() == 2 && spelling[0] == '^') {
    key = spelling.substr(1);
  } else if (spelling.size() == 3 && (spelling[0] == 'C' || spelling[0] == 'c') &&
             spelling[1] == '-') {
    key = spelling.substr(2);
  } else {
    throw UserError("invalid detach key '" + spelling + "': write it as ^X or C-x", kStatusUsage);
  }
  const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
  if (c == '?') return 0x7f;
  if (c < '@' || c > '_')
    throw UserError("invalid detach key '" + spelling + "': not a control character", kStatusUsage);
  return static_cast<char>(c - '@');
}

}  // namespace pyattach
