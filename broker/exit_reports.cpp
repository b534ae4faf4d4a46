#include "exit_reports.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <random>

#include "exit_report.hpp"

namespace pyattach {

bool ExitReports::start(uv_loop_t* loop, Reported reported, std::string& error) {
  socket_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const int on = 1;
  if (!socket_ || ::setsockopt(socket_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    error = std::string("exit-report socket: ") + std::strerror(errno);
    return false;
  }
  // Unguessable, so that no other broker's programs (or anyone else) write here by mistake.
  std::random_device random;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", random(), random());
  address_ = "pyattach-broker-" + std::to_string(::getpid()) + "-" + suffix;
  sockaddr_un name{};
  name.sun_family = AF_UNIX;
  std::memcpy(name.sun_path + 1, address_.data(), address_.size());  // sun_path[0] = 0
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + address_.size());
  if (::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&name), length) != 0) {
    error = std::string("exit-report socket: bind: ") + std::strerror(errno);
    address_.clear();
    return false;
  }
  reported_ = std::move(reported);
  uv_poll_init(loop, poll_.get(), socket_.get());
  poll_->data = this;
  uv_poll_start(poll_.get(), UV_READABLE, on_readable);
  uv_unref(poll_.base());  // listening for reports never keeps the broker running
  return true;
}

void ExitReports::on_readable(uv_poll_t* poll, int status, int) {
  auto* self = static_cast<ExitReports*>(poll->data);
  if (self != nullptr && status == 0) self->drain();
}

void ExitReports::drain() {
  while (const auto report = read_exit_report(socket_.get())) {
    if (!report->valid || report->uid != ::geteuid()) continue;  // not a status of ours
    reported_(report->pid, report->exit_code);
  }
}

}  // namespace pyattach
