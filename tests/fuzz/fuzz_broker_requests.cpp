// libFuzzer target: a real Broker on its own loop and socket, fed the input as the
// bytes of one client connection. The first input byte holds options: bit 0 attaches
// three descriptors (/dev/null) to the first byte, as `pyattach run` passes its stdio.
// Requests reach the real dispatch, request parsing, sessions (real PTYs) and zygote
// supervisors; zygotes are never started (see fake_spawn.hpp).
//
// Asserted for every input: the broker ends the connection by itself once the client
// has sent everything (no hang), a second client is still served afterwards (List gets
// a ListReply), and after shutdown every libuv handle is closed.

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <uv.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "broker.hpp"
#include "fake_spawn.hpp"
#include "fd_passing.hpp"
#include "frame.hpp"
#include "runtime_dir.hpp"

namespace {

using pyattach::UniqueFd;

std::string& broker_dir() {
  static std::string dir;
  return dir;
}

// An invalid fd if the broker no longer listens (a KillServer request stops it).
UniqueFd connect_to(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (errno == ENOENT) return UniqueFd();
    std::abort();
  }
  return socket;
}

// Sends `bytes` (then EOF) while the loop runs the broker; returns what the broker
// sent until it closed the connection.
std::string converse(uv_loop_t* loop, int socket, std::string_view bytes) {
  std::string received;
  bool input_ended = false;
  char buffer[64 * 1024];
  for (;;) {
    if (!bytes.empty()) {
      const ssize_t sent = ::send(socket, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent > 0) bytes.remove_prefix(static_cast<std::size_t>(sent));
      if (sent < 0 && errno != EAGAIN) bytes = {};  // the broker closed on us
    }
    if (bytes.empty() && !input_ended) {
      ::shutdown(socket, SHUT_WR);
      input_ended = true;
    }
    uv_run(loop, UV_RUN_NOWAIT);
    const ssize_t got = ::recv(socket, buffer, sizeof buffer, MSG_DONTWAIT);
    if (got > 0) received.append(buffer, static_cast<std::size_t>(got));
    if (got == 0 || (got < 0 && errno != EAGAIN)) return received;
  }
}

// The broker must still serve a well-behaved client after whatever came before.
void check_still_serving(uv_loop_t* loop, const std::string& socket_path) {
  UniqueFd client = connect_to(socket_path);
  if (!client) return;
  const std::string request = pyattach::encode_frame(pyattach::MsgType::Hello, R"({"version":1})") +
                              pyattach::encode_frame(pyattach::MsgType::List, "{}");
  const std::string answer = converse(loop, client.get(), request);
  pyattach::FrameDecoder decoder;
  decoder.feed(answer);
  pyattach::Frame hello;
  pyattach::Frame list;
  if (decoder.next(hello) != pyattach::FrameDecoder::Status::Frame ||
      hello.type != pyattach::MsgType::Hello)
    std::abort();
  if (decoder.next(list) != pyattach::FrameDecoder::Status::Frame ||
      list.type != pyattach::MsgType::ListReply)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::signal(SIGPIPE, SIG_IGN);
  char pattern[] = "/tmp/pyattach-fuzz-broker-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) std::abort();
  broker_dir() = pattern;
  std::atexit([] { std::filesystem::remove_all(broker_dir()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool pass_fds = data[0] & 1;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    pyattach::Broker broker(&loop, broker_dir());
    std::string error;
    if (!broker.start(error)) std::abort();
    const std::string socket_path = pyattach::broker_socket_path(broker_dir());
    {
      UniqueFd client = connect_to(socket_path);
      if (!client) std::abort();
      std::string_view rest = bytes;
      if (pass_fds && !rest.empty()) {
        UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
        const int fd = null.get();
        if (!pyattach::send_with_fds(client.get(), rest.substr(0, 1), {fd, fd, fd})) std::abort();
        rest.remove_prefix(1);
      }
      converse(&loop, client.get(), rest);
    }
    check_still_serving(&loop, socket_path);
    broker.shutdown();
    uv_run(&loop, UV_RUN_NOWAIT);
    pyattach::fuzz::take_spawned_zygote_sockets();  // closes them
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) std::abort();  // a handle outlived the broker
  return 0;
}
