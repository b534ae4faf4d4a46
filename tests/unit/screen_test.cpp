// Tests for the session screen model. The main property: a ScreenModel that has been in any
// state and is then fed another ScreenModel's redraw() ends up with exactly the same cells,
// cursor, modes and pen.

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "screen_model.hpp"

namespace pyattach {
namespace {

// Leaves a terminal in as much of a mess as we can: alternate screen, scroll region,
// origin/insert mode, no autowrap, line drawing charset, colours, hidden cursor, odd
// cursor shape, input modes, reverse video, a title, text everywhere.
constexpr std::string_view kGarbage =
    "\x1b[?1049h\x1b[1;3;4;5;7;9;31;44mGARBAGE GARBAGE GARBAGE\r\n"
    "\x1b[2;5r\x1b[?6h\x1b[4h\x1b[?7l\x1b(0qqqq\x0e"
    "xxx\x1b[?25l\x1b[3 q\x1b[?1h\x1b=\x1b[?2004h\x1b[?1003h\x1b[?1006h\x1b[?1004h"
    "\x1b[?5h\x1b]0;garbage title\x07"
    "\x1b#6more garbage\x1b[38;2;1;2;3;48;5;99m";

// Lets gtest print modes readably when they differ (found by argument-dependent lookup).
}  // namespace
void PrintTo(const TerminalModes& m, std::ostream* os) {
  *os << "{ckm=" << m.cursor_keys_application << " kpam=" << m.keypad_application
      << " paste=" << m.bracketed_paste << " focus=" << m.focus_reporting
      << " mouse=" << m.mouse_tracking << "/" << m.mouse_encoding << " rv=" << m.reverse_video
      << " blink=" << m.cursor_blink << " shape=" << m.cursor_shape << "}";
}
namespace {

// Describes a colour for failure messages and comparisons.
std::string describe(const VTermColor& c) {
  if (VTERM_COLOR_IS_DEFAULT_FG(&c)) return "default-fg";
  if (VTERM_COLOR_IS_DEFAULT_BG(&c)) return "default-bg";
  if (VTERM_COLOR_IS_INDEXED(&c)) return "idx" + std::to_string(c.indexed.idx);
  return "rgb(" + std::to_string(c.rgb.red) + "," + std::to_string(c.rgb.green) + "," +
         std::to_string(c.rgb.blue) + ")";
}

// Describes everything about a cell that the redraw must reproduce. The right half of a
// wide character is only a marker, compared as an empty cell: libvterm leaves stale
// attributes in it, and leaves it behind when the left half is overwritten, where it
// shows blank. Which cells wide characters cover is checked by comparing text(), which
// is also why the width libvterm derives from the next cell's marker is not compared.
// (With reverse video on, libvterm reports every cell, blank ones too, as reversed.)
std::string describe(VTermScreenCell cell, bool reverse_video = false) {
  if (cell.chars[0] == 0xffffffff) {
    cell = VTermScreenCell{};
    cell.attrs.reverse = reverse_video;
    cell.fg.type = VTERM_COLOR_DEFAULT_FG;
    cell.bg.type = VTERM_COLOR_DEFAULT_BG;
  }
  std::string s = "chars=";
  // libvterm can leave a combining mark as a cell's first character; the redraw draws it
  // on a space, so that it does not join the character before.
  for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i] != 0; ++i) {
    if (i == 0 && cell.chars[0] == ' ' && cell.chars[1] >= 0x300 && cell.chars[1] <= 0x36f) {
      continue;
    }
    s += std::to_string(cell.chars[i]) + ",";
  }
  s += " bold=" + std::to_string(cell.attrs.bold) + " ul=" + std::to_string(cell.attrs.underline) +
       " it=" + std::to_string(cell.attrs.italic) + " blink=" + std::to_string(cell.attrs.blink) +
       " rev=" + std::to_string(cell.attrs.reverse) +
       " strike=" + std::to_string(cell.attrs.strike) + " font=" + std::to_string(cell.attrs.font) +
       " dwl=" + std::to_string(cell.attrs.dwl) + " dhl=" + std::to_string(cell.attrs.dhl);
  s += " fg=" + describe(cell.fg) + " bg=" + describe(cell.bg);
  return s;
}

