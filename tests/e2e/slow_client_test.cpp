// A client that stops reading never slows the program: the broker keeps a bounded queue
// per client and catches a client that fell behind up with a redraw.

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "broker_test.hpp"

namespace pyattach::e2e {
namespace {

class SlowClientTest : public BrokerTest {};

// The resident memory of a process in KiB, from /proc; 0 if unknown.
long resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    long value = 0;
    if (key == "VmRSS:" && status >> value) return value;
    std::getline(status, key);
  }
  return 0;
}

TEST_F(SlowClientTest, StoppedClientDoesNotBlockAFloodingProgram) {
  constexpr std::size_t kTotal = 50 * 1000 * 1000;
  ASSERT_TRUE(new_detached("flood", "flood.py", {std::to_string(kTotal), "--go"}));
  auto client = attach_on_pty({"attach", "flood"});
  ASSERT_TRUE(client->wait_for_screen("waiting"));
  ASSERT_TRUE(client->kill(SIGSTOP));

  // The whole 50 MB flood finishes while the client reads nothing: were the program
  // blocked by it, `wait` would never return (it stays stopped until after).
  ASSERT_EQ(pyattach({"send", "-e", "flood", "go"}).code(), 0);
  CommandOptions options;
  options.timeout = std::chrono::seconds(50);
  CommandResult waited = pyattach({"wait", "flood"}, options);
  EXPECT_EQ(waited.code(), 0) << waited.describe();
  // Nor did the broker buffer the flood for it.
  const auto broker = broker_pid();
  ASSERT_TRUE(broker);
  EXPECT_LT(resident_kib(*broker), 64 * 1024) << "broker RSS in KiB";

  // Once it reads again, it is caught up: the final screen, then the status.
  ASSERT_TRUE(client->kill(SIGCONT));
  EXPECT_TRUE(client->exits_with(0, std::chrono::seconds(30)));
  EXPECT_NE(client->screen_text().find("flood done"), std::string::npos) << client->describe();
}

}  // namespace
}  // namespace pyattach::e2e
