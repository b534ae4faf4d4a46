// pyattach capture: the screen as text, with scrollback, with colours; of a running
// and of an ended session.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "broker_test.hpp"
#include "text_lines.hpp"

namespace pyattach::e2e {
namespace {

class CaptureTest : public BrokerTest {
 protected:
  // Starts colours.py (40 numbered lines, a coloured line, "ready") on a 24x80 screen and
  // waits until it has ended.
  void start_finished_colours() {
    ASSERT_TRUE(new_detached("colours", "colours.py"));
    CommandResult waited = pyattach({"wait", "colours"});
    ASSERT_EQ(waited.code(), 0) << waited.describe();
  }
};

TEST_F(CaptureTest, PlainTextOfTheVisibleScreen) {
  start_finished_colours();
  CommandResult capture = pyattach({"capture", "colours"});
  ASSERT_EQ(capture.code(), 0) << capture.describe();
  EXPECT_TRUE(capture.err.empty()) << capture.describe();
  // 43 rows were used (42 lines and the cursor's): the first 20 scrolled off.
  const auto lines = lines_of(capture.out);
  ASSERT_EQ(lines.size(), 23u) << capture.describe();
  EXPECT_EQ(lines.front(), "line 20");
  EXPECT_EQ(lines[20], "line 40");
  EXPECT_EQ(lines[21], "red text plain bold");
  EXPECT_EQ(lines[22], "ready");
  EXPECT_EQ(capture.out.find('\x1b'), std::string::npos) << capture.describe();
  EXPECT_EQ(capture.out.back(), '\n');
}

TEST_F(CaptureTest, ScrollbackLinesComeFirst) {
  start_finished_colours();
  CommandResult capture = pyattach({"capture", "-S", "5", "colours"});
  ASSERT_EQ(capture.code(), 0) << capture.describe();
  const auto lines = lines_of(capture.out);
  ASSERT_EQ(lines.size(), 28u) << capture.describe();
  EXPECT_EQ(lines[0], "line 15");
  EXPECT_EQ(lines[4], "line 19");
  EXPECT_EQ(lines[5], "line 20");
  EXPECT_EQ(lines.back(), "ready");

  CommandResult everything = pyattach({"capture", "--scrollback", "100000", "colours"});
  ASSERT_EQ(everything.code(), 0) << everything.describe();
  const auto all_lines = lines_of(everything.out);
  ASSERT_EQ(all_lines.size(), 42u) << everything.describe();
  EXPECT_EQ(all_lines.front(), "line 1");
}

TEST_F(CaptureTest, AnsiKeepsColoursAndAttributes) {
  start_finished_colours();
  CommandResult capture = pyattach({"capture", "--ansi", "-S", "2", "colours"});
  ASSERT_EQ(capture.code(), 0) << capture.describe();
  const std::string& out = capture.out;
  const auto red = out.find("red text");
  ASSERT_NE(red, std::string::npos) << capture.describe();
  // An SGR sequence selecting red (31, or 38;5;1) comes before the word.
  const auto sgr = out.rfind("\x1b[", red);
  ASSERT_NE(sgr, std::string::npos) << capture.describe();
  const std::string before = out.substr(sgr, red - sgr);
  EXPECT_TRUE(before.find("31") != std::string::npos || before.find("38;5;1") != std::string::npos)
      << capture.describe();
  // Bold (SGR 1) before "bold"; scrollback lines first.
  const auto bold = out.find("bold", red);
  ASSERT_NE(bold, std::string::npos) << capture.describe();
  const std::string before_bold = out.substr(out.rfind("\x1b[", bold), 8);
  EXPECT_TRUE(before_bold.starts_with("\x1b[1") || before_bold.find(";1") != std::string::npos)
      << capture.describe();
  EXPECT_LT(out.find("line 18"), out.find("line 20")) << capture.describe();
}

TEST_F(CaptureTest, RunningSessionWhileAttached) {
  ASSERT_TRUE(new_detached("live", "colours.py", {"--stay"}));
  auto client = attach_on_pty({"attach", "live"});
  ASSERT_TRUE(client->wait_for_screen("ready"));
  CommandResult capture = pyattach({"capture", "live"});
  ASSERT_EQ(capture.code(), 0) << capture.describe();
  EXPECT_NE(capture.out.find("line 40\nred text plain bold\nready\n"), std::string::npos)
      << capture.describe();
  auto entry = session_entry("live");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "running");
}

// The screen model takes plain text late and leaves out lines that scroll away (screen.hpp);
// a capture and an attach right after a flood must still show its last lines, in order.
TEST_F(CaptureTest, RightAfterAFloodShowsItsLastLines) {
  ASSERT_TRUE(new_detached("flood", "flood.py", {"3000000", "--stay"}));
  CommandResult capture;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    capture = pyattach({"capture", "-S", "2000", "flood"});
    ASSERT_EQ(capture.code(), 0) << capture.describe();
  } while (capture.out.find("flood done") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  const auto lines = lines_of(capture.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "flood done");
  // Lines are 99 characters on 80 columns: a numbered row, then the rest of its line.
  std::vector<long> numbers;
  for (const auto& line : lines) {
    if (line.size() == 80 && line[8] == ' ') numbers.push_back(std::stol(line.substr(0, 8)));
  }
  ASSERT_GT(numbers.size(), 900u) << capture.describe();
  EXPECT_EQ(numbers.back(), 29999);
  for (std::size_t i = 1; i < numbers.size(); ++i) ASSERT_EQ(numbers[i], numbers[i - 1] + 1);

  auto client = attach_on_pty({"attach", "flood"});
  ASSERT_TRUE(client->wait_for_screen("flood done"));
  EXPECT_NE(client->screen_text().find("00029999 xxxx"), std::string::npos) << client->describe();
}

TEST_F(CaptureTest, BadInputIsAOneLineError) {
  ASSERT_TRUE(new_detached("colours", "colours.py", {"--stay"}));
  EXPECT_TRUE(is_one_line_error(pyattach({"capture", "nosuch"}), 1));
  EXPECT_TRUE(is_one_line_error(pyattach({"capture", "-S", "many", "colours"}), 2));
  EXPECT_TRUE(is_one_line_error(pyattach({"capture"}), 2));
  EXPECT_TRUE(broker_still_serving());
}

}  // namespace
}  // namespace pyattach::e2e
