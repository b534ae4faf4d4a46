#include "screen.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <new>
#include <span>

namespace pyattach {
namespace {

// libvterm marks the right half of a double-width character with this "character".
constexpr uint32_t kWideRightHalf = 0xffffffff;

// The SGR state of a cell or of the pen: what an SGR sequence can set.
struct Pen {
  bool bold = false;
  bool italic = false;
  bool blink = false;
  bool reverse = false;
  bool strike = false;
  int underline = VTERM_UNDERLINE_OFF;
  int font = 0;
  VTermColor fg{.type = VTERM_COLOR_DEFAULT_FG};
  VTermColor bg{.type = VTERM_COLOR_DEFAULT_BG};
};

// Colours compare equal when both are "the default" (whatever RGB value libvterm gives
// the default), or when they are the same index or the same RGB triple. Inline rather
// than vterm_color_is_equal(): it runs twice per cell of every line scrolled off.
bool same_color(const VTermColor& a, const VTermColor& b) {
  const int default_a = a.type & VTERM_COLOR_DEFAULT_MASK;
  const int default_b = b.type & VTERM_COLOR_DEFAULT_MASK;
  if (default_a != 0 || default_b != 0) return default_a == default_b;
  if (VTERM_COLOR_IS_INDEXED(&a) != VTERM_COLOR_IS_INDEXED(&b)) return false;
  if (VTERM_COLOR_IS_INDEXED(&a)) return a.indexed.idx == b.indexed.idx;
  return a.rgb.red == b.rgb.red && a.rgb.green == b.rgb.green && a.rgb.blue == b.rgb.blue;
}

// Whether two pens would draw a character the same way.
bool same_pen(const Pen& a, const Pen& b) {
  return a.bold == b.bold && a.italic == b.italic && a.blink == b.blink && a.reverse == b.reverse &&
         a.strike == b.strike && a.underline == b.underline && a.font == b.font &&
         same_color(a.fg, b.fg) && same_color(a.bg, b.bg);
}

// Whether a pen is what SGR 0 gives, so drawing with it needs no SGR at all.
bool is_default(const Pen& pen) {
  return same_pen(pen, Pen{});
}

// The pen of a cell. With DECSCNM on, libvterm reports every cell's reverse flag flipped;
// flip_reverse undoes that so the redraw can set DECSCNM itself.
Pen pen_of(const VTermScreenCell& cell, bool flip_reverse) {
  Pen pen;
  pen.bold = cell.attrs.bold;
  pen.italic = cell.attrs.italic;
  pen.blink = cell.attrs.blink;
  pen.reverse = cell.attrs.reverse != static_cast<unsigned>(flip_reverse);
  pen.strike = cell.attrs.strike;
  pen.underline = cell.attrs.underline;
  pen.font = cell.attrs.font;
  pen.fg = cell.fg;
  pen.bg = cell.bg;
  return pen;
}

// Appends a decimal number without going through a temporary string (used per cell).
void append_number(std::string& out, unsigned value) {
  char digits[12];
  const auto result = std::to_chars(std::begin(digits), std::end(digits), value);
  out.append(digits, result.ptr);
}

// Appends a code point as UTF-8; anything that is not a Unicode scalar value becomes U+FFFD.
void append_utf8(std::string& out, uint32_t cp) {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Appends a cell's base character and its combining characters.
void append_cell_chars(std::string& out, const VTermScreenCell& cell) {
  for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i] != 0; ++i) {
    append_utf8(out, cell.chars[i]);
  }
}

// Appends CUP to a 0-based position.
void append_cursor_position(std::string& out, VTermPos pos) {
  out += "\x1b[";
  append_number(out, static_cast<unsigned>(pos.row + 1));
  out += ';';
  append_number(out, static_cast<unsigned>(pos.col + 1));
  out += 'H';
}

// Turns a sequence of pens into the shortest SGR changes between consecutive ones,
// starting from (and able to return to) the default pen. Shared by the redraw and the
// scrollback, so a line looks the same in both. A change needing more than 16 arguments
// is split over several SGR sequences: libvterm 0.1.4 (and other parsers) hold only 16.
class SgrWriter {
 public:
  explicit SgrWriter(std::string& out) : out_(out) {}

