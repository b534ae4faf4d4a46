// Keys typed at the attached client reach the program's terminal like at a real one.

#include <gtest/gtest.h>

#include "broker_test.hpp"

namespace pyattach::e2e {
namespace {

class KeysTest : public BrokerTest {};

TEST_F(KeysTest, CtrlCRaisesKeyboardInterruptInTheProgram) {
  auto client = attach_on_pty({"new", "--", script("ctrl_c.py")});
  ASSERT_TRUE(client->wait_for("ready"));
  client->write("\x03");
  EXPECT_TRUE(client->wait_for("caught KeyboardInterrupt"));
  EXPECT_TRUE(client->exits_with(0));
}

TEST_F(KeysTest, EndOfFileKeyReachesTheProgram) {
  auto client = attach_on_pty({"new", "--", script("interactive.py")});
  ASSERT_TRUE(client->wait_for_screen("ready"));
  client->write("\x04");  // Ctrl-D at the start of a line: input() raises EOFError
  EXPECT_TRUE(client->wait_for("eof"));
  EXPECT_TRUE(client->exits_with(0));
}

}  // namespace
}  // namespace pyattach::e2e
