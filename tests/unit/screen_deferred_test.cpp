// A screen fed late and in large pieces, leaving out lines of long stretches of plain text
// (broker/screen.*, ScreenModel::feed_plain_text), must end in exactly the state of a model
// fed every byte as it came. The oracle is a ScreenModel fed one byte at a time: a piece
// that small never has lines to leave out. Each stream is compared with it fed to a
// ScreenModel whole, and to deferring Screens in random pieces; the streams sit around the
// line counts where leaving out starts, and around everything that makes it unsafe.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "screen.hpp"
#include "screen_model.hpp"

namespace pyattach {
namespace {

constexpr WindowSize kSize{.rows = 5, .cols = 20};
constexpr std::size_t kLimit = 7;
// Line feeds a stretch needs before anything is left out (ScreenModel::feed_complete):
// a screenful, the probe line, one line, then a screenful and the scrollback.
constexpr std::size_t kWorth = 2 * 5 + kLimit + 2;

// `count` numbered lines, each `width` characters, ending in `ending`.
std::string lines(int count, int width = 10, const std::string& ending = "\r\n", int first = 0) {
  std::string out;
  for (int i = first; i < first + count; ++i) {
    std::string line = "L" + std::to_string(i) + " ";
    while (static_cast<int>(line.size()) < width) line += static_cast<char>('a' + i % 26);
    line.resize(static_cast<std::size_t>(width));
    out += line + ending;
  }
  return out;
}

template <typename A, typename B>
void expect_same(const A& oracle, const B& subject) {
  EXPECT_EQ(oracle.text(), subject.text());
  EXPECT_EQ(oracle.styled_text(), subject.styled_text());
  EXPECT_EQ(oracle.scrollback_lines(), subject.scrollback_lines());
  EXPECT_EQ(oracle.scrollback_text(100000), subject.scrollback_text(100000));
  EXPECT_EQ(oracle.scrollback_styled(100000), subject.scrollback_styled(100000));
  EXPECT_EQ(oracle.redraw(), subject.redraw());
  EXPECT_EQ(oracle.cursor().row, subject.cursor().row);
  EXPECT_EQ(oracle.cursor().col, subject.cursor().col);
  EXPECT_EQ(oracle.modes(), subject.modes());
  EXPECT_EQ(oracle.alternate_screen(), subject.alternate_screen());
  EXPECT_EQ(oracle.cursor_visible(), subject.cursor_visible());
  EXPECT_EQ(oracle.title(), subject.title());
  const VTermScreenCell pen_a = oracle.pen();
  const VTermScreenCell pen_b = subject.pen();
  EXPECT_EQ(pen_a.attrs.bold, pen_b.attrs.bold);
  EXPECT_TRUE(vterm_color_is_equal(&pen_a.fg, &pen_b.fg));
  EXPECT_TRUE(vterm_color_is_equal(&pen_a.bg, &pen_b.bg));
}

// Compares every way of feeding `stream` with the oracle; returns the bytes the whole feed
// left out, so that a test can say whether leaving out had to happen. libvterm 0.1.4 loses a
// title (OSC) given to it a byte at a time: with one in the stream, each way of feeding is
// compared with a model that draws every line fed the same pieces instead.
std::size_t expect_like_byte_by_byte(const std::string& stream, WindowSize size = kSize,
                                     std::size_t limit = kLimit) {
  const bool strings = stream.find("\x1b]") != std::string::npos;
  ScreenModel oracle(size, limit, false);
  for (const char c : stream) oracle.feed(std::string_view(&c, 1));

  ScreenModel every_line(size, limit, false);
  every_line.feed(stream);
  ScreenModel whole(size, limit);
  whole.feed(stream);
  {
    SCOPED_TRACE("model fed whole");
    if (strings) {
      expect_same(every_line, whole);
    } else {
      expect_same(oracle, whole);
    }
  }
  std::mt19937 random(static_cast<unsigned>(stream.size()));
  for (const std::size_t defer : {std::size_t{64}, std::size_t{1000}, Screen::kDefaultDeferBytes}) {
    Screen deferred(size, limit, defer);
    Screen deferred_every_line(size, limit, defer, false);
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t n = std::min(stream.size() - at, std::size_t{1} + random() % 300);
      deferred.feed(std::string_view(stream).substr(at, n));
      deferred_every_line.feed(std::string_view(stream).substr(at, n));
      at += n;
    }
    SCOPED_TRACE("deferred, " + std::to_string(defer) + " bytes at most");
    expect_same(deferred_every_line, deferred);
    if (!strings) expect_same(oracle, deferred);
  }
  return whole.bytes_left_out();
}

TEST(ScreenDeferred, LineCountsAroundWhereLeavingOutStarts) {
  for (int count = 1; count <= static_cast<int>(kWorth) + 12; ++count) {
    SCOPED_TRACE("lines: " + std::to_string(count));
    const std::size_t left_out = expect_like_byte_by_byte(lines(count));
    // Below kWorth line feeds nothing may be left out; from kWorth + 1 something is.
    if (count < static_cast<int>(kWorth)) {
      EXPECT_EQ(left_out, 0u);
    } else if (count > static_cast<int>(kWorth)) {
      EXPECT_GT(left_out, 0u);
    }
  }
}

TEST(ScreenDeferred, UnfinishedLastLineAndExactlyTheScreenAndScrollback) {
  for (int count : {17, 18, 19, 20, 21, 30}) {
    SCOPED_TRACE("lines: " + std::to_string(count));
    expect_like_byte_by_byte(lines(count) + "partial");
    expect_like_byte_by_byte("start " + lines(count));
    EXPECT_GT(expect_like_byte_by_byte(lines(count + 12)), 0u);
  }
}

TEST(ScreenDeferred, LinesThatWrap) {
  for (int width : {19, 20, 21, 39, 40, 41, 55}) {
    SCOPED_TRACE("width: " + std::to_string(width));
    EXPECT_GT(expect_like_byte_by_byte(lines(40, width)), 0u);
    expect_like_byte_by_byte(lines(40, width) + std::string(25, 'w'));
  }
}

TEST(ScreenDeferred, CursorAnywhereBefore) {
  for (const std::string start : {"\x1b[1;1H", "\x1b[3;7H", "\x1b[5;20H", "\x1b[5;20Hx", "abc"}) {
    SCOPED_TRACE(start);
    EXPECT_GT(expect_like_byte_by_byte(start + lines(40)), 0u);
  }
}

TEST(ScreenDeferred, ColoursBeforeAndEscapesAfter) {
  // The pen (a background colour) colours the rows that scroll in.
  EXPECT_GT(expect_like_byte_by_byte("\x1b[1;31;44mred\r\n" + lines(40) + "\x1b[m"), 0u);
  EXPECT_GT(expect_like_byte_by_byte("\x1b[7m" + lines(40)), 0u);
  EXPECT_GT(expect_like_byte_by_byte(lines(40) + "\x1b[2;3Hxy\x1b[1mbold\x1b[K\r\n" + lines(3)),
            0u);
  // A combining character or REP right after: libvterm's last glyph must be the same.
  // (Not REP right after a combining character, nor before any glyph: libvterm 0.1.4
  // never returns from those.)
  EXPECT_GT(expect_like_byte_by_byte(lines(40) + "\xcc\x81"), 0u);
  EXPECT_GT(expect_like_byte_by_byte(lines(40) + "\x1b[3b"), 0u);
  EXPECT_GT(expect_like_byte_by_byte(lines(40) + "\x1b[5;3H\xcc\x81"), 0u);
  expect_like_byte_by_byte("e" + std::string(30, '\n') + "\x1b[1;2H\xcc\x81");
  expect_like_byte_by_byte(lines(40) + std::string(30, '\r') + "\r\n\r\n\x1b[3b");
}

TEST(ScreenDeferred, UnsafeStatesLeaveNothingOut) {
  const std::string flood = lines(60);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"alternate screen", "\x1b[?1049h" + flood + "\x1b[?1049l"},
      {"scroll region", "\x1b[2;4r" + flood},
      {"scroll region at the top", "\x1b[1;4r" + flood},
      {"left and right margins", "\x1b[?69h\x1b[3;15s" + flood},
      {"inside a title", "\x1b]0;title " + flood + "\x07"},
      {"inside a DCS string", "\x1bP" + flood + "\x1b\\"},
      {"line feeds only", lines(60, 10, "\n")},
  };
  for (const auto& [name, stream] : cases) {
    SCOPED_TRACE(name);
    EXPECT_EQ(expect_like_byte_by_byte(stream), 0u);
  }
}