// Checks two screens cell by cell, then cursor, modes, pen and title.
void expect_same_screen(const ScreenModel& a, const ScreenModel& b) {
  ASSERT_EQ(a.size(), b.size());
  const WindowSize size = a.size();
  int mismatches = 0;
  for (int row = 0; row < size.rows; ++row) {
    for (int col = 0; col < size.cols; ++col) {
      const std::string cell_a = describe(a.cell(row, col), a.modes().reverse_video);
      const std::string cell_b = describe(b.cell(row, col), b.modes().reverse_video);
      if (cell_a != cell_b && ++mismatches <= 5) {
        ADD_FAILURE() << "cell " << row << "," << col << "\n  A: " << cell_a << "\n  B: " << cell_b;
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(a.cursor().row, b.cursor().row);
  EXPECT_EQ(a.cursor().col, b.cursor().col);
  EXPECT_EQ(a.cursor_visible(), b.cursor_visible());
  EXPECT_EQ(a.alternate_screen(), b.alternate_screen());
  EXPECT_EQ(a.modes(), b.modes());
  EXPECT_EQ(describe(a.pen()), describe(b.pen()));
  if (a.title()) {
    EXPECT_EQ(a.title(), b.title());
  }
  EXPECT_EQ(a.text(), b.text());
}

// The most arguments any CSI sequence in the bytes has (';' and ':' both separate).
std::size_t max_csi_arguments(std::string_view bytes) {
  std::size_t most = 0;
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
    if (bytes[i] != '\x1b' || bytes[i + 1] != '[') continue;
    std::size_t args = 1;
    for (i += 2; i < bytes.size() && (bytes[i] < 0x40 || bytes[i] > 0x7e); ++i) {
      if (bytes[i] == ';' || bytes[i] == ':') ++args;
    }
    most = std::max(most, args);
  }
  return most;
}

// Feeds garbage and then a's redraw into a fresh screen of the same size and compares.
// Also checks the redraw stays within the 16 arguments per sequence that libvterm (and
// other terminals' parsers) can hold.
void expect_round_trip(const ScreenModel& a, std::string_view garbage = kGarbage) {
  const std::string redraw = a.redraw();
  EXPECT_LE(max_csi_arguments(redraw), 16u);
  ScreenModel b(a.size());
  b.feed(garbage);
  b.feed(redraw);
  expect_same_screen(a, b);
}

TEST(ScreenModel, PlainText) {
  ScreenModel a({.rows = 4, .cols = 20});
  a.feed("hello\r\n  world  \r\n\r\nlast");
  EXPECT_EQ(a.text(), "hello\n  world\n\nlast");
  EXPECT_EQ(a.cursor().row, 3);
  EXPECT_EQ(a.cursor().col, 4);
  expect_round_trip(a);
}

TEST(ScreenModel, RoundTripFromFreshTerminal) {
  ScreenModel a({.rows = 5, .cols = 10});
  a.feed("abc\x1b[31mdef\r\n\x1b[1mghi");
  expect_round_trip(a, "");
}

TEST(ScreenModel, ColoursAndAttributes) {
  ScreenModel a({.rows = 8, .cols = 60});
  a.feed(
      "\x1b[31mred\x1b[92mbright\x1b[39m default \x1b[44mbluebg\x1b[103mbrightbg\x1b[49m\r\n"
      "\x1b[38;5;196m256fg\x1b[48;5;22m256bg\x1b[38;5;7m7\x1b[38;5;15m15\x1b[m\r\n"
      "\x1b[38;2;10;20;30mrgb\x1b[48;2;200;100;0mrgbbg\x1b[m plain\r\n"
      "\x1b[1mbold\x1b[3mitalic\x1b[22mnotbold\x1b[23m\x1b[4munder\x1b[4:2mdouble"
      "\x1b[4:3mcurly\x1b[24m\x1b[5mblink\x1b[25m\x1b[7mrev\x1b[27m\x1b[9mstrike\x1b[m\r\n"
      "\x1b[1;4;7;31;42mall\x1b[22;24;27mcolours only\x1b[0m\x1b[11mfont1\x1b[10m\r\n");
  expect_round_trip(a);
  EXPECT_EQ(a.text().substr(0, 30), "redbright default bluebgbright");
}

TEST(ScreenModel, AllAttributesAndTwoRgbColoursAtOnce) {
  // Drawing this cell from the default pen takes 18 SGR arguments: the redraw must split
  // them (fed in two sequences here, as one would be cut by feed()).
  ScreenModel a({.rows = 2, .cols = 10});
  a.feed("\x1b[1;3;4:3;5;7;9;11m\x1b[38;2;1;2;3;48;2;4;5;6mX\x1b[m");
  const VTermScreenCell x = a.cell(0, 0);
  EXPECT_TRUE(x.attrs.bold && x.attrs.italic && x.attrs.blink && x.attrs.reverse && x.attrs.strike);
  EXPECT_EQ(x.attrs.underline, static_cast<unsigned>(VTERM_UNDERLINE_CURLY));
  EXPECT_EQ(x.attrs.font, 1u);
  EXPECT_TRUE(VTERM_COLOR_IS_RGB(&x.fg));
  EXPECT_TRUE(VTERM_COLOR_IS_RGB(&x.bg));
  expect_round_trip(a);
}

TEST(ScreenModel, BlankCellsWithBackgroundStayEmpty) {
  ScreenModel a({.rows = 4, .cols = 20});
  // Erase with a coloured pen (BCE), erase a few characters in the middle of text, and
  // a reversed space (a real character).
  a.feed("\x1b[44m\x1b[2K\x1b[m\r\nabcdefghij\x1b[5G\x1b[41;1m\x1b[3X\x1b[m\r\n\x1b[7m \x1b[m");
  expect_round_trip(a);
  EXPECT_EQ(a.cell(0, 19).chars[0], 0u);
  EXPECT_EQ(a.cell(2, 0).chars[0], static_cast<uint32_t>(' '));
}

TEST(ScreenModel, WideAndCombiningCharacters) {
  ScreenModel a({.rows = 4, .cols = 10});
  a.feed(
      "\xe4\xb8\xad\xe6\x96\x87x"       // 中文x
      "e\xcc\x81"                       // e + combining acute
      "a\xcc\x81\xcc\xa7\r\n"           // a + two combining marks
      "\x1b[32m\xf0\x9f\x98\x80\x1b[m"  // emoji, coloured
      "1234567\xe4\xb8\xad");           // wide character that has to wrap
  EXPECT_EQ(a.cell(0, 0).width, 2);
  EXPECT_EQ(a.cell(0, 1).chars[0], 0xffffffffu);
  EXPECT_EQ(a.cell(0, 5).chars[0], static_cast<uint32_t>('e'));
  EXPECT_EQ(a.cell(0, 5).chars[1], 0x301u);
  expect_round_trip(a);
  EXPECT_EQ(a.text(),
            "\xe4\xb8\xad\xe6\x96\x87xe\xcc\x81"
            "a\xcc\x81\xcc\xa7\n"
            "\xf0\x9f\x98\x80"
            "1234567\n\xe4\xb8\xad\n");
}

TEST(ScreenModel, WideCharacterEndingInLastColumn) {
  ScreenModel a({.rows = 2, .cols = 6});
  a.feed("abcd\xe4\xb8\xad\x1b[2;1Hxyzw\xe4\xb8\xad");
  expect_round_trip(a);
}

TEST(ScreenModel, WideCharacterWithOverwrittenHalfDoesNotShiftTheRow) {
  // libvterm keeps the left half and calls it one column wide; a terminal drawing the
  // wide character advances two, so the redraw must put the cursor back for "x".
  ScreenModel a({.rows = 2, .cols = 10});
  a.feed("\xe4\xb8\xad\x1b[1;2Hxyz");
  EXPECT_EQ(a.cell(0, 0).width, 1);
  EXPECT_EQ(a.cell(0, 1).chars[0], static_cast<uint32_t>('x'));
  expect_round_trip(a);
}

TEST(ScreenModel, WideCharacterCutByResizeIsNotDrawnInLastColumn) {
  ScreenModel a({.rows = 2, .cols = 5});
  a.feed("abc\xe4\xb8\xad");
  a.resize({.rows = 2, .cols = 4});
  ASSERT_EQ(a.cell(0, 3).chars[0], 0x4e2du);
  ASSERT_EQ(a.cell(0, 3).width, 1);
  // Drawn in the last column it would wrap or land elsewhere; it is left blank.
  ScreenModel b(a.size());
  b.feed(kGarbage);
  b.feed(a.redraw());
  EXPECT_EQ(b.text(), "abc\n");
  EXPECT_EQ(b.cell(0, 3).chars[0], 0u);
}

TEST(ScreenModel, LastColumnOfLastRowDoesNotScroll) {
  ScreenModel a({.rows = 3, .cols = 5});
  a.feed("top\x1b[3;1H\x1b[41mabcde\x1b[m");
  ScreenModel b(a.size());
  b.feed(kGarbage);
  b.feed(a.redraw());
  expect_same_screen(a, b);
  EXPECT_EQ(b.text(), "top\n\nabcde");
  EXPECT_EQ(b.scrollback_lines(), 0u);
}

TEST(ScreenModel, FullScreenOfText) {
  ScreenModel a({.rows = 3, .cols = 4});
  a.feed("abcdefghijkl");  // exactly fills the screen; the cursor waits in the last cell
  EXPECT_EQ(a.text(), "abcd\nefgh\nijkl");
  expect_round_trip(a);
}

TEST(ScreenModel, AlternateScreenWithPrimaryBehindIt) {
  ScreenModel a({.rows = 5, .cols = 20});
  a.feed("$ vim\r\n\x1b[1mprimary\x1b[m line");
  a.feed("\x1b[?1049h\x1b[H\x1b[2J\x1b[7malt\x1b[m text\x1b[3;4H");
  ASSERT_TRUE(a.alternate_screen());

  ScreenModel b(a.size());
  b.feed(kGarbage);
  b.feed(a.redraw());
  expect_same_screen(a, b);
  EXPECT_TRUE(b.alternate_screen());
  EXPECT_EQ(b.text(), "alt text\n\n\n\n");

  // When the application leaves the alternate screen, the primary screen comes back on
  // the terminal that was only ever sent the redraw.
  a.feed("\x1b[?1049l");
  b.feed("\x1b[?1049l");
  EXPECT_FALSE(b.alternate_screen());
  EXPECT_EQ(b.text(), "$ vim\nprimary line\n\n\n");
  expect_same_screen(a, b);
  // And a redraw after leaving reproduces the primary screen directly.
  expect_round_trip(a);
}

TEST(ScreenModel, AlternateScreenEnteredBySplitSequence) {
  ScreenModel a({.rows = 3, .cols = 10});
  a.feed("shell\r\n$ ");
  a.feed("\x1b[?10");
  a.feed("49h");
  a.feed("app");
  ASSERT_TRUE(a.alternate_screen());
  ScreenModel b(a.size());
  b.feed(a.redraw());
  a.feed("\x1b[?1049l");
  b.feed("\x1b[?1049l");
  EXPECT_EQ(b.text(), "shell\n$\n");
  expect_same_screen(a, b);
}

TEST(ScreenModel, AlternateScreenWithoutCursorSave) {
  ScreenModel a({.rows = 3, .cols = 10});
  a.feed("one\r\ntwo\x1b[?1047hAAA\x1b[?47h\x1b[2;2H");
  ASSERT_TRUE(a.alternate_screen());
  ScreenModel b(a.size());
  b.feed(kGarbage);
  b.feed(a.redraw());
  expect_same_screen(a, b);
  a.feed("\x1b[?1047l");
  b.feed("\x1b[?1047l");
  expect_same_screen(a, b);
  EXPECT_EQ(b.text(), "one\ntwo\n");
}

TEST(ScreenModel, AlternateScreenLeftAndEnteredAgainInOneChunk) {
  ScreenModel a({.rows = 3, .cols = 12});
  a.feed("\x1b[?1049hfirst app\x1b[?1049l\r\nprompt$ \x1b[?1049hsecond");
  ScreenModel b(a.size());
  b.feed(a.redraw());
  a.feed("\x1b[?1049l");
  b.feed("\x1b[?1049l");
  expect_same_screen(a, b);
  EXPECT_EQ(b.text(), "\nprompt$\n");
}

TEST(ScreenModel, HiddenCursorAndCursorShape) {
  ScreenModel a({.rows = 3, .cols = 10});
  a.feed("x\x1b[?25l\x1b[6 q\x1b[2;7H");
  EXPECT_FALSE(a.cursor_visible());
  ScreenModel b(a.size());
  b.feed(a.redraw());
  EXPECT_FALSE(b.cursor_visible());
  EXPECT_EQ(b.modes().cursor_shape, VTERM_PROP_CURSORSHAPE_BAR_LEFT);
  EXPECT_FALSE(b.modes().cursor_blink);
  expect_same_screen(a, b);

  a.feed("\x1b[?25h\x1b[0 q");
  expect_round_trip(a);
}

TEST(ScreenModel, InputModes) {
  ScreenModel a({.rows = 3, .cols = 10});
  a.feed("\x1b[?1h\x1b=\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?1004h");
  const TerminalModes m = a.modes();
  EXPECT_TRUE(m.cursor_keys_application);
  EXPECT_TRUE(m.keypad_application);
  EXPECT_TRUE(m.bracketed_paste);
  EXPECT_TRUE(m.focus_reporting);
  EXPECT_EQ(m.mouse_tracking, 1002);
  EXPECT_EQ(m.mouse_encoding, 1006);
  expect_round_trip(a, "");

  a.feed("\x1b[?1006l\x1b[?1015h\x1b[?1003h");
  EXPECT_EQ(a.modes().mouse_encoding, 1015);
  expect_round_trip(a);

  // All off again: the redraw must switch off what the garbage switched on.
  a.feed("\x1b[?1l\x1b>\x1b[?2004l\x1b[?1003l\x1b[?1015l\x1b[?1004l");
  EXPECT_EQ(a.modes(), TerminalModes{});
  expect_round_trip(a);
}

TEST(ScreenModel, ReverseVideo) {
  ScreenModel a({.rows = 3, .cols = 10});
  a.feed("\x1b[?5hnormal\x1b[7mrev\x1b[m");
  EXPECT_TRUE(a.modes().reverse_video);
  expect_round_trip(a);
}

TEST(ScreenModel, PenCarriesOverToLiveOutput) {
  ScreenModel a({.rows = 3, .cols = 10});
  a.feed("x\x1b[1;4;38;5;100;48;2;1;2;3m");
  ScreenModel b(a.size());
  b.feed(kGarbage);
  b.feed(a.redraw());
  expect_same_screen(a, b);
  a.feed("y");
  b.feed("y");
  expect_same_screen(a, b);
}

TEST(ScreenModel, Title) {
  ScreenModel a({.rows = 3, .cols = 10});
  EXPECT_EQ(a.redraw().find("\x1b]"), std::string::npos);
  a.feed("\x1b]0;python3\x07");
  ASSERT_TRUE(a.title());
  EXPECT_EQ(*a.title(), "python3");
  expect_round_trip(a);
  a.feed("\x1b]2;other\x1b\\");
  ScreenModel b(a.size());
  b.feed(a.redraw());
  EXPECT_EQ(b.title(), std::optional<std::string>("other"));
}

TEST(ScreenModel, DoubleWidthLine) {
  ScreenModel a({.rows = 4, .cols = 20});
  a.feed("\x1b#6wide\r\n\x1b#3top\r\n\x1b#4top\r\nnormal");
  expect_round_trip(a);
}

TEST(ScreenModel, RecoversFromPartialSequences) {
  ScreenModel a({.rows = 3, .cols = 10});
  a.feed("\x1b[32mok\x1b[m");
  for (const std::string_view partial :
       {"\x1b[12;", "\x1b]2;half a title", "\x1bP1$", "\x1b", "\xe4\xb8", "\x1b[?104"}) {
    SCOPED_TRACE(testing::PrintToString(std::string(partial)));
    std::string garbage(kGarbage);
    garbage += partial;
    expect_round_trip(a, garbage);
  }
}

TEST(ScreenModel, QueriesLeaveTheScreenAlone) {
  // libvterm answers these through the output callback, which drops the answers.
  ScreenModel a({.rows = 3, .cols = 10});
  a.feed("\x1b[c\x1b[>c\x1b[6n\x1b[5nok");
  EXPECT_EQ(a.text(), "ok\n\n");
  EXPECT_FALSE(a.modes().bracketed_paste);
}

TEST(ScreenModel, SequencesWithTooManyArgumentsDoNotCrash) {
  // libvterm 0.1.4 overflows its 16-entry argument array (SIGSEGV) on a 17th argument;
  // feed() cuts such sequences to 16 arguments. Without that, this test crashes.
  ScreenModel a({.rows = 3, .cols = 40});
  std::string many = "\x1b[1";
  for (int i = 0; i < 40; ++i) many += ";1";
  a.feed(many + "mbold\r\n");
  EXPECT_EQ(a.cell(0, 0).attrs.bold, 1u);  // the first arguments still apply
  a.feed("\x1b[m\x1b[38:2:59:66:97;48:2:36:40:59;58:2:224:175:104;4:3mrgb\x1b[m\r\n");
  a.feed("\x1b[?1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1h");
  // Split over feeds, and with a C0 control in the middle (which does not end it).
  a.feed("\x1b[1;1;1;1;1;1;1;1;1;1");
  a.feed(";1;1;1;1\r;1;1;1;1;1;1;1;1;1;1;1;1mend");
  EXPECT_EQ(a.text(), "bold\nrgb\nend");
  // CAN aborts a sequence, so what follows is text even if it has many ';'.
  ScreenModel b({.rows = 1, .cols = 40});
  b.feed("\x1b[1\x18;;;;;;;;;;;;;;;;;;;;x");
  EXPECT_EQ(b.text(), ";;;;;;;;;;;;;;;;;;;;x");
  expect_round_trip(a);
}

TEST(ScreenModel, ScrollbackKeepsScrolledLines) {
  ScreenModel a({.rows = 10, .cols = 20});
  for (int i = 1; i <= 100; ++i) a.feed("line " + std::to_string(i) + "\r\n");
  // 100 line feeds on 10 rows: lines 1..91 scrolled off, 92..100 and an empty row remain.
  EXPECT_EQ(a.scrollback_lines(), 91u);
  EXPECT_EQ(a.scrollback_text(3), "line 89\nline 90\nline 91");
  EXPECT_EQ(a.scrollback_text(1000).substr(0, 14), "line 1\nline 2\n");
  EXPECT_EQ(a.text().substr(0, 16), "line 92\nline 93\n");
  EXPECT_EQ(a.scrollback_text(0), "");
  expect_round_trip(a);
}

TEST(ScreenModel, ScrollbackKeepsAttributes) {
  ScreenModel a({.rows = 2, .cols = 20});
  a.feed("\x1b[31mred\x1b[m plain \x1b[44m  \x1b[m\r\n\r\n\r\n");
  ASSERT_EQ(a.scrollback_lines(), 2u);
  EXPECT_EQ(a.scrollback_styled(2), "\x1b[31mred\x1b[m plain \x1b[44m  \x1b[m\r\n\r\n");
  EXPECT_EQ(a.scrollback_text(2), "red plain   \n");
}

TEST(ScreenModel, StyledTextOfTheVisibleScreen) {
  ScreenModel a({.rows = 3, .cols = 20});
  a.feed("\x1b[1;31mbold red\x1b[m plain\r\n\x1b[38;5;99;44mx\x1b[m \xe4\xb8\xad\x1b[3;1H   ");
  EXPECT_EQ(a.styled_text(),
            "\x1b[1;31mbold red\x1b[m plain\r\n"
            "\x1b[38;5;99;44mx\x1b[m \xe4\xb8\xad\r\n"
            "\r\n");
  // A blank cell with a background colour is kept (as a space); the pen is reset at the end.
  a.feed("\x1b[3;4H\x1b[42m \x1b[m");
  EXPECT_TRUE(a.styled_text().ends_with("\r\n   \x1b[42m \x1b[m\r\n"));
}

TEST(ScreenModel, ScrollbackLimit) {
  ScreenModel a({.rows = 10, .cols = 20}, 5);
  for (int i = 1; i <= 100; ++i) a.feed("line " + std::to_string(i) + "\r\n");
  EXPECT_EQ(a.scrollback_lines(), 5u);
  EXPECT_EQ(a.scrollback_text(100), "line 87\nline 88\nline 89\nline 90\nline 91");

  ScreenModel none({.rows = 2, .cols = 5}, 0);
  none.feed("a\r\nb\r\nc\r\nd\r\n");
  EXPECT_EQ(none.scrollback_lines(), 0u);
}

TEST(ScreenModel, NoScrollbackFromAlternateScreen) {
  ScreenModel a({.rows = 3, .cols = 10});
  a.feed("\x1b[?1049h");
  for (int i = 0; i < 20; ++i) a.feed("alt\r\n");
  EXPECT_EQ(a.scrollback_lines(), 0u);
}

TEST(ScreenModel, Resize) {
  ScreenModel a({.rows = 5, .cols = 10});
  a.feed("abc\r\ndef");
  a.resize({.rows = 8, .cols = 30});
  EXPECT_EQ(a.size(), (WindowSize{.rows = 8, .cols = 30}));
  a.feed("\x1b[8;25Hcorner");
  EXPECT_EQ(a.text(), "abc\ndef\n\n\n\n\n\n                        corner");
  expect_round_trip(a);

  a.resize({.rows = 3, .cols = 4});
  EXPECT_EQ(a.size(), (WindowSize{.rows = 3, .cols = 4}));
  expect_round_trip(a);
}

TEST(ScreenModel, ResizeInAlternateScreen) {
  ScreenModel a({.rows = 5, .cols = 10});
  a.feed("primary\x1b[?1049halt");
  a.resize({.rows = 3, .cols = 6});
  expect_round_trip(a);
  a.resize({.rows = 6, .cols = 12});
  expect_round_trip(a);
}

TEST(ScreenModel, FullScreenScrollKeepsRowsInOrder) {
  // Many more lines than rows: the ring wraps around several times.
  ScreenModel a({.rows = 4, .cols = 10});
  for (int i = 1; i <= 23; ++i)
    a.feed("\x1b[3" + std::to_string(i % 8) + "mrow " + std::to_string(i) + "\x1b[m\r\n");
  EXPECT_EQ(a.text(), "row 21\nrow 22\nrow 23\n");
  EXPECT_EQ(a.scrollback_text(2), "row 19\nrow 20");
  EXPECT_EQ(a.cell(2, 0).fg.indexed.idx, 23 % 8);
  // Scrolling back down (RI at the top, SD) brings blank rows in at the top.
  a.feed("\x1b[H\x1bM\x1b[T");
  EXPECT_EQ(a.text(), "\n\nrow 21\nrow 22");
  expect_round_trip(a);
}

TEST(ScreenModel, ScrollRegionMovesOnlyItsRows) {
  ScreenModel a({.rows = 6, .cols = 10});
  a.feed("top\r\n1\r\n2\r\n3\r\n4\r\nstatus");
  // DECSTBM 2..5, then scroll it up twice from its bottom line and down once with RI.
  a.feed("\x1b[2;5r\x1b[5;1H\n\nnew\x1b[2;1H\x1bMins");
  EXPECT_EQ(a.text(), "top\nins\n3\n4\n\nstatus");
  EXPECT_EQ(a.scrollback_lines(), 0u);  // a region not at the top pushes nothing
  // IL and DL inside the region.
  a.feed("\x1b[3;1H\x1b[L\x1b[5;1H\x1b[M");
  EXPECT_EQ(a.text(), "top\nins\n\n3\n\nstatus");
  expect_round_trip(a);
  // A region starting at the top row sends what leaves it to the scrollback.
  a.feed("\x1b[1;3r\x1b[3;1H\n");
  EXPECT_EQ(a.scrollback_text(1), "top");
  EXPECT_EQ(a.text(), "ins\n\n\n3\n\nstatus");
}

TEST(ScreenModel, InsertAndDeleteCharactersMoveCellsInTheRow) {
  ScreenModel a({.rows = 2, .cols = 10});
  a.feed("abcdef\x1b[1;3H\x1b[2@XY\x1b[2;1Hhello\x1b[2;2H\x1b[3P");
  EXPECT_EQ(a.text(), "abXYcdef\nho");
  expect_round_trip(a);
}

TEST(ScreenModel, WideAndCombiningCharactersSurviveScrollbackAndRedraw) {
  ScreenModel a({.rows = 2, .cols = 12});
  // U+4E2D (wide), e + U+0301, a + U+0300 + U+0323, U+1F600 (wide).
  const std::string line = "\xe4\xb8\xad e\xcc\x81 a\xcc\x80\xcc\xa3 \xf0\x9f\x98\x80";
  a.feed(line + "\r\n" + line);
  EXPECT_EQ(a.text(), line + "\n" + line);
  EXPECT_EQ(a.cell(0, 5).chars[0], static_cast<uint32_t>('a'));
  EXPECT_EQ(a.cell(0, 5).chars[1], 0x300u);
  EXPECT_EQ(a.cell(0, 5).chars[2], 0x323u);
  EXPECT_TRUE(a.styled_text().starts_with(line + "\r\n"));
  expect_round_trip(a);
  a.feed("\r\n");
  EXPECT_EQ(a.scrollback_text(1), line);
  EXPECT_EQ(a.scrollback_styled(1), line + "\r\n");
}

TEST(ScreenModel, ManyDistinctCombinedGlyphsDoNotPileUp) {
  ScreenModel a({.rows = 2, .cols = 4});
  // Thousands of different glyphs, each soon overwritten: the table is collected, and
  // the glyphs still on the screen are right afterwards.
  for (uint32_t base = 0x4100; base < 0x4100 + 5000; ++base) {
    std::string glyph = "\r";
    glyph += static_cast<char>(0xe0 | (base >> 12));
    glyph += static_cast<char>(0x80 | ((base >> 6) & 0x3f));
    glyph += static_cast<char>(0x80 | (base & 0x3f));
    a.feed(glyph + "\xcc\x81");
  }
  a.feed("\r\ne\xcc\x81");
  EXPECT_EQ(a.cell(0, 0).chars[0], 0x4100u + 4999);
  EXPECT_EQ(a.cell(0, 0).chars[1], 0x301u);
  EXPECT_EQ(a.cell(1, 0).chars[0], static_cast<uint32_t>('e'));
  EXPECT_EQ(a.cell(1, 0).chars[1], 0x301u);
  expect_round_trip(a);
}

TEST(ScreenModel, AlternateScreenRoundTripKeepsThePrimaryScreen) {
  ScreenModel a({.rows = 4, .cols = 20});
  a.feed("\x1b[1mshell\x1b[m prompt\r\nsecond line");
  const std::string primary_text = a.text();
  a.feed("\x1b[?1049h\x1b[H\x1b[44mfull screen\x1b[3;1Hmenu");
  EXPECT_TRUE(a.alternate_screen());
  EXPECT_EQ(a.text(), "full screen\n\nmenu\n");
  expect_round_trip(a);
  a.feed("\x1b[?1049l");
  EXPECT_FALSE(a.alternate_screen());
  EXPECT_EQ(a.text(), primary_text);
  EXPECT_EQ(a.cursor().row, 1);
  EXPECT_EQ(a.cursor().col, 11);
  EXPECT_EQ(a.cell(0, 0).attrs.bold, 1u);
  expect_round_trip(a);
  // Entering again starts from a clear alternate screen.
  a.feed("\x1b[?1049h");
  EXPECT_EQ(a.text(), "\n\n\n");
}

TEST(ScreenModel, ResizeKeepsContentLikeTmux) {
  ScreenModel a({.rows = 5, .cols = 10});
  a.feed("1\r\n2\r\n3\r\n4\r\n5");
  // Fewer rows with the cursor on the last one: the top rows go to the scrollback.
  a.resize({.rows = 3, .cols = 10});
  EXPECT_EQ(a.text(), "3\n4\n5");
  EXPECT_EQ(a.scrollback_text(10), "1\n2");
  EXPECT_EQ(a.cursor().row, 2);
  // More rows: new blank rows at the bottom, the cursor stays on its line.
  a.resize({.rows = 5, .cols = 10});
  EXPECT_EQ(a.text(), "3\n4\n5\n\n");
  EXPECT_EQ(a.cursor().row, 2);
  // Blank rows below the cursor are dropped first, before any line is pushed.
  a.resize({.rows = 3, .cols = 10});
  EXPECT_EQ(a.text(), "3\n4\n5");
  EXPECT_EQ(a.scrollback_lines(), 2u);
  // Narrower cuts rows on the right, wider brings no text back but keeps the rest.
  a.feed("\x1b[1;1Habcdefghij");
  a.resize({.rows = 3, .cols = 4});
  EXPECT_EQ(a.text(), "abcd\n4\n5");
  a.resize({.rows = 3, .cols = 8});
  EXPECT_EQ(a.text(), "abcd\n4\n5");
  expect_round_trip(a);
}

TEST(ScreenModel, ScrollbackLimitKeepsTheNewestLines) {
  ScreenModel a({.rows = 3, .cols = 30}, 50);
  for (int i = 1; i <= 10000; ++i) a.feed("\x1b[32mline " + std::to_string(i) + "\x1b[m\r\n");
  EXPECT_EQ(a.scrollback_lines(), 50u);
  EXPECT_EQ(a.scrollback_text(1), "line 9998");
  EXPECT_EQ(a.scrollback_styled(1), "\x1b[32mline 9998\x1b[m\r\n");
  EXPECT_EQ(a.scrollback_text(50).substr(0, 10), "line 9949\n");
}

// Random mixes of text, SGR, cursor movement, erasing, wide and combining characters and
// scrolling; every state reached must survive the round trip.
TEST(ScreenModel, RandomRoundTrips) {
  std::mt19937 rng(12345);
  // (\0337 and \0338 are ESC 7 and ESC 8: save and restore the cursor.)
  // clang-format off
  const std::vector<std::string> pieces = {
      "a", "hello ", "\r\n", "\xe4\xb8\xad", "e\xcc\x81", "\x1b[m", "\x1b[1m", "\x1b[3;4m",
      "\x1b[7m", "\x1b[31m", "\x1b[104m", "\x1b[38;5;77m", "\x1b[48;2;9;8;7m", "\x1b[39;49m",
      "\x1b[K", "\x1b[1K", "\x1b[2J", "\x1b[3X", "\x1b[H", "\x1b[5;7H", "\x1b[2A", "\x1b[4C",
      "\x1b[2P", "\x1b[2@", "\x1b[L", "\x1b[M", "\x1b[S", "\x1b[T", "\t", "\b", "\x1b[?25l",
      "\x1b[?25h", "\x1b[?1049h", "\x1b[?1049l", "xyzzy", "\x1b[2;6r", "\x1b[r", "\x1b[20G",
      "\x1b[?1h", "\x1b[?1l", "\x1bM", "\x1b[?5h", "\x1b[?5l", "\x1b[4h", "\x1b[4l", "\0337",
      "\0338", "\x1b[?2004h", "\x1b[?1002h", "\x1b[?1006h", "\x1b[4 q", "\x1b(0lqk\x1b(B",
      "\x1b[99Cx", "\x1b[1;2;3;4;5;7;9m", "\x1b[90;107m", "\xf0\x9f\x98\x80", "\x1b]2;t\x07"};
  // clang-format on
  for (int round = 0; round < 200; ++round) {
    ScreenModel a({.rows = 6, .cols = 20});
    std::string input;
    for (int i = 0; i < 120; ++i) input += pieces[rng() % pieces.size()];
    a.feed(input);
    SCOPED_TRACE("round " + std::to_string(round));
    expect_round_trip(a);
    if (testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace pyattach

namespace pyattach {
namespace {

// libvterm 0.1.4 loops forever on a REP (CSI b) when the glyph to repeat has a width below
// 1: nothing drawn yet, or a C1 control. Such a REP is ignored, as xterm ignores it; after
// a glyph it repeats it. (Before, four bytes of a program's output hung the broker.)
TEST(ScreenModel, ARepeatWithNothingToRepeatIsIgnored) {
  // (U+0085, a C1 control, is a glyph of width -1 to libvterm 0.1.4.)
  for (const std::string prefix : {"",
                                   "\x1b"
                                   "c",
                                   "\xc2\x85", "e\xcc\x81", "\x1b[2J\x1b[H"}) {
    SCOPED_TRACE(testing::PrintToString(prefix));
    ScreenModel screen(WindowSize{5, 20});
    screen.feed(prefix + "\x1b[5b" + "ok");  // returns
    EXPECT_NE(screen.text().find('k'), std::string::npos);
  }
  ScreenModel screen(WindowSize{5, 20});
  screen.feed("ab\x1b[3bc");
  EXPECT_EQ(screen.text().substr(0, 6), "abbbbc");
  ScreenModel after_mark(WindowSize{5, 20});
  after_mark.feed("e\xcc\x81\x1b[2b.");
  EXPECT_EQ(after_mark.text().substr(0, after_mark.text().find('.') + 1),
            "e\xcc\x81"
            "e\xcc\x81"
            "e\xcc\x81.");
}

}  // namespace
}  // namespace pyattach
