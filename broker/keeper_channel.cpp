#include "keeper_channel.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "fd_passing.hpp"

namespace pyattach {

bool send_message(int socket, const nlohmann::json& message, const std::vector<int>& fds) {
  const std::string data = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return send_with_fds(socket, data, fds);
}

Received receive_message(int socket, nlohmann::json& message, std::vector<UniqueFd>& fds,
                         bool wait) {
  const auto failed = [] {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? Received::kNothingYet
                                                                     : Received::kError;
  };
  std::string data;
  if (!wait) {
    // Peek first: the fd helper blocks, and a poll wake-up may have been for end of stream.
    char byte;
    const ssize_t peeked = ::recv(socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked < 0) return failed();
    if (peeked == 0) return Received::kEnd;
  }
  const long got = receive_with_fds(socket, data, kMaxKeeperMessage, fds);
  if (got < 0) return failed();
  if (got == 0) return Received::kEnd;
  message = nlohmann::json::parse(data, nullptr, false);
  if (!message.is_object()) {
    fds.clear();
    return Received::kMalformed;
  }
  return Received::kMessage;
}

std::string own_program() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string() : self.string();
}

std::string sibling_program(const std::string& name) {
  const std::string self = own_program();
  if (!self.empty()) {
    const auto sibling = std::filesystem::path(self).parent_path() / name;
    if (::access(sibling.c_str(), X_OK) == 0) return sibling;
  }
  return name;
}

}  // namespace pyattach