  // Makes `to` the terminal's pen, emitting only the attributes that change.
  void set(const Pen& to) {
    if (same_pen(current_, to)) return;
    if (is_default(to)) {
      out_ += "\x1b[m";
      current_ = to;
      return;
    }
    out_ += "\x1b[";
    args_ = 0;
    flag(current_.bold, to.bold, "1", "22");
    flag(current_.italic, to.italic, "3", "23");
    flag(current_.blink, to.blink, "5", "25");
    flag(current_.reverse, to.reverse, "7", "27");
    flag(current_.strike, to.strike, "9", "29");
    if (current_.underline != to.underline) underline(to.underline);
    if (current_.font != to.font) {
      begin_group(1);
      append_number(out_, static_cast<unsigned>(10 + to.font));
    }
    if (!same_color(current_.fg, to.fg)) color(to.fg, true);
    if (!same_color(current_.bg, to.bg)) color(to.bg, false);
    out_ += 'm';
    current_ = to;
  }

  // Returns to the default pen, so whatever is written next starts from SGR 0.
  void reset() { set(Pen{}); }

 private:
  // Starts a group of arguments that must stay in one sequence: separated from the
  // previous group by ';', or by starting a new sequence when the group would not fit.
  void begin_group(unsigned args) {
    static constexpr unsigned kMaxArgs = 16;
    if (args_ != 0 && args_ + args > kMaxArgs) {
      out_ += "m\x1b[";
      args_ = 0;
    }
    if (args_ != 0) out_ += ';';
    args_ += args;
  }

  // Emits the parameter that switches a boolean attribute, if it changes.
  void flag(bool from, bool to, const char* on, const char* off) {
    if (from == to) return;
    begin_group(1);
    out_ += to ? on : off;
  }

  // Underline styles: 4:2 and 4:3 are the sub-parameter forms that libvterm and current
  // terminals agree on (21 means "bold off" to some of them).
  void underline(int style) {
    begin_group(style == VTERM_UNDERLINE_DOUBLE || style == VTERM_UNDERLINE_CURLY ? 2 : 1);
    switch (style) {
      case VTERM_UNDERLINE_OFF:
        out_ += "24";
        break;
      case VTERM_UNDERLINE_SINGLE:
        out_ += '4';
        break;
      case VTERM_UNDERLINE_DOUBLE:
        out_ += "4:2";
        break;
      default:
        out_ += "4:3";
        break;
    }
  }

  // Emits a colour in the most widely understood form that is still exact: 30-37/90-97
  // for the 16 basic colours, 38;5;N for the rest of the palette, 38;2;R;G;B for RGB.
  void color(const VTermColor& c, bool foreground) {
    if ((c.type & VTERM_COLOR_DEFAULT_MASK) != 0) {
      begin_group(1);
      out_ += foreground ? "39" : "49";
    } else if (VTERM_COLOR_IS_INDEXED(&c)) {
      const unsigned idx = c.indexed.idx;
      if (idx < 8) {
        begin_group(1);
        append_number(out_, (foreground ? 30 : 40) + idx);
      } else if (idx < 16) {
        begin_group(1);
        append_number(out_, (foreground ? 90 : 100) + idx - 8);
      } else {
        begin_group(3);
        out_ += foreground ? "38;5;" : "48;5;";
        append_number(out_, idx);
      }
    } else {
      begin_group(5);
      out_ += foreground ? "38;2;" : "48;2;";
      append_number(out_, c.rgb.red);
      out_ += ';';
      append_number(out_, c.rgb.green);
      out_ += ';';
      append_number(out_, c.rgb.blue);
    }
  }

