// Finding stretches of plain text and the places to cut them (broker/text_stretch.*).

#include "text_stretch.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pyattach {
namespace {

constexpr auto npos = std::string_view::npos;

TEST(TextStretch, FindsTheFirstStretchWithEnoughLineFeeds) {
  const std::string bytes = "a\nb\n\x1b[mc\r\nd\r\ne\r\n\xc3\xa9x\n";
  EXPECT_FALSE(find_text_stretch(bytes, 4));
  const auto two = find_text_stretch(bytes, 2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->begin, 0u);
  EXPECT_EQ(two->end, 4u);  // up to the ESC
  EXPECT_EQ(two->line_feeds, 2u);
  const auto three = find_text_stretch(bytes, 3);
  ASSERT_TRUE(three);
  EXPECT_EQ(bytes.substr(three->begin, three->end - three->begin), "[mc\r\nd\r\ne\r\n");
  EXPECT_EQ(three->line_feeds, 3u);
}

TEST(TextStretch, ControlsAndNonAsciiEndAStretch) {
  for (const char c : {'\t', '\b', '\x07', '\x7f', '\x00', '\x0e', '\x18', '\x80'}) {
    const std::string bytes = std::string("a\n") + c + "b\n";
    const auto found = find_text_stretch(bytes, 1);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->end, 2u) << int(c);
  }
}

TEST(TextStretch, AStretchMayEndTheBytes) {
  const auto found = find_text_stretch("\x1bxy\n\n", 2);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->begin, 1u);
  EXPECT_EQ(found->end, 5u);
}

TEST(TextStretch, AfterLineFeed) {
  EXPECT_EQ(after_line_feed("a\nb\nc", 1), 2u);
  EXPECT_EQ(after_line_feed("a\nb\nc", 2), 4u);
  EXPECT_EQ(after_line_feed("a\nb\nc", 3), npos);
  EXPECT_EQ(after_line_feed("abc", 0), 0u);
}

TEST(TextStretch, CutFollowsACarriageReturnLineFeed) {
  const std::string text = "a\r\nb\nc\r\nd\r\n";
  EXPECT_EQ(cut_keeping_line_feeds(text, 0), text.size());
  EXPECT_EQ(cut_keeping_line_feeds(text, 1), 8u);  // after "c\r\n"
  // Two line feeds after the cut: "b\n" ends without CR, so the cut moves back to "a\r\n".
  EXPECT_EQ(cut_keeping_line_feeds(text, 2), 3u);
  EXPECT_EQ(cut_keeping_line_feeds(text, 3), 3u);
  EXPECT_EQ(cut_keeping_line_feeds(text, 4), npos);
}

}  // namespace
}  // namespace pyattach
