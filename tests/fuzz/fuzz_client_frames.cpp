// libFuzzer target: the client's handling of what the broker sends. A fake broker
// listens at $PYATTACH_DIR/broker.sock, answers each connection with the input's bytes
// and then EOF; the first input byte chooses which client code reads them: `ls`,
// `ls --json`, `kill`, `kill-server`, the `run` path on a terminal (SessionStarted,
// then the terminal proxy) or `attach`.
//
// A bad answer must end the command with an exception (main prints it as one line),
// never a crash, a hang or a wrong signal. stdin and stdout are /dev/null.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include "broker_client.hpp"
#include "commands.hpp"
#include "runtime_dir.hpp"
#include "terminal_proxy.hpp"

namespace {

using pyattach::UniqueFd;

struct FakeBroker {
  std::string dir;
  UniqueFd listener;
};

FakeBroker& fake_broker() {
  static FakeBroker broker;
  return broker;
}

// One connection: the answer, EOF, then whatever the client says until it closes.
void serve_one(int listener, std::string_view answer) {
  UniqueFd client(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  if (!client) std::abort();
  while (!answer.empty()) {
    const ssize_t sent = ::send(client.get(), answer.data(), answer.size(), MSG_NOSIGNAL);
    if (sent <= 0) break;
    answer.remove_prefix(static_cast<std::size_t>(sent));
  }
  ::shutdown(client.get(), SHUT_WR);
  char buffer[4096];
  while (::recv(client.get(), buffer, sizeof buffer, 0) > 0) {
  }
}

// Every connection until `stop` is readable: a client whose connection ends before the
// broker's Hello connects again (BrokerClient::connect), and gets the same answer.
void serve(int listener, int stop, std::string_view answer) {
  for (;;) {
    pollfd waiting[2] = {{listener, POLLIN, 0}, {stop, POLLIN, 0}};
    if (::poll(waiting, 2, -1) < 0) continue;  // EINTR
    if (waiting[1].revents != 0) return;
    serve_one(listener, answer);
  }
}

void run_client(int scenario) {
  switch (scenario) {
    case 0:
      pyattach::command_ls({});
      return;
    case 1:
      pyattach::command_ls({"--json"});
      return;
    case 2:
      pyattach::command_kill({"-s", "INT", "job"});
      return;
    case 3:
      pyattach::command_kill_server({});
      return;
    case 4: {
      auto broker = pyattach::BrokerClient::connect(false);
      const auto started = broker->expect_started(1);
      pyattach::AttachOptions attach{"1", std::nullopt, 0};
      attach.already_attached = true;
      attach.reset_terminal = false;
      pyattach::run_terminal_proxy(*broker, attach);
      return;
    }
    default: {
      auto broker = pyattach::BrokerClient::connect(false);
      pyattach::run_terminal_proxy(*broker, {"job", '\x1c'});
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::signal(SIGPIPE, SIG_IGN);
  const int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(null, 1);
  ::close(null);
  char pattern[] = "/tmp/pyattach-fuzz-client-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) std::abort();
  FakeBroker& broker = fake_broker();
  broker.dir = pattern;
  ::setenv("PYATTACH_DIR", pattern, 1);
  const std::string path = pyattach::broker_socket_path(broker.dir);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  broker.listener.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (::bind(broker.listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(broker.listener.get(), 8) != 0)
    std::abort();
  std::atexit([] { std::filesystem::remove_all(fake_broker().dir); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int scenario = data[0] % 6;
  const std::string_view answer(reinterpret_cast<const char*>(data) + 1, size - 1);
  int stop[2];
  if (::pipe2(stop, O_CLOEXEC) != 0) std::abort();
  const UniqueFd stop_read(stop[0]);
  const UniqueFd stop_write(stop[1]);
  std::thread broker(serve, fake_broker().listener.get(), stop_read.get(), answer);
  try {
    run_client(scenario);
  } catch (const std::exception&) {
    // What main() prints as "pyattach: <message>" with a non-zero status.
  }
  if (::write(stop_write.get(), "x", 1) != 1) std::abort();
  broker.join();
  return 0;
}
