#include "connection.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "broker.hpp"
#include "fd_passing.hpp"

namespace pyattach {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// A client passes at most a Run request's stdio and inherited fds; more is refused.
constexpr std::size_t kMaxHeldFds = kMaxPassedFds;
// How long a finished connection waits for its peer to close (see linger()).
constexpr std::uint64_t kLingerMs = 1000;

}  // namespace

Connection::Connection(Broker& broker, Id id, UniqueFd socket)
    : broker_(broker), id_(id), socket_(std::move(socket)) {}

void Connection::start_reading() {
  uv_poll_init(broker_.loop(), poll_.get(), socket_.get());
  poll_->data = this;
  watch();
}

void Connection::watch() {
  if (poll_.get() == nullptr) return;
  int events = finishing_ && !lingering_ && !broken_ ? 0 : UV_READABLE;
  if (!queue_.empty() && !output_ahead()) events |= UV_WRITABLE;
  poll_.start(events | UV_DISCONNECT, on_poll);
}

void Connection::on_poll(uv_poll_t* poll, int status, int events) {
  auto* self = static_cast<Connection*>(poll->data);
  if (self == nullptr) return;
  if (status < 0 || self->broken_) {
    self->broker_.drop_connection(self->id_);
    return;
  }
  if (events & UV_WRITABLE) self->flush();
  if (self->poll_.get() == nullptr || !(events & (UV_READABLE | UV_DISCONNECT))) return;
  if (self->lingering_) {
    self->discard_until_eof();
  } else if (!self->finishing_) {
    self->read_available();
  }
}

void Connection::read_available() {
  char buffer[kReadChunk];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
  iovec iov{buffer, sizeof buffer};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t got = ::recvmsg(socket_.get(), &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&message); cmsg != nullptr;
       cmsg = CMSG_NXTHDR(&message, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
      fds_.emplace_back(fd);
    }
  }
  if (got <= 0) {
    broker_.drop_connection(id_);
    return;
  }
  if (fds_.size() > kMaxHeldFds || (message.msg_flags & MSG_CTRUNC)) {
    fail("too many file descriptors passed");
    return;
  }
  handle_bytes(std::string_view(buffer, static_cast<std::size_t>(got)));
}

void Connection::handle_bytes(std::string_view bytes) {
  decoder_.feed(bytes);
  Frame frame;
  for (;;) {
    switch (decoder_.next(frame)) {
      case FrameDecoder::Status::NeedMore:
        return;
      case FrameDecoder::Status::Error:
        fail("malformed message: " + decoder_.error());
        return;
      case FrameDecoder::Status::Frame:
        broker_.handle_frame(*this, frame);
        if (finishing_ || poll_.get() == nullptr) return;
        break;
    }
  }
}

std::vector<UniqueFd> Connection::take_fds(std::size_t count) {
  std::vector<UniqueFd> taken;
  while (count-- > 0 && !fds_.empty()) {
    taken.push_back(std::move(fds_.front()));
    fds_.pop_front();
  }
  return taken;
}

void Connection::send(MsgType type, std::string_view payload) {
  send_shared(type, std::make_shared<const std::string>(payload));
}