TEST(ScreenDeferred, OtherStatesStayExact) {
  const std::string flood = lines(60);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"full scroll region", "\x1b[1;5r" + flood},
      {"origin mode", "\x1b[?6h" + flood},
      {"origin mode and region", "\x1b[2;5r\x1b[?6h" + flood},
      {"insert mode", "\x1b[4h" + flood},
      {"no autowrap", "\x1b[?7l" + lines(60, 30)},
      {"newline mode", "\x1b[20h" + lines(60, 10, "\n")},
      {"double-width bottom row", "\x1b[5;1H\x1b#6wide" + flood},
      {"double-width rows above", "\x1b#6top\r\n\x1b#3tall\r\n" + flood},
      {"single shift waiting", "\x1b*0\x1bN" + flood},
      {"line drawing characters", "\x1b(0" + flood},
      {"inside a CSI", "\x1b[" + flood},
      {"inside a CSI with digits", "\x1b[12" + std::string(30, '\n') + "3" + flood},
      {"after ESC (", "\x1b(" + std::string(30, '\n') + flood},
      {"mixed line endings", lines(10, 10, "\n") + flood + lines(10, 10, "\n") + flood},
      {"UTF-8 between stretches", flood + "\xc3\xa9\xe4\xb8\xad" + flood + "\xe4\xb8"},
      {"UTF-8 cut at a stretch", "\xe4\xb8" + flood + "\xc3"},
      {"blank lines", std::string(60, '\n') + std::string(60, '\r') + "\r\n\r\n\r\n"},
      {"hidden cursor and a title", "\x1b[?25l\x1b]2;t\x07" + flood},
  };
  for (const auto& [name, stream] : cases) {
    SCOPED_TRACE(name);
    expect_like_byte_by_byte(stream);
  }
}