  std::string& out_;
  Pen current_;
  unsigned args_ = 0;  // arguments in the SGR sequence being written
};

// How a row writer draws blank cells that carry attributes (e.g. a background colour).
enum class BlankCells {
  kSpaces,  // as spaces: for text that is written somewhere new (scrollback)
  kErase,   // with ECH, which leaves them empty exactly as the session has them (redraw)
};

// Whether a cell looks like what a cleared screen holds: empty with the default pen, or
// the right half of a wide character (covered by its left half; or, when libvterm left
// it behind after the left half was overwritten, shown blank, with stale attributes).
bool is_default_blank(const VTermScreenCell& cell, bool flip_reverse) {
  return cell.chars[0] == kWideRightHalf ||
         (cell.chars[0] == 0 && is_default(pen_of(cell, flip_reverse)));
}

// Whether a terminal may move the cursor by a different amount than libvterm's cell
// width says: combining marks stored as a cell of their own (zero width), wide characters
// whose right half was overwritten (libvterm then says 1), narrow ones next to a stale
// right half (libvterm then says 2), emoji and symbols whose width changed between
// Unicode versions. Not for the scripts and symbols text and TUIs use most, whose width
// everyone agrees on, so those rows stay compact.
bool advance_may_differ(uint32_t cp, int width) {
  const auto in = [cp](uint32_t first, uint32_t last) { return cp >= first && cp <= last; };
  if (cp < 0x300) return width != 1;
  if (width == 2) {
    // Hangul Jamo, CJK punctuation, kana, ideographs, Yi, Hangul, fullwidth forms.
    return !(in(0x1100, 0x115f) || in(0x2e80, 0x303e) || in(0x3041, 0x33ff) || in(0x3400, 0x4dbf) ||
             in(0x4e00, 0x9fff) || in(0xa000, 0xa4cf) || in(0xac00, 0xd7a3) || in(0xf900, 0xfaff) ||
             in(0xfe30, 0xfe4f) || in(0xff00, 0xff60) || in(0xffe0, 0xffe6) ||
             in(0x20000, 0x3fffd));
  }
  // Greek, Cyrillic, Armenian, punctuation, arrows, maths, box drawing and blocks.
  return !(in(0x370, 0x482) || in(0x48a, 0x590) || in(0x2010, 0x2027) || in(0x2030, 0x205e) ||
           in(0x2190, 0x22ff) || in(0x2500, 0x259f));
}

// Whether a code point is a combining mark from the blocks that hold nearly all of them;
// libvterm can leave one as a cell's first character.
bool is_common_combining_mark(uint32_t cp) {
  return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
         (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
         (cp >= 0xfe20 && cp <= 0xfe2f);
}

// Appends one row of cells, starting with the terminal's pen at default and leaving it
// there. Trailing default blanks are not drawn. The writer never relies on autowrap: it
// stops at the last cell, so a row can be drawn in the last column of the last line.
void write_cells(std::string& out, std::span<const VTermScreenCell> cells, bool flip_reverse,
                 BlankCells blanks) {
  std::size_t end = cells.size();
  while (end > 0 && is_default_blank(cells[end - 1], flip_reverse)) --end;

  SgrWriter sgr(out);
  std::size_t pending_move = 0;  // columns to step over before the next drawn cell
  const auto move_right = [&] {
    if (pending_move == 0) return;
    out += "\x1b[";
    append_number(out, static_cast<unsigned>(pending_move));
    out += 'C';
    pending_move = 0;
  };

  for (std::size_t col = 0; col < end;) {
    const VTermScreenCell& cell = cells[col];
    const Pen pen = pen_of(cell, flip_reverse);
    // A character that may be wide cannot be drawn in the last column (a wide character
    // cut in half by a resize): the terminal would wrap or misplace it, so it is blank.
    const bool cut_off = col + 1 == cells.size() && advance_may_differ(cell.chars[0], 1) &&
                         !is_common_combining_mark(cell.chars[0]);
    const bool empty = cell.chars[0] == 0 || cut_off;
    if (cell.chars[0] == kWideRightHalf) {
      // Reached only when left behind (a wide character's own right half is skipped).
      if (blanks == BlankCells::kSpaces) {
        sgr.reset();
        out += ' ';
      } else {
        ++pending_move;
      }
      ++col;
    } else if (empty && blanks == BlankCells::kSpaces) {
      sgr.set(pen);
      out += ' ';
      ++col;
    } else if (empty) {
      std::size_t run = 1;
      while (!cut_off && col + run < end && cells[col + run].chars[0] == 0 &&
             same_pen(pen_of(cells[col + run], flip_reverse), pen)) {
        ++run;
      }
      if (!is_default(pen)) {
        move_right();
        sgr.set(pen);
        out += "\x1b[";
        append_number(out, static_cast<unsigned>(run));
        out += 'X';
      }
      pending_move += run;
      col += run;
    } else {
      move_right();
      sgr.set(pen);
      // A combining mark with no base would join the previous cell's character.
      if (is_common_combining_mark(cell.chars[0])) out += ' ';
      append_cell_chars(out, cell);
      col += cell.width > 1 ? static_cast<std::size_t>(cell.width) : 1;
      // Where the terminal's idea of the character's width may differ, put the cursor
      // where the next cell is rather than let the rest of the row drift.
      if (col < end && advance_may_differ(cell.chars[0], cell.width)) {
        out += "\x1b[";
        append_number(out, static_cast<unsigned>(col + 1));
        out += 'G';
      }
    }
  }
  sgr.reset();
}

// Removes the CSI sequences (only SGR, as written by write_cells) from a styled line.
std::string strip_csi(std::string_view styled) {
  std::string plain;
  plain.reserve(styled.size());
  for (std::size_t i = 0; i < styled.size(); ++i) {
    if (styled[i] != '\x1b') {
      plain += styled[i];
      continue;
    }
    i += 2;  // ESC [
    while (i < styled.size() && (styled[i] < 0x40 || styled[i] > 0x7e)) ++i;
  }
  return plain;
}

// Title strings go back out inside OSC: drop anything that could end or break it.
std::string sanitize_title(std::string_view title) {
  std::string clean;
  for (const char c : title) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) clean += c;
  }
  return clean;
}

