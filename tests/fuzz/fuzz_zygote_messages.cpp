// libFuzzer target: the broker's side of a zygote (Zygote::on_readable and
// handle_message) fed datagrams as a zygote would send them. The input is split at
// '\n' into datagrams; one starting with '@' carries a descriptor (/dev/null), which
// the broker must close. Two spawn requests are queued first, so "ready" sends them
// and "spawned"/"spawn-failed"/"exited" find requests in flight.
//
// Asserted for every input: each spawn request is answered exactly once, or stays in
// flight while the zygote is still there; the zygote's socket is handled to its end;
// no descriptor is left open and every libuv handle closes.

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <uv.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "broker.hpp"
#include "fake_spawn.hpp"
#include "fd_passing.hpp"
#include "zygote.hpp"

namespace {

using pyattach::UniqueFd;

std::string& broker_dir() {
  static std::string dir;
  return dir;
}

int open_fd_count() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++count;
  return count;
}

// Sends one datagram, running the loop while the socket is full.
void send_datagram(uv_loop_t* loop, int socket, std::string_view datagram, int fd) {
  if (datagram.empty()) datagram = " ";  // a zero-length datagram would read as the end
  for (;;) {
    const bool sent = fd >= 0 ? pyattach::send_with_fds(socket, datagram, {fd})
                              : ::send(socket, datagram.data(), datagram.size(),
                                       MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
    if (sent || (errno != EAGAIN && errno != EWOULDBLOCK)) return;
    uv_run(loop, UV_RUN_NOWAIT);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::signal(SIGPIPE, SIG_IGN);
  char pattern[] = "/tmp/pyattach-fuzz-zygote-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) std::abort();
  broker_dir() = pattern;
  std::atexit([] { std::filesystem::remove_all(broker_dir()); });
  // libuv opens a few descriptors for good with its first loop: not a leak of ours.
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_loop_close(&loop);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fds_before = open_fd_count();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    pyattach::Broker broker(&loop, broker_dir());
    pyattach::Profile profile;
    profile.python = "/nonexistent/python3";
    profile.preload = {"numpy"};
    auto zygote =
        std::make_unique<pyattach::Zygote>(broker, 1, profile, std::chrono::seconds(1800));
    std::string error;
    if (!zygote->start(broker_dir() + "/zygote.py", {"PATH=/usr/bin"}, error)) std::abort();
    auto sockets = pyattach::fuzz::take_spawned_zygote_sockets();
    if (sockets.size() != 1) std::abort();
    UniqueFd zygote_end = std::move(sockets.front());
    ::fcntl(zygote_end.get(), F_SETFL, O_NONBLOCK);

    int answers[2] = {0, 0};
    for (int id : {1, 2}) {
      UniqueFd slave(::open("/dev/null", O_RDWR | O_CLOEXEC));
      std::vector<UniqueFd> fds;
      fds.push_back(std::move(slave));
      zygote->spawn(id, {{"mode", "pty"}, {"argv", {"x.py"}}, {"cwd", "/"}}, std::move(fds),
                    [&answers, id](pid_t, const std::string&) { ++answers[id - 1]; });
    }

    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    while (!input.empty()) {
      const std::size_t end = input.find('\n');
      std::string_view datagram = input.substr(0, end);
      input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
      const bool with_fd = !datagram.empty() && datagram.front() == '@';
      if (with_fd) datagram.remove_prefix(1);
      send_datagram(&loop, zygote_end.get(), datagram, with_fd ? null.get() : -1);
      uv_run(&loop, UV_RUN_NOWAIT);
      // Spawn requests sent to the zygote are read and dropped.
      char buffer[64 * 1024];
      while (::recv(zygote_end.get(), buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
      }
    }
    zygote_end.reset();  // end of stream: the broker stops reading this zygote
    uv_run(&loop, UV_RUN_DEFAULT);
    for (int count : answers)
      if (count > 1) std::abort();
    const bool failed = zygote->state() == pyattach::Zygote::State::Failed;
    zygote.reset();
    // A failed zygote answered everything; a live one answers the rest with its end.
    if (failed && (answers[0] != 1 || answers[1] != 1)) std::abort();
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) std::abort();
  if (open_fd_count() != fds_before) std::abort();  // a descriptor leaked
  return 0;
}
