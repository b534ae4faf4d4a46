#pragma once
// Attached mode: the user's terminal in raw mode, bytes both ways between it and a
// session, window-size changes forwarded, the detach key watched for.

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

#include "broker_client.hpp"

namespace pyattach {

struct AttachOptions {
  std::string target;
  std::optional<char> detach_key;  // none: every key goes to the program
  // For `run`: signals sent to us go to this process instead of ending the client.
  pid_t forward_signals_to = 0;
  // The broker already added us to the session when creating it (no Attach, no redraw).
  bool already_attached = false;
  // On the way out, undo modes the program left set (attach) or leave all as is (run,
  // exactly as python3 would).
  bool reset_terminal = true;
  // Watch only: the broker ignores our keys (but the detach key) and our size.
  bool read_only = false;
  // For `run`: called when the program has stopped (Ctrl-Z); returns once it goes on.
  std::function<void()> follow_stop = nullptr;
};

struct ProxyResult {
  int status = 0;       // 0 on detach; the program's status (128+N for signal N)
  int term_signal = 0;  // the signal that ended the program, if one did
};

// Attaches `broker` to the session and proxies until detach or the session's end.
ProxyResult run_terminal_proxy(BrokerClient& broker, const AttachOptions& options);

}  // namespace pyattach
