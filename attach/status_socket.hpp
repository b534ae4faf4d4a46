#pragma once
// The caller's own socket for the program's exit status (the Run request's "status_to").
//
// A program run in pipe mode sends its status here just before it exits, as well as to the
// broker: `run` can end without waiting for the broker to wake up and pass it on. The socket
// has an abstract name the kernel picks; the kernel also names each sender (SO_PASSCRED), so
// only the program itself, running as this user, is believed.

#include <sys/types.h>

#include <optional>
#include <string>

#include "unique_fd.hpp"

namespace pyattach {

class StatusSocket {
 public:
  // Not usable if creating it fails; the run then waits for the broker's Exit. It may take
  // the number of a closed stdin: command_run.cpp found that closed first, and does not
  // pass it (stdio_closed).
  StatusSocket();

  bool usable() const { return static_cast<bool>(socket_); }
  int fd() const { return socket_.get(); }
  // The name for "status_to" (abstract: without its leading NUL).
  const std::string& name() const { return name_; }
  // Reads one datagram: the exit status if `program` sent it, else nothing.
  std::optional<int> receive_from(pid_t program);

 private:
  UniqueFd socket_;
  std::string name_;
};

}  // namespace pyattach