// Appends DECSCUSR for a cursor shape and blink state; the blinking block that libvterm
// starts with is sent as 0, which most terminals take as "the user's default".
void append_cursor_style(std::string& out, int shape, bool blink) {
  unsigned param = blink ? 0 : 2;
  if (shape == VTERM_PROP_CURSORSHAPE_UNDERLINE) param = blink ? 3 : 4;
  if (shape == VTERM_PROP_CURSORSHAPE_BAR_LEFT) param = blink ? 5 : 6;
  out += "\x1b[";
  append_number(out, param);
  out += " q";
}

}  // namespace

// Sets up libvterm's screen layer in UTF-8 mode with the alternate screen enabled; its
// callbacks report modes, the title, and lines scrolling off.
Screen::Screen(WindowSize size, std::size_t scrollback_limit)
    : vt_(vterm_new(std::max<int>(size.rows, 1), std::max<int>(size.cols, 1))),
      scrollback_limit_(scrollback_limit) {
  if (!vt_) throw std::bad_alloc();
  vterm_set_utf8(vt_.get(), 1);
  vterm_output_set_callback(vt_.get(), &Screen::on_output, this);
  screen_ = vterm_obtain_screen(vt_.get());
  state_ = vterm_obtain_state(vt_.get());
  callbacks_.settermprop = &Screen::on_settermprop;
  callbacks_.sb_pushline = &Screen::on_sb_pushline;
  callbacks_.sb_popline = &Screen::on_sb_popline;
  vterm_screen_set_callbacks(screen_, &callbacks_, this);
  vterm_screen_enable_altscreen(screen_, 1);
  vterm_screen_reset(screen_, 1);
}

// Feeds the child's output to libvterm. Plain text is skipped with memchr; escape
// sequences go through scan(), which may hold a sequence back at its final byte (to
// snapshot the primary screen first) or drop parameter bytes libvterm cannot take.
void Screen::feed(std::string_view bytes) {
  std::size_t fed = 0;  // bytes before this have gone to libvterm or been dropped
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (scan_state_ == ScanState::kGround) {
      const void* esc = std::memchr(bytes.data() + i, '\x1b', bytes.size() - i);
      if (esc == nullptr) break;
      i = static_cast<std::size_t>(static_cast<const char*>(esc) - bytes.data());
    }
    const ScanAction action = scan(bytes[i]);
    if (action == ScanAction::kPass) continue;
    vterm_input_write(vt_.get(), bytes.data() + fed, i - fed);
    if (action == ScanAction::kDrop) {
      fed = i + 1;
    } else {
      // libvterm now holds the sequence up to its final byte, which it has not seen yet.
      fed = i;
      if (!alternate_) take_primary_snapshot(scan_match_);
    }
  }
  vterm_input_write(vt_.get(), bytes.data() + fed, bytes.size() - fed);
  if (!alternate_) primary_.reset();
}

// Follows the window size of the session (the first client's terminal).
void Screen::resize(WindowSize size) {
  vterm_set_size(vt_.get(), std::max<int>(size.rows, 1), std::max<int>(size.cols, 1));
}

// The size libvterm currently has.
WindowSize Screen::size() const {
  int rows = 0;
  int cols = 0;
  vterm_get_size(vt_.get(), &rows, &cols);
  return WindowSize{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols)};
}

