// The program's terminal has the attached client's size and follows it (SIGWINCH).

#include <gtest/gtest.h>

#include "broker_test.hpp"

namespace pyattach::e2e {
namespace {

class WindowSizeTest : public BrokerTest {};

TEST_F(WindowSizeTest, ProgramSeesTheClientsSizeAndFollowsItsResize) {
  auto client = attach_on_pty({"new", "--", script("winsize.py")}, WindowSize{40, 120});
  ASSERT_TRUE(client->wait_for("size 120x40"));
  ASSERT_TRUE(client->wait_for("ready"));

  client->resize(WindowSize{30, 100});
  EXPECT_TRUE(client->wait_for("winch 100x30"));
  client->write("\r");
  EXPECT_TRUE(client->wait_for("size 100x30"));
}

TEST_F(WindowSizeTest, AttachingGivesTheSessionTheNewClientsSize) {
  ASSERT_TRUE(new_detached("sized", "winsize.py"));
  {
    // First make sure the program is running (its SIGWINCH handler installed).
    auto first = attach_on_pty({"attach", "sized"}, WindowSize{24, 80});
    ASSERT_TRUE(first->wait_for_screen("ready"));
    first->write("\x1c");
    ASSERT_TRUE(first->exits_with(0));
  }
  auto client = attach_on_pty({"attach", "sized"}, WindowSize{50, 132});
  ASSERT_TRUE(client->wait_for_screen("ready"));
  client->write("\r");
  EXPECT_TRUE(client->wait_for("size 132x50"));
  EXPECT_TRUE(client->wait_for_screen("winch 132x50"));
}

}  // namespace
}  // namespace pyattach::e2e
