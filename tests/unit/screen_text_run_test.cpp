// The screen model writes long runs of printable ASCII into its grid itself instead of
// giving libvterm one glyph at a time (ScreenModel::write_text_run). Runs shorter than 16 bytes
// always go to libvterm, so a stream fed one byte at a time is modelled by libvterm alone:
// the oracle. Every stream here, fed in one piece and in random pieces, must give the same
// screen, scrollback and redraw as fed byte by byte.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "screen_model.hpp"

namespace pyattach {
namespace {

constexpr WindowSize kSize{.rows = 6, .cols = 40};

std::string line_of(char c, std::size_t n) {
  return std::string(n, c);
}

const std::string kLong = "The quick brown fox jumps over the lazy dog, again and again.";

// Feeds `stream` into a screen in pieces of the sizes `next_piece` gives.
template <typename NextPiece>
ScreenModel& feed_in_pieces(ScreenModel& screen, std::string_view stream, NextPiece next_piece) {
  while (!stream.empty()) {
    const std::size_t n = std::min(stream.size(), next_piece());
    screen.feed(stream.substr(0, n));
    stream.remove_prefix(n);
  }
  return screen;
}

void expect_same(const ScreenModel& oracle, const ScreenModel& fast, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(oracle.text(), fast.text());
  EXPECT_EQ(oracle.styled_text(), fast.styled_text());
  EXPECT_EQ(oracle.scrollback_styled(1000), fast.scrollback_styled(1000));
  EXPECT_EQ(oracle.redraw(), fast.redraw());
  EXPECT_EQ(oracle.cursor().row, fast.cursor().row);
  EXPECT_EQ(oracle.cursor().col, fast.cursor().col);
}

void expect_like_byte_by_byte(const std::string& stream) {
  ScreenModel oracle(kSize);
  feed_in_pieces(oracle, stream, [] { return std::size_t{1}; });
  ScreenModel whole(kSize);
  whole.feed(stream);
  expect_same(oracle, whole, "fed whole");
  std::mt19937 random(static_cast<unsigned>(stream.size()));
  for (int round = 0; round < 4; ++round) {
    ScreenModel pieces(kSize);
    feed_in_pieces(pieces, stream, [&] { return std::size_t{1} + random() % 70; });
    expect_same(oracle, pieces, "fed in pieces, round " + std::to_string(round));
  }
}

// Each of these is something that changes how text is drawn, around long runs of text.
const std::vector<std::pair<std::string, std::string>> kCases = {
    {"lines that scroll",
     [] {
       std::string s;
       for (int i = 0; i < 30; ++i)
         s += "line " + std::to_string(i) + " " + kLong.substr(0, 25) + "\r\n";
       return s;
     }()},
    {"lines longer than the row wrap", kLong + kLong + kLong + "\r\n" + kLong + kLong},
    {"text from the middle of a row", "\x1b[3;17H" + kLong + "\x1b[1;39H" + kLong},
    {"colours change inside lines",
     "\x1b[1;31m" + kLong + "\x1b[0;44m" + kLong + "\x1b[m\r\n" + kLong},
    {"line drawing charset",
     "\x1b(0" + kLong + "\x1b(B" + kLong + "\x1b)0\x0e" + kLong + "\x0f" + kLong},
    {"UK charset", "\x1b(A#### pounds ######## and more\x1b(B#### hashes ##########"},
    {"single shift", "\x1b*0\x1bN" + kLong + "\x1bO" + kLong},
    {"locking shift to G2", "\x1b*0\x1bn" + kLong + "\x1b(B" + kLong + "\x0f" + kLong},
    {"insert mode", kLong + "\r\x1b[4h" + kLong + "\x1b[4l\r\n" + kLong},
    {"no autowrap", "\x1b[?7l" + kLong + kLong + "\x1b[?7h\r\n" + kLong + kLong},
    {"title and strings", "\x1b]0;" + kLong + "\x07" + kLong + "\x1bP" + kLong + "\x1b\\" + kLong +
                              "\x1b]2;" + kLong + "\x1b\\" + kLong},
    {"text inside a sequence", "\x1b[" + line_of('1', 20) + ";" + line_of('2', 20) + "H" + kLong},
    {"cancelled sequence",
     "\x1b[12"
     "\x18" +
         kLong + "\x1b]0;abc\x1a" + kLong},
    {"protected cells", "\x1b[1\"q" + kLong + "\x1b[0\"q" + kLong + "\x1b[?2J"},
    {"double-width line", "\x1b#6" + kLong + "\r\n\x1b#3" + kLong + "\r\n" + kLong},
    {"left and right margins", "\x1b[?69h\x1b[5;30s" + kLong + kLong + "\x1b[?69l" + kLong},
    {"soft reset", "\x1b(0\x1b[!p" + kLong +
                       "\x1b"
                       "c" +
                       kLong},
    {"combining mark after a run", kLong + "\xcc\x81" + kLong + "e\xcc\x81"},
    {"wide characters around runs", "\xe4\xb8\xad" + kLong + "\xe4\xb8\xad\xe4\xb8\xad" + kLong},
    {"repeat the last character", kLong + "\x1b[5b" + kLong},
    {"alternate screen", kLong + "\x1b[?1049h" + kLong + kLong + "\x1b[?1049l" + kLong},
    {"scroll region",
     "\x1b[2;4r" + kLong + "\r\n" + kLong + "\r\n" + kLong + "\r\n" + kLong + "\x1b[r"},
    {"tabs and backspace", kLong + "\t\t" + kLong + "\b\b\b" + kLong},
    {"invalid UTF-8 before text", "\xe4\xb8" + kLong + "\xc3" + kLong},
    {"DEL and C1 bytes in text", kLong + "\x7f" + kLong + "\xc2\x9b" + kLong},
};

TEST(ScreenTextRun, SameAsLibvtermGlyphByGlyph) {
  for (const auto& [name, stream] : kCases) {
    SCOPED_TRACE(name);
    expect_like_byte_by_byte(stream);
  }
}

// Random mixtures of the cases, cut anywhere.
TEST(ScreenTextRun, RandomMixturesSameAsGlyphByGlyph) {
  std::mt19937 random(1234);
  for (int round = 0; round < 40; ++round) {
    std::string stream;
    for (int part = 0; part < 12; ++part) {
      const auto& piece = kCases[random() % kCases.size()].second;
      const std::size_t from = random() % piece.size();
      stream += piece.substr(from, random() % (piece.size() - from + 1));
    }
    SCOPED_TRACE("round " + std::to_string(round));
    expect_like_byte_by_byte(stream);
  }
}

}  // namespace
}  // namespace pyattach