// Builds the bytes sent to a client on attach or resync. Order matters: reset the
// terminal, draw the primary screen and enter the alternate one if the session is in it,
// draw the visible cells, then modes, title, pen and finally the cursor.
std::string Screen::redraw() const {
  const WindowSize dims = size();
  std::string out;
  out.reserve(static_cast<std::size_t>(dims.rows) * dims.cols * 2 + 256);

  // CAN aborts an escape sequence the terminal may be in the middle of, ST ends a string.
  out += "\x18\x1b\\";
  // Back to the primary screen, soft reset (DECSTR), then the resets DECSTR may not do:
  // cursor hidden while drawing, scroll and left/right margins, origin and insert mode off,
  // no autowrap while drawing, G0 ASCII in GL, SGR 0, no reverse video; and clear. One
  // mode per sequence: libvterm 0.1.4 applies only the first parameter of CSI ? Pm h/l.
  out +=
      "\x1b[?1049l\x1b[!p\x1b[?25l\x1b[r\x1b[?6l\x1b[?69l\x1b[4l\x1b[?7l\x0f\x1b(B\x1b[m"
      "\x1b[?5l\x1b[H\x1b[2J";

  if (alternate_) {
    if (primary_) {
      for (std::size_t row = 0; row < primary_->rows.size() && row < dims.rows; ++row) {
        if (primary_->rows[row].empty()) continue;
        append_cursor_position(out, VTermPos{static_cast<int>(row), 0});
        out += primary_->rows[row];
      }
      // Entering the alternate screen saves what leaving it restores: the cursor position,
      // the pen, and (in libvterm) the cursor's visibility and shape.
      SgrWriter(out).set(pen_of(primary_->pen, false));
      append_cursor_position(out, primary_->cursor);
      append_cursor_style(out, primary_->cursor_shape, primary_->cursor_blink);
      out += primary_->cursor_visible ? "\x1b[?25h" : "\x1b[?25l";
      out += "\x1b[?";
      append_number(out, static_cast<unsigned>(primary_->mode));
      out += 'h';
    } else {
      out += "\x1b[?1049h";
    }
    out += "\x1b[m\x1b[?25l\x1b[H\x1b[2J";
  }

  for (int row = 0; row < dims.rows; ++row) {
    const std::string cells = render_row(row);
    if (cells.empty()) continue;
    append_cursor_position(out, VTermPos{row, 0});
    out += cells;
  }
  out += "\x1b[?7h";

  const TerminalModes m = modes();
  const auto set_mode = [&out](unsigned mode, bool on) {
    out += "\x1b[?";
    append_number(out, mode);
    out += on ? 'h' : 'l';
  };
  set_mode(1, m.cursor_keys_application);
  for (const unsigned mouse_mode : {1000u, 1002u, 1003u, 1005u, 1006u, 1015u}) {
    set_mode(mouse_mode, false);
  }
  if (m.mouse_tracking != 0) set_mode(static_cast<unsigned>(m.mouse_tracking), true);
  if (m.mouse_encoding != 0) set_mode(static_cast<unsigned>(m.mouse_encoding), true);
  set_mode(1004, m.focus_reporting);
  set_mode(2004, m.bracketed_paste);
  out += m.keypad_application ? "\x1b=" : "\x1b>";
  append_cursor_style(out, m.cursor_shape, m.cursor_blink);
  if (m.reverse_video) out += "\x1b[?5h";

  if (title_ && icon_name_ && *title_ == *icon_name_) {
    out += "\x1b]0;" + sanitize_title(*title_) + "\x07";
  } else {
    if (title_) out += "\x1b]2;" + sanitize_title(*title_) + "\x07";
    if (icon_name_) out += "\x1b]1;" + sanitize_title(*icon_name_) + "\x07";
  }

  SgrWriter(out).set(pen_of(pen(), false));
  // libvterm can end up with the cursor off the screen (a scroll region taller than the
  // screen); send the nearest real position.
  VTermPos at = cursor();
  at.row = std::clamp(at.row, 0, dims.rows - 1);
  at.col = std::clamp(at.col, 0, dims.cols - 1);
  append_cursor_position(out, at);
  if (cursor_visible_) out += "\x1b[?25h";
  return out;
}

// Plain text of the visible screen, for tests and for capturing a session's contents.
std::string Screen::text() const {
  const WindowSize dims = size();
  std::string out;
  for (int row = 0; row < dims.rows; ++row) {
    if (row > 0) out += '\n';
    const std::size_t row_start = out.size();
    uint32_t previous = 0;
    for (const VTermScreenCell& cell : row_cells(row)) {
      if (cell.chars[0] == kWideRightHalf) {
        // Covered by a wide character, or left behind by one (then it shows blank).
        if (previous < 0x1100 || previous == kWideRightHalf) out += ' ';
      } else if (cell.chars[0] == 0) {
        out += ' ';
      } else {
        if (is_common_combining_mark(cell.chars[0])) out += ' ';  // as redraw() draws it
        append_cell_chars(out, cell);
      }
      previous = cell.chars[0];
    }
    std::size_t end = out.size();
    while (end > row_start && out[end - 1] == ' ') --end;
    out.resize(end);
  }
  return out;
}

