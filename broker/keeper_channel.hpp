#pragma once
// The wire between the broker and its keeper (see keeper.hpp), and between a starting
// pyattachd and the keeper: SOCK_SEQPACKET, one JSON object per datagram, file
// descriptors attached with SCM_RIGHTS.
//
// Broker -> keeper (the broker's channel):
//   {"op":"hello"}                         answered by one "session" per kept session
//                                          (master attached while it is open), then "end"
//   {"op":"add","id","name","command","rows","cols","pid","created"} + master PTY fd
//   {"op":"status","id","status"}          the program ended with this raw wait status
//   {"op":"closed","id"}                   the broker closed the terminal: drop the dup
//   {"op":"remove","id"}                   the session is gone from the broker
//   {"op":"shutdown"}                      kill-server: drop everything and exit
// Keeper -> broker:
//   {"op":"session",...as add...,"status":S|null}, {"op":"end"}
//   {"op":"exited","id","pid","status"}    the keeper reaped a session's program
//   {"op":"upgrade"}                       hand over and exit: a new binary takes over
// pyattachd starter -> keeper (keeper.sock, one datagram each way, then the keeper closes):
//   {"op":"start","binary":PATH} + readiness pipe   start a broker if none serves
//   {"op":"upgrade","binary":PATH} + readiness pipe replace the broker with PATH
//   The keeper answers {"op":"accepted"} at once, and writes "ok" or a one-line error to
//   the pipe once the broker answers. A starter that gets no "accepted" met a keeper that
//   was exiting (its listen queue dropped): nothing was done, and it starts a keeper itself.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "unique_fd.hpp"

namespace pyattach {

inline constexpr std::size_t kMaxKeeperMessage = 256 * 1024;

inline std::string keeper_socket_path(const std::string& dir) {
  return dir + "/keeper.sock";
}
inline std::string keeper_lock_path(const std::string& dir) {
  return dir + "/keeper.lock";
}

// False with errno set (EAGAIN if the peer is not reading, EPIPE if it is gone).
bool send_message(int socket, const nlohmann::json& message, const std::vector<int>& fds = {});

// What receive_message() found on the channel.
enum class Received {
  kMessage,     // `message` and its fds are set
  kNothingYet,  // not waiting, and nothing has come (EAGAIN, EINTR)
  kMalformed,   // a datagram that is not a JSON object (dropped, with its fds)
  kEnd,         // the peer closed its end
  kError,       // errno says why
};
Received receive_message(int socket, nlohmann::json& message, std::vector<UniqueFd>& fds,
                         bool wait = false);

// `name` next to the running binary if it is there, else `name` (found on PATH).
std::string sibling_program(const std::string& name);
// This binary's path, as the kernel knows it.
std::string own_program();

}  // namespace pyattach
