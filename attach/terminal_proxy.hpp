#pragma once
// Attached mode: the user's terminal in raw mode, bytes both ways between it and a
// session, window-size changes forwarded, the detach key watched for.

#include <string>

#include "broker_client.hpp"

namespace pyattach {

struct AttachOptions {
  std::string target;
  char detach_key;
};

// Attaches `broker` to the session and proxies until detach or the session's end.
// Returns the exit status for the command: 0 on detach, the program's status if it ended.
int run_terminal_proxy(BrokerClient& broker, const AttachOptions& options);

}  // namespace pyattach