// The visible screen with attributes, drawn the way scrollback lines are (blank cells as
// spaces, cells looking as they do on the session's terminal), for capture --ansi.
std::string Screen::styled_text() const {
  const WindowSize dims = size();
  std::string out;
  for (int row = 0; row < dims.rows; ++row) {
    const std::size_t row_start = out.size();
    write_cells(out, row_cells(row), false, BlankCells::kSpaces);
    // Spaces the program wrote with the default pen look like blank cells: trim them too.
    // (The row ends in a space only when its pen was the default: else SGR 0 follows.)
    std::size_t end = out.size();
    while (end > row_start && out[end - 1] == ' ') --end;
    out.resize(end);
    out += "\r\n";
  }
  return out;
}

// The newest scrollback lines as plain text, e.g. for a capture command.
std::string Screen::scrollback_text(std::size_t max_lines) const {
  const std::size_t count = std::min(max_lines, scrollback_.size());
  std::string out;
  for (std::size_t i = scrollback_.size() - count; i < scrollback_.size(); ++i) {
    if (!out.empty() || i != scrollback_.size() - count) out += '\n';
    out += strip_csi(scrollback_[i]);
  }
  return out;
}

// The newest scrollback lines with attributes, e.g. to replay history to a client.
std::string Screen::scrollback_styled(std::size_t max_lines) const {
  const std::size_t count = std::min(max_lines, scrollback_.size());
  std::string out;
  for (std::size_t i = scrollback_.size() - count; i < scrollback_.size(); ++i) {
    out += scrollback_[i];
    out += "\r\n";
  }
  return out;
}

// The cursor position (0-based) as libvterm's state has it.
VTermPos Screen::cursor() const {
  VTermPos pos{};
  vterm_state_get_cursorpos(state_, &pos);
  return pos;
}

// Collects the modes. libvterm 0.1.4 reports mouse tracking, cursor shape and reverse
// video as properties but keeps DECCKM, DECKPAM, bracketed paste, focus reporting and the
// mouse encoding to itself; they decide what its keyboard and mouse functions send, so
// calling those functions into a capture buffer reveals them without changing any state.
TerminalModes Screen::modes() const {
  TerminalModes m;
  m.cursor_keys_application = capture_probe([](VTerm* vt) {
                                vterm_keyboard_key(vt, VTERM_KEY_UP, VTERM_MOD_NONE);
                              }) == "\x1bOA";
  m.keypad_application = capture_probe([](VTerm* vt) {
                           vterm_keyboard_key(vt, VTERM_KEY_KP_0, VTERM_MOD_NONE);
                         }) != "0";
  m.bracketed_paste = !capture_probe([](VTerm* vt) { vterm_keyboard_start_paste(vt); }).empty();
  m.focus_reporting =
      !capture_probe([](VTerm* vt) { vterm_state_focus_in(vterm_obtain_state(vt)); }).empty();
  switch (mouse_prop_) {
    case VTERM_PROP_MOUSE_CLICK:
      m.mouse_tracking = 1000;
      break;
    case VTERM_PROP_MOUSE_DRAG:
      m.mouse_tracking = 1002;
      break;
    case VTERM_PROP_MOUSE_MOVE:
      m.mouse_tracking = 1003;
      break;
    default:
      break;
  }
  if (m.mouse_tracking != 0) {
    // A wheel "press" touches no button state. X10 and UTF-8 (1005) encodings look the
    // same at libvterm's mouse position (0,0), so 1005 comes back as X10.
    const std::string report =
        capture_probe([](VTerm* vt) { vterm_mouse_button(vt, 4, true, VTERM_MOD_NONE); });
    if (report.starts_with("\x1b[<")) {
      m.mouse_encoding = 1006;
    } else if (report.size() > 2 && report.starts_with("\x1b[") && report[2] >= '0' &&
               report[2] <= '9') {
      m.mouse_encoding = 1015;
    }
  }
  m.reverse_video = reverse_video_;
  m.cursor_blink = cursor_blink_;
  m.cursor_shape = cursor_shape_;
  return m;
}

// One cell as libvterm reports it (for tests and capture).
VTermScreenCell Screen::cell(int row, int col) const {
  VTermScreenCell cell{};
  vterm_screen_get_cell(screen_, VTermPos{row, col}, &cell);
  return cell;
}

