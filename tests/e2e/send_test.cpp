// pyattach send: input for a session without attaching, from arguments or stdin.

#include <gtest/gtest.h>

#include "broker_test.hpp"

namespace pyattach::e2e {
namespace {

class SendTest : public BrokerTest {};

TEST_F(SendTest, TextArgumentsArriveJoinedBySpaces) {
  ASSERT_TRUE(new_detached("job", "interactive.py"));
  auto client = attach_on_pty({"attach", "-r", "job"});
  ASSERT_TRUE(client->wait_for_screen("ready"));
  // No Enter unless asked: the second send completes the first one's line.
  CommandResult first = pyattach({"send", "job", "hello", "there"});
  ASSERT_EQ(first.code(), 0) << first.describe();
  EXPECT_TRUE(first.out.empty() && first.err.empty()) << first.describe();
  CommandResult second = pyattach({"send", "--enter", "job", "", "world"});
  ASSERT_EQ(second.code(), 0) << second.describe();
  EXPECT_TRUE(client->wait_for("got: hello there world"));
}

TEST_F(SendTest, StandardInputUntilEndOfFile) {
  ASSERT_TRUE(new_detached("job", "interactive.py"));
  auto client = attach_on_pty({"attach", "-r", "job"});
  ASSERT_TRUE(client->wait_for_screen("ready"));
  CommandOptions options;
  options.stdin_data = "first line\nsecond line\nexit 9\n";
  CommandResult sent = pyattach({"send", "job"}, options);
  ASSERT_EQ(sent.code(), 0) << sent.describe();
  EXPECT_TRUE(client->wait_for("got: first line"));
  EXPECT_TRUE(client->wait_for("got: second line"));
  EXPECT_TRUE(client->exits_with(9));
}

TEST_F(SendTest, DashTextAfterDoubleDash) {
  ASSERT_TRUE(new_detached("job", "interactive.py"));
  ASSERT_EQ(pyattach({"send", "-e", "job", "--", "-n", "x"}).code(), 0);
  ASSERT_EQ(pyattach({"send", "-e", "job", "exit 0"}).code(), 0);
  ASSERT_EQ(pyattach({"wait", "job"}).code(), 0);
  EXPECT_NE(pyattach({"capture", "job"}).out.find("got: -n x"), std::string::npos);
}

TEST_F(SendTest, BadTargetsAreOneLineErrors) {
  ASSERT_TRUE(new_detached("ended", "exit_with.py", {"exit", "0"}));
  ASSERT_EQ(pyattach({"wait", "ended"}).code(), 0);
  CommandResult to_ended = pyattach({"send", "ended", "text"});
  EXPECT_TRUE(is_one_line_error(to_ended, 1));
  EXPECT_NE(to_ended.err.find("has ended"), std::string::npos) << to_ended.describe();
  EXPECT_TRUE(is_one_line_error(pyattach({"send", "nosuch", "text"}), 1));
  EXPECT_TRUE(is_one_line_error(pyattach({"send"}), 2));
  EXPECT_TRUE(broker_still_serving());
}

}  // namespace
}  // namespace pyattach::e2e
