#pragma once
// The key that detaches a client: a control character written as ^X or C-x.

#include <string>

namespace pyattach {

inline constexpr char kDefaultDetachKey = 0x1c;  // Ctrl-\, as dtach

// Throws UserError (usage) for anything that is not a control-key spelling.
char parse_detach_key(const std::string& spelling);

}  // namespace pyattach