// The pen the next character would be drawn with, from libvterm's state.
VTermScreenCell Screen::pen() const {
  VTermScreenCell cell{};
  VTermValue value{};
  vterm_state_get_penattr(state_, VTERM_ATTR_BOLD, &value);
  cell.attrs.bold = value.boolean != 0;
  vterm_state_get_penattr(state_, VTERM_ATTR_UNDERLINE, &value);
  cell.attrs.underline = static_cast<unsigned>(value.number) & 3u;
  vterm_state_get_penattr(state_, VTERM_ATTR_ITALIC, &value);
  cell.attrs.italic = value.boolean != 0;
  vterm_state_get_penattr(state_, VTERM_ATTR_BLINK, &value);
  cell.attrs.blink = value.boolean != 0;
  vterm_state_get_penattr(state_, VTERM_ATTR_REVERSE, &value);
  cell.attrs.reverse = value.boolean != 0;
  vterm_state_get_penattr(state_, VTERM_ATTR_STRIKE, &value);
  cell.attrs.strike = value.boolean != 0;
  vterm_state_get_penattr(state_, VTERM_ATTR_FONT, &value);
  cell.attrs.font = static_cast<unsigned>(value.number) & 15u;
  vterm_state_get_penattr(state_, VTERM_ATTR_FOREGROUND, &value);
  cell.fg = value.color;
  vterm_state_get_penattr(state_, VTERM_ATTR_BACKGROUND, &value);
  cell.bg = value.color;
  cell.width = 1;
  return cell;
}

// Keeps the properties the redraw needs. In libvterm 0.1.4 the title arrives whole, as
// a NUL-terminated string.
int Screen::on_settermprop(VTermProp prop, VTermValue* val, void* user) {
  auto* self = static_cast<Screen*>(user);
  switch (prop) {
    case VTERM_PROP_CURSORVISIBLE:
      self->cursor_visible_ = val->boolean != 0;
      break;
    case VTERM_PROP_CURSORBLINK:
      self->cursor_blink_ = val->boolean != 0;
      break;
    case VTERM_PROP_CURSORSHAPE:
      // 0.1.4 restores a zeroed saved cursor (shape 0) on CSI ?1049l without a save.
      self->cursor_shape_ = val->number == VTERM_PROP_CURSORSHAPE_UNDERLINE ||
                                    val->number == VTERM_PROP_CURSORSHAPE_BAR_LEFT
                                ? val->number
                                : VTERM_PROP_CURSORSHAPE_BLOCK;
      break;
    case VTERM_PROP_ALTSCREEN:
      self->alternate_ = val->boolean != 0;
      break;
    case VTERM_PROP_REVERSE:
      self->reverse_video_ = val->boolean != 0;
      break;
    case VTERM_PROP_MOUSE:
      self->mouse_prop_ = val->number;
      break;
    case VTERM_PROP_TITLE:
      self->title_ = val->string != nullptr ? val->string : "";
      break;
    case VTERM_PROP_ICONNAME:
      self->icon_name_ = val->string != nullptr ? val->string : "";
      break;
    default:
      break;
  }
  return 1;
}

// Stores a line scrolling off the primary screen as text with SGR, dropping the oldest
// line beyond the limit.
int Screen::on_sb_pushline(int cols, const VTermScreenCell* cells, void* user) {
  auto* self = static_cast<Screen*>(user);
  if (self->scrollback_limit_ == 0) return 1;
  std::string line;
  write_cells(line, std::span(cells, static_cast<std::size_t>(cols)), false, BlankCells::kSpaces);
  self->scrollback_.push_back(std::move(line));
  while (self->scrollback_.size() > self->scrollback_limit_) self->scrollback_.pop_front();
  return 1;
}

// libvterm asks for a line back when the screen grows taller; scrollback is kept as
// bytes, not cells, so none is given and the new rows start empty.
int Screen::on_sb_popline(int, VTermScreenCell*, void*) {
  return 0;
}

// libvterm's answers to the child's queries (DA, DSR, ...) are dropped: the attached
// clients' terminals answer them, and a second answer would reach the child as input.
// Only while redraw() probes a mode is the output kept.
void Screen::on_output(const char* bytes, std::size_t len, void* user) {
  auto* self = static_cast<Screen*>(user);
  if (self->capture_ != nullptr) self->capture_->append(bytes, len);
}