void Connection::send_json(MsgType type, const nlohmann::json& payload) {
  send(type, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Connection::write_output_to(const UniqueFd& terminal) {
  terminal_ = TerminalOutput::open(broker_.loop(), terminal, [this] { flush(); });
}

bool Connection::read_input_from(const UniqueFd& terminal, std::optional<char> detach_key) {
  detach_key_ = detach_key;
  input_ = TerminalInput::open(broker_.loop(), terminal,
                               [this](std::string_view keys) { terminal_keys(keys); });
  return input_ != nullptr;
}

// What the client did with its keys when it read them itself.
void Connection::terminal_keys(std::string_view keys) {
  const auto key = detach_key_ ? keys.find(*detach_key_) : std::string_view::npos;
  if (key != 0) broker_.handle_frame(*this, {MsgType::Input, std::string(keys.substr(0, key))});
  if (key == std::string_view::npos || poll_.get() == nullptr) return;
  input_->stop();  // the rest was typed for after the detach: the shell's
  broker_.handle_frame(*this, {MsgType::Detach, "{}"});
}

void Connection::send_shared(MsgType type, std::shared_ptr<const std::string> payload) {
  if (poll_.get() == nullptr || broken_) return;
  // The client leaves on these: from now on, keys typed are the shell's.
  if (input_ && (type == MsgType::Exit || type == MsgType::Error)) input_->stop();
  if (type == MsgType::Output && terminal_) {
    terminal_->write(std::move(payload));
    // The terminal may have taken what frames were waiting behind without telling us.
    if (!queue_.empty() && !output_ahead()) flush();
    return;
  }
  Chunk chunk{encode_frame(type, {}), std::move(payload)};
  // The payload travels as its own buffer, shared between clients and not copied.
  const auto length = static_cast<std::uint32_t>(chunk.payload->size());
  for (int i = 0; i < 4; ++i) chunk.header[4 + i] = static_cast<char>(length >> (8 * i));
  pending_bytes_ += chunk.size();
  queue_.push_back(std::move(chunk));
  if (queue_.size() == 1) flush();
}

void Connection::flush() {
  // Frames sent after output (an Exit, after which the client resets its terminal) must
  // not overtake it: they wait until the terminal has taken it, which calls flush() then.
  if (output_ahead()) {
    watch();
    return;
  }
  while (!queue_.empty()) {
    constexpr int kMaxParts = 32;
    iovec parts[kMaxParts];
    int count = 0;
    // Each chunk adds up to two parts (header, payload): stop while both still fit. The
    // first chunk may add only one, so the count can be odd.
    for (auto it = queue_.begin(); it != queue_.end() && count + 2 <= kMaxParts; ++it) {
      std::size_t skip = it == queue_.begin() ? it->written : 0;
      for (std::string_view part : {std::string_view(it->header), std::string_view(*it->payload)}) {
        if (skip >= part.size()) {
          skip -= part.size();
          continue;
        }
        parts[count++] = {const_cast<char*>(part.data() + skip), part.size() - skip};
        skip = 0;
      }
    }
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = static_cast<std::size_t>(count);
    const ssize_t wrote = ::sendmsg(socket_.get(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      // The peer is gone. Not dropped here: our caller may be looping over connections
      // (a session's output to each client) and must not see one vanish. The poll
      // callback sees the hang-up next and drops it.
      broken_ = true;
      queue_.clear();
      pending_bytes_ = 0;
      watch();
      return;
    }
    std::size_t left = static_cast<std::size_t>(wrote);
    pending_bytes_ -= left;
    while (left > 0) {
      Chunk& front = queue_.front();
      const std::size_t take = std::min(left, front.size() - front.written);
      front.written += take;
      left -= take;
      if (front.written == front.size()) queue_.pop_front();
    }
  }
  watch();
  if (queue_.empty()) {
    if (finishing_) {
      linger();
    } else {
      broker_.connection_drained(*this);
    }
  }
}

bool Connection::output_ahead() const {
  return terminal_ && terminal_->pending_bytes() > 0;
}

void Connection::fail(std::string_view message) {
  send_json(MsgType::Error, {{"message", message}});
  finish();
}

void Connection::finish() {
  // Already closed (a failed write dropped it while its caller still held it): done.
  if (finishing_ || poll_.get() == nullptr) return;
  finishing_ = true;
  if (queue_.empty() && !output_ahead()) {
    linger();
  } else {
    watch();
  }
}

// Closing a socket whose peer's bytes are still unread makes the kernel reset the
// connection, and the peer's recv() then fails with ECONNRESET before it has read our
// last frame (an error it should print). So: end our side with EOF, keep reading and
// dropping what the peer sends, and close once it has closed too, or after a while (a
// peer that never closes must not hold the connection, nor a broker that is exiting).
void Connection::linger() {
  if (lingering_) return;
  lingering_ = true;
  ::shutdown(socket_.get(), SHUT_WR);
  fds_.clear();
  watch();
  uv_timer_init(broker_.loop(), linger_timer_.get());
  linger_timer_->data = this;
  uv_timer_start(
      linger_timer_.get(),
      [](uv_timer_t* timer) {
        if (auto* self = static_cast<Connection*>(timer->data))
          self->broker_.drop_connection(self->id_);
      },
      kLingerMs, 0);
}

void Connection::discard_until_eof() {
  char buffer[kReadChunk];
  for (;;) {
    const ssize_t got = ::recv(socket_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (got > 0) continue;
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return;
    broker_.drop_connection(id_);
    return;
  }
}

void Connection::close() {
  poll_.close();
  terminal_.reset();
  input_.reset();
  linger_timer_.close();
  socket_.reset();
  queue_.clear();
  pending_bytes_ = 0;
  fds_.clear();
}

}  // namespace pyattach