TEST(ScreenDeferred, NoScrollbackAndTinyScreens) {
  EXPECT_GT(expect_like_byte_by_byte(lines(40), kSize, 0), 0u);
  expect_like_byte_by_byte(lines(40, 3), WindowSize{.rows = 1, .cols = 1}, 2);
  expect_like_byte_by_byte(lines(40, 3), WindowSize{.rows = 1, .cols = 2}, 2);
  expect_like_byte_by_byte(lines(40, 3), WindowSize{.rows = 2, .cols = 3}, 0);
}

TEST(ScreenDeferred, RealSizeFlood) {
  // What the benchmark sends: 100-byte lines on 120x40 with 2000 lines of scrollback.
  const std::string stream = "\x1b[32mgo\x1b[m\r\n" + lines(6000, 98) + "END";
  EXPECT_GT(expect_like_byte_by_byte(stream, WindowSize{.rows = 40, .cols = 120}, 2000), 0u);
}

TEST(ScreenDeferred, RandomMixtures) {
  const std::vector<std::string> pieces = {
      lines(25),           lines(7, 23), "\x1b[31m",       "\x1b[m",    "\x1b[?1049h",
      "\x1b[?1049l",       "\x1b[2;4r",  "\x1b[r",         "\x1b[3;3H", "\xc3\xa9",
      "\xe4\xb8\xad",      "\n\n\n",     "\x1b]0;t",       "\x07",      "\xcc\x81",
      lines(30, 10, "\n"), "\x1b[4h",    "\x1b[4l",        "\x1b#6",    "\x1b[?7l",
      "\x1b[?7h",          "\t\b",       "\x1b[44m\x1b[2J"};
  std::mt19937 random(77);
  for (int round = 0; round < 60; ++round) {
    std::string stream;
    for (int part = 0; part < 14; ++part) stream += pieces[random() % pieces.size()];
    SCOPED_TRACE("round " + std::to_string(round));
    expect_like_byte_by_byte(stream);
  }
}

TEST(ScreenDeferred, ReadersFeedWhatWaits) {
  Screen screen(kSize, kLimit);
  screen.feed(lines(3));
  EXPECT_GT(screen.unsettled_bytes(), 0u);
  EXPECT_EQ(screen.cursor().row, 3);
  EXPECT_EQ(screen.unsettled_bytes(), 0u);
  screen.feed("L3 more");
  EXPECT_NE(screen.text().find("L3 more"), std::string::npos);
  screen.feed("\r\n");
  EXPECT_EQ(screen.scrollback_lines(), 0u);
  screen.feed(lines(10));
  EXPECT_EQ(screen.scrollback_lines(), kLimit);  // 10 lines scrolled off, 7 kept
}

TEST(ScreenDeferred, OnlyPlainTextAtTheEndWaits) {
  Screen screen(kSize, kLimit);
  screen.feed("abc\x1b[31mdef");
  EXPECT_EQ(screen.unsettled_bytes(), std::string("[31mdef").size());
  screen.feed("x\xc3\xa9");
  EXPECT_EQ(screen.unsettled_bytes(), 0u);
  screen.feed("\x1b[?1049h");
  EXPECT_TRUE(screen.alternate_screen());
}

TEST(ScreenDeferred, ResizeFeedsAtTheOldSizeFirst) {
  const std::string before = lines(30, 15);
  const std::string after = lines(30, 33, "\r\n", 30);
  ScreenModel oracle(kSize, kLimit);
  for (const char c : before) oracle.feed(std::string_view(&c, 1));
  oracle.resize(WindowSize{.rows = 8, .cols = 12});
  for (const char c : after) oracle.feed(std::string_view(&c, 1));
  Screen deferred(kSize, kLimit);
  deferred.feed(before);
  deferred.resize(WindowSize{.rows = 8, .cols = 12});
  deferred.feed(after);
  expect_same(oracle, deferred);
}

// Screen::size() does not feed what waits: only resize() changes the size.
TEST(ScreenDeferred, ColumnModeDoesNotResize) {
  ScreenModel model(kSize, kLimit);
  model.feed("\x1b[?3h");
  EXPECT_EQ(model.size(), kSize);
  model.feed("\x1b[?3l\x1b[8;40;100t");
  EXPECT_EQ(model.size(), kSize);
}

}  // namespace
}  // namespace pyattach