// Takes one byte of an escape sequence the way libvterm 0.1.4's parser does: ESC starts a
// new sequence anywhere, CAN and SUB abort one, other C0 controls run inside a CSI without
// ending it, and ';' and ':' both start a new argument. Says whether the byte passes, is
// dropped (an argument beyond kMaxCsiArgs), or is the final 'h' of an alternate-screen set.
Screen::ScanAction Screen::scan(char c) {
  // libvterm 0.1.4's CSI_ARGS_MAX; one more argument overflows its array.
  constexpr unsigned kMaxCsiArgs = 16;
  const bool param_byte = (c >= '0' && c <= '9') || c == ';' || c == ':';
  switch (scan_state_) {
    case ScanState::kGround:
      if (c == '\x1b') scan_state_ = ScanState::kEscape;
      return ScanAction::kPass;
    case ScanState::kEscape:
      if (c == '[') {
        scan_state_ = ScanState::kCsi;
        scan_param_ = 0;
        scan_separators_ = 0;
        scan_private_ = false;
        scan_match_ = 0;
      } else if (c != '\x1b') {
        scan_state_ = ScanState::kGround;
      }
      return ScanAction::kPass;
    case ScanState::kCsiOverflow:
      if (param_byte) return ScanAction::kDrop;
      scan_state_ = ScanState::kCsi;
      break;
    case ScanState::kCsi:
      break;
  }

  // In a CSI sequence.
  if (c >= '0' && c <= '9') {
    scan_param_ = std::min(scan_param_ * 10 + static_cast<unsigned>(c - '0'), 100000u);
  } else if (c == ';' || c == ':') {
    note_scan_param();
    if (++scan_separators_ >= kMaxCsiArgs) {
      scan_state_ = ScanState::kCsiOverflow;
      return ScanAction::kDrop;
    }
  } else if (c == '?') {
    scan_private_ = true;
  } else if (c >= 0x40 && c <= 0x7e) {
    note_scan_param();
    scan_state_ = ScanState::kGround;
    if (c == 'h' && scan_private_ && scan_match_ != 0) return ScanAction::kAlternateScreenSet;
  } else if (c == '\x1b') {
    scan_state_ = ScanState::kEscape;
  } else if (c == '\x18' || c == '\x1a') {
    scan_state_ = ScanState::kGround;
  }
  return ScanAction::kPass;
}

// Ends one CSI argument: remembers it if it names an alternate-screen mode.
void Screen::note_scan_param() {
  if (scan_match_ == 0 && (scan_param_ == 47 || scan_param_ == 1047 || scan_param_ == 1049)) {
    scan_match_ = static_cast<int>(scan_param_);
  }
  scan_param_ = 0;
}

// Renders the primary screen (rows, cursor, pen) while it is still the visible one.
void Screen::take_primary_snapshot(int mode) {
  PrimarySnapshot snapshot;
  const WindowSize dims = size();
  snapshot.rows.reserve(dims.rows);
  for (int row = 0; row < dims.rows; ++row) snapshot.rows.push_back(render_row(row));
  snapshot.cursor = cursor();
  snapshot.pen = pen();
  snapshot.cursor_visible = cursor_visible_;
  snapshot.cursor_blink = cursor_blink_;
  snapshot.cursor_shape = cursor_shape_;
  snapshot.mode = mode;
  primary_ = std::move(snapshot);
}

// One row of the visible screen's cells.
std::vector<VTermScreenCell> Screen::row_cells(int row) const {
  const WindowSize dims = size();
  std::vector<VTermScreenCell> cells(dims.cols);
  for (int col = 0; col < dims.cols; ++col) {
    vterm_screen_get_cell(screen_, VTermPos{row, col}, &cells[static_cast<std::size_t>(col)]);
  }
  return cells;
}

// The bytes that draw one visible row from its first column: the DEC line size if the row
// has one, then its cells. Empty when the row is blank (a cleared screen already is).
std::string Screen::render_row(int row) const {
  const std::vector<VTermScreenCell> cells = row_cells(row);
  std::string out;
  // The line's size comes from the state: cells keep stale dwl/dhl bits after ESC #5.
  const VTermLineInfo* line = vterm_state_get_lineinfo(state_, row);
  if (line != nullptr && line->doubleheight != 0) {
    out += line->doubleheight == 1 ? "\x1b#3" : "\x1b#4";
  } else if (line != nullptr && line->doublewidth != 0) {
    out += "\x1b#6";
  }
  write_cells(out, cells, reverse_video_, BlankCells::kErase);
  return out;
}

// Runs one of libvterm's keyboard or mouse functions and returns what it would have sent.
std::string Screen::capture_probe(void (*probe)(VTerm*)) const {
  std::string captured;
  capture_ = &captured;
  probe(vt_.get());
  capture_ = nullptr;
  return captured;
}

}  // namespace pyattach
