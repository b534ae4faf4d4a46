// Full-screen programs: the alternate screen, positions and colours survive detach and
// re-attach, because the broker redraws from its screen model.

#include <gtest/gtest.h>

#include "broker_test.hpp"

namespace pyattach::e2e {
namespace {

class FullScreenTest : public BrokerTest {};

// Red or green as a terminal would show it: a palette index or an RGB value.
bool is_colour(VTermColor colour, int index) {
  if (VTERM_COLOR_IS_INDEXED(&colour)) {
    return colour.indexed.idx == index || colour.indexed.idx == index + 8;
  }
  if (!VTERM_COLOR_IS_RGB(&colour)) return false;
  const int r = colour.rgb.red, g = colour.rgb.green, b = colour.rgb.blue;
  return index == 1 ? (r > 128 && g < 100 && b < 100) : (g > 128 && r < 100 && b < 100);
}

// What fullscreen.py draws, as seen on the client's terminal.
void expect_drawing(const PtyProcess& client) {
  const std::string text = client.screen_text();
  EXPECT_TRUE(client.screen().alternate_screen()) << client.describe();
  EXPECT_NE(text.find("\n\n\n\n         RED TEXT\n"), std::string::npos) << client.describe();
  EXPECT_NE(text.find("\n                   GREEN BOLD\n"), std::string::npos) << client.describe();
  EXPECT_EQ(text.find("primary screen"), std::string::npos) << client.describe();
  VTermScreenCell red = client.screen().cell(4, 9);
  EXPECT_EQ(red.chars[0], static_cast<uint32_t>('R'));
  EXPECT_TRUE(is_colour(red.fg, 1)) << "RED TEXT is not red\n" << client.describe();
  VTermScreenCell green = client.screen().cell(6, 19);
  EXPECT_EQ(green.chars[0], static_cast<uint32_t>('G'));
  EXPECT_TRUE(is_colour(green.fg, 2)) << "GREEN BOLD is not green\n" << client.describe();
  EXPECT_TRUE(green.attrs.bold) << "GREEN BOLD is not bold\n" << client.describe();
  VTermScreenCell plain = client.screen().cell(9, 0);
  EXPECT_EQ(plain.chars[0], static_cast<uint32_t>('f'));
  EXPECT_FALSE(plain.attrs.bold);
}

TEST_F(FullScreenTest, AlternateScreenPositionsAndColoursAreRedrawnOnEachAttach) {
  ASSERT_TRUE(new_detached("vis", "fullscreen.py"));
  {
    auto client = attach_on_pty({"attach", "vis"});
    ASSERT_TRUE(client->wait_for_screen("fullscreen ready"));
    expect_drawing(*client);
    client->write("\x1c");
    ASSERT_TRUE(client->exits_with(0));
  }
  auto client = attach_on_pty({"attach", "vis"});
  ASSERT_TRUE(client->wait_for_screen("fullscreen ready"));
  expect_drawing(*client);
}

TEST_F(FullScreenTest, LeavingTheAlternateScreenAfterReattachShowsThePrimaryScreen) {
  ASSERT_TRUE(new_detached("vis", "fullscreen.py"));
  auto client = attach_on_pty({"attach", "vis"});
  ASSERT_TRUE(client->wait_for_screen("fullscreen ready"));
  client->write("\r");
  EXPECT_TRUE(client->wait_for_screen("left fullscreen"));
  EXPECT_FALSE(client->screen().alternate_screen());
  EXPECT_NE(client->screen_text().find("primary screen: printed before going full-screen"),
            std::string::npos)
      << "the primary screen behind the alternate one was not restored\n"
      << client->describe();
}

}  // namespace
}  // namespace pyattach::e2e
