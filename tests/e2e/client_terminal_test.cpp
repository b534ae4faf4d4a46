// `pyattach attach` hands its terminal to the broker, which writes the session's output
// there and reads the keys from it itself (broker/terminal_output.hpp, terminal_input.hpp):
// the client process is not on the way.

#include <gtest/gtest.h>
#include <signal.h>

#include "broker_test.hpp"

namespace pyattach::e2e {
namespace {

class ClientTerminalTest : public BrokerTest {};

TEST_F(ClientTerminalTest, OutputReachesTheTerminalOfAStoppedClient) {
  ASSERT_TRUE(new_detached("echo", "interactive.py"));
  auto client = attach_on_pty({"attach", "echo"});
  ASSERT_TRUE(client->wait_for_screen("ready"));
  // A stopped client copies nothing; the output must come from the broker itself.
  ASSERT_TRUE(client->kill(SIGSTOP));
  CommandResult sent = pyattach({"send", "-e", "echo", "written while stopped"});
  ASSERT_EQ(sent.code(), 0) << sent.describe();
  EXPECT_TRUE(client->wait_for("got: written while stopped"));
  ASSERT_TRUE(client->kill(SIGCONT));
  client->write("\x1c");  // the detach key
  EXPECT_TRUE(client->exits_with(0));
}

TEST_F(ClientTerminalTest, KeysTypedOnTheTerminalOfAStoppedClientReachTheProgram) {
  ASSERT_TRUE(new_detached("echo", "interactive.py"));
  auto client = attach_on_pty({"attach", "echo"});
  ASSERT_TRUE(client->wait_for_screen("ready"));
  ASSERT_TRUE(client->kill(SIGSTOP));
  client->write("typed while stopped\r");
  EXPECT_TRUE(client->wait_for("got: typed while stopped"));
  // The detach key is the broker's to see too: the client leaves once it runs again.
  client->write("\x1c");
  ASSERT_TRUE(client->kill(SIGCONT));
  EXPECT_TRUE(client->exits_with(0));
  EXPECT_NE(client->output().find("[detached from session echo]"), std::string::npos)
      << client->describe();
}

TEST_F(ClientTerminalTest, TheLastOutputIsOnTheTerminalBeforeTheClientResetsIt) {
  ASSERT_TRUE(new_detached("flood", "flood.py", {"3000000", "--go"}));
  auto client = attach_on_pty({"attach", "flood"});
  ASSERT_TRUE(client->wait_for_screen("waiting"));
  ASSERT_EQ(pyattach({"send", "-e", "flood", "go"}).code(), 0);
  EXPECT_TRUE(client->exits_with(0, std::chrono::seconds(60)));
  // The client resets the terminal's modes once it has the exit status; the broker's
  // writes to the terminal (the end of the flood, or a catch-up redraw) come before that.
  const std::string& output = client->output();
  const auto done = output.rfind("flood done");
  const auto reset = output.rfind(
      "\x1b[0m\x1b[?25h\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1l\x1b>");
  ASSERT_NE(done, std::string::npos) << client->describe();
  ASSERT_NE(reset, std::string::npos) << client->describe();
  EXPECT_LT(done, reset) << client->describe();
}

}  // namespace
}  // namespace pyattach::e2e
