#include "broker_client.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fd_passing.hpp"
#include "runtime_dir.hpp"
#include "unix_socket.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

// A connected socket, or an invalid fd if nobody listens there.
UniqueFd try_connect(const std::string& path) {
  const auto address = unix_address(path);
  if (!address)
    throw UserError("socket path too long: " + path + " (set PYATTACH_DIR to a shorter directory)");
  UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket) throw UserError(std::string("socket: ") + std::strerror(errno));
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED) return UniqueFd();
    throw UserError("cannot connect to " + path + ": " + std::strerror(errno));
  }
  return socket;
}

// pyattachd from the same directory as this binary, else from PATH.
std::string broker_program() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto sibling = self.parent_path() / "pyattachd";
    if (::access(sibling.c_str(), X_OK) == 0) return sibling;
  }
  return "pyattachd";
}

// Runs pyattachd, which daemonises and exits 0 once it serves; its stderr becomes our error.
void start_broker() {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw UserError(std::string("pipe: ") + std::strerror(errno));
  UniqueFd read_end(err_pipe[0]);
  UniqueFd write_end(err_pipe[1]);
  const std::string program = broker_program();
  const pid_t pid = ::fork();
  if (pid < 0) throw UserError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(write_end.get(), 2);
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::execlp(program.c_str(), program.c_str(), static_cast<char*>(nullptr));
    dprintf(2, "pyattachd: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  write_end.reset();
  std::string output;
  char chunk[512];
  ssize_t got;
  while ((got = ::read(read_end.get(), chunk, sizeof chunk)) > 0) output.append(chunk, got);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  if (const auto newline = output.rfind('\n'); newline != std::string::npos)
    output = output.substr(newline + 1);
  throw UserError("cannot start the broker: " + (output.empty() ? "pyattachd failed" : output));
}

// A socket connected to the broker of `dir`, starting one if `start_if_needed` and none
// listens; an invalid fd if none listens and none is to be started.
UniqueFd connect_or_start(const std::string& dir, bool start_if_needed) {
  const std::string socket_path = broker_socket_path(dir);
  if (UniqueFd socket = try_connect(socket_path)) return socket;
  // A keeper without a broker holds the sessions of a broker that died: any command,
  // `ls` too, starts the broker that takes them over (broker/keeper_channel.hpp).
  if (!start_if_needed && ::access((dir + "/keeper.sock").c_str(), F_OK) != 0) return UniqueFd();
  // One starter at a time: whoever holds the lock starts the broker, the others then
  // find it listening.
  UniqueFd lock(::open(start_lock_path(dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock || ::flock(lock.get(), LOCK_EX) != 0)
    throw UserError("cannot lock " + start_lock_path(dir) + ": " + std::strerror(errno));
  if (UniqueFd socket = try_connect(socket_path)) return socket;
  start_broker();
  if (UniqueFd socket = try_connect(socket_path)) return socket;
  throw UserError("the broker started but does not accept connections at " + socket_path);
}

// How often a connection closed before the broker's Hello is tried again.
constexpr int kConnectAttempts = 5;

}  // namespace

std::optional<BrokerClient> BrokerClient::connect(bool start_if_needed, const FirstRequest* first) {
  const std::string dir = runtime_dir_path();
  std::string error;
  if (!ensure_private_dir(dir, error)) throw UserError(error);
  for (int attempt = 1;; ++attempt) {
    UniqueFd socket = connect_or_start(dir, start_if_needed);
    if (!socket) return std::nullopt;
    BrokerClient client(std::move(socket));
    if (client.greeted(first)) return client;
    // A broker that exits because it has nothing left to serve closes the connections
    // still waiting in its listen queue; it has done nothing for them, so connecting again
    // is safe and finds the next broker, or none.
    if (attempt == kConnectAttempts)
      throw UserError("the broker closed the connection before answering Hello");
  }
}

bool BrokerClient::greeted(const FirstRequest* first) {
  std::string hello =
      encode_frame(MsgType::Hello, nlohmann::json{{"version", kProtocolVersion}}.dump());
  std::string rest;
  if (first != nullptr) {
    rest = encode_frame(
        first->type, first->payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    // The request's header goes with the Hello (and carries the fds); a Hello and a header
    // are far smaller than the socket buffer, so only a closed peer fails them.
    hello += rest.substr(0, kFrameHeaderSize);
    rest.erase(0, kFrameHeaderSize);
  }
  if (first != nullptr && !first->fds.empty()) {
    if (!pyattach::send_with_fds(socket_.get(), hello, first->fds)) {
      if (errno == EPIPE || errno == ECONNRESET) return false;
      throw UserError("cannot pass file descriptors to the broker: " +
                      std::string(std::strerror(errno)));
    }
  } else if (::send(socket_.get(), hello.data(), hello.size(), MSG_NOSIGNAL) !=
             static_cast<ssize_t>(hello.size())) {
    return false;
  }
  // The broker reads what is sent as it comes; a closed one makes this fail, which the
  // Hello (or its absence) below tells apart.
  const char* bytes = rest.data();
  std::size_t left = rest.size();
  while (left > 0) {
    const ssize_t wrote = ::send(socket_.get(), bytes, left, MSG_NOSIGNAL);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) break;
    bytes += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
  std::optional<Frame> frame;
  while (!(frame = next_frame()))
    if (!read_some()) return false;
  if (frame->type == MsgType::Error) throw_broker_error(*frame);
  if (frame->type != MsgType::Hello)
    throw UserError("protocol error: expected Hello, got " +
                    std::string(msg_type_name(frame->type)));
  return true;
}

void BrokerClient::send(MsgType type, std::string_view payload) {
  write_all(encode_frame(type, payload));
}

void BrokerClient::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t wrote = ::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      throw UserError("lost the connection to the broker: " + std::string(std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<std::size_t>(wrote));
  }
}

void BrokerClient::send_with_fds(MsgType type, const nlohmann::json& payload,
                                 const std::vector<int>& fds) {
  const std::string frame =
      encode_frame(type, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  // The header carries the descriptors; the rest follows as ordinary bytes.
  if (!pyattach::send_with_fds(socket_.get(), std::string_view(frame).substr(0, kFrameHeaderSize),
                               fds))
    throw UserError("cannot pass file descriptors to the broker: " +
                    std::string(std::strerror(errno)));
  write_all(std::string_view(frame).substr(kFrameHeaderSize));
}

void BrokerClient::send_json(MsgType type, const nlohmann::json& payload) {
  send(type, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool BrokerClient::read_some() {
  char chunk[64 * 1024];
  for (;;) {
    const ssize_t got = ::read(socket_.get(), chunk, sizeof chunk);
    if (got > 0) {
      decoder_.feed(std::string_view(chunk, static_cast<std::size_t>(got)));
      return true;
    }
    if (got < 0 && errno == EINTR) continue;
    return false;
  }
}

std::optional<Frame> BrokerClient::next_frame() {
  Frame frame;
  switch (decoder_.next(frame)) {
    case FrameDecoder::Status::Frame:
      return frame;
    case FrameDecoder::Status::NeedMore:
      return std::nullopt;
    case FrameDecoder::Status::Error:
      break;
  }
  throw UserError("malformed message from the broker: " + decoder_.error());
}

Frame BrokerClient::receive() {
  for (;;) {
    if (auto frame = next_frame()) return *frame;
    if (!read_some()) throw UserError("the broker closed the connection");
  }
}

nlohmann::json BrokerClient::expect_started(int output_fd) {
  for (;;) {
    const Frame frame = receive();
    if (frame.type == MsgType::Output) {
      std::string_view bytes = frame.payload;
      while (!bytes.empty()) {
        const ssize_t wrote = ::write(output_fd, bytes.data(), bytes.size());
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote < 0) break;
        bytes.remove_prefix(static_cast<std::size_t>(wrote));
      }
      continue;
    }
    if (frame.type == MsgType::Error) throw_broker_error(frame);
    if (frame.type != MsgType::SessionStarted)
      throw UserError("protocol error: expected SessionStarted, got " +
                      std::string(msg_type_name(frame.type)));
    try {
      return nlohmann::json::parse(frame.payload);
    } catch (const nlohmann::json::exception&) {
      throw UserError("malformed SessionStarted from the broker");
    }
  }
}

void throw_broker_error(const Frame& frame) {
  std::string message = "error from the broker";
  try {
    message = nlohmann::json::parse(frame.payload).at("message").get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  throw UserError(message);
}

nlohmann::json BrokerClient::expect(MsgType type) {
  const Frame frame = receive();
  if (frame.type == MsgType::Error) throw_broker_error(frame);
  if (frame.type != type)
    throw UserError("protocol error: expected " + std::string(msg_type_name(type)) + ", got " +
                    std::string(msg_type_name(frame.type)));
  try {
    return nlohmann::json::parse(frame.payload);
  } catch (const nlohmann::json::exception& e) {
    throw UserError("malformed " + std::string(msg_type_name(type)) + " from the broker");
  }
}

}  // namespace pyattach
