#pragma once
// The per-user directory that holds the broker's socket and lock file.
//
// $PYATTACH_DIR if set, else $XDG_RUNTIME_DIR/pyattach, else /tmp/pyattach-$UID.
// It must be a real directory owned by this user and closed to everyone else;
// anything else is refused, because whoever controls it controls every session.

#include <string>

namespace pyattach {

std::string runtime_dir_path();

// Creates the directory (mode 0700) if needed, then checks owner and mode.
// Returns false and a one-line reason otherwise.
bool ensure_private_dir(const std::string& path, std::string& error);

inline std::string broker_socket_path(const std::string& dir) {
  return dir + "/broker.sock";
}
inline std::string broker_lock_path(const std::string& dir) {
  return dir + "/broker.lock";
}
inline std::string start_lock_path(const std::string& dir) {
  return dir + "/start.lock";
}
inline std::string broker_log_path(const std::string& dir) {
  return dir + "/broker.log";
}

}  // namespace pyattach
