#include "screen_model.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <new>
#include <span>

#include "text_stretch.hpp"

namespace pyattach {
namespace {

// The SGR state of a cell or of the pen: what an SGR sequence can set.
struct Pen {
  bool bold = false;
  bool italic = false;
  bool blink = false;
  bool reverse = false;
  bool strike = false;
  int underline = VTERM_UNDERLINE_OFF;
  int font = 0;
  VTermColor fg{.rgb = {.type = VTERM_COLOR_DEFAULT_FG, .red = 0, .green = 0, .blue = 0}};
  VTermColor bg{.rgb = {.type = VTERM_COLOR_DEFAULT_BG, .red = 0, .green = 0, .blue = 0}};
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

// One grid cell as a libvterm screen cell: characters, width (2 when the next cell is a
// right-half marker), attributes and colours as stored (no DECSCNM flip).
VTermScreenCell unpack_cell(const GridCell* cells, int col, int cols, const GlyphTable& glyphs) {
  VTermScreenCell out{};
  const GridCell& cell = cells[col];
  if (cell.ch != kWideRightHalf && (cell.ch & kGlyphRef) != 0) {
    const std::u32string& glyph = glyphs.at(cell.ch);
    for (std::size_t i = 0; i < glyph.size() && i < VTERM_MAX_CHARS_PER_CELL; ++i) {
      out.chars[i] = static_cast<uint32_t>(glyph[i]);
    }
  } else {
    out.chars[0] = cell.ch;
  }
  out.width = col + 1 < cols && cells[col + 1].ch == kWideRightHalf ? 2 : 1;
  const uint16_t attrs = cell.pen.attrs;
  out.attrs.bold = (attrs & CellPen::kBold) != 0;
  out.attrs.underline = (attrs >> CellPen::kUnderlineShift) & 3u;
  out.attrs.italic = (attrs & CellPen::kItalic) != 0;
  out.attrs.blink = (attrs & CellPen::kBlink) != 0;
  out.attrs.reverse = (attrs & CellPen::kReverse) != 0;
  out.attrs.strike = (attrs & CellPen::kStrike) != 0;
  out.attrs.font = (attrs >> CellPen::kFontShift) & 15u;
  out.fg = cell.pen.fg;
  out.bg = cell.pen.bg;
  return out;
}

// Appends a grid row the way write_cells draws scrollback (blank cells as spaces). This
// runs for every line scrolled off the screen, so rows of plain ASCII (nearly all output)
// are written straight from the grid, a run of same-pen cells at a time; a row with any
// other character starts again through write_cells.
void write_grid_cells(std::string& out, const GridCell* cells, int cols, const GlyphTable& glyphs) {
  const CellPen plain;
  int end = cols;
  while (end > 0 && cells[end - 1].ch == 0 && cells[end - 1].pen.looks_like(plain)) --end;
  const std::size_t start = out.size();
  SgrWriter sgr(out);
  for (int col = 0; col < end;) {
    const CellPen& pen = cells[col].pen;
    sgr.set(pen_of(unpack_cell(cells, col, cols, glyphs), false));
    // The run of cells with this pen, copied in one go.
    int run_end = col + 1;
    while (run_end < end && cells[run_end].pen.looks_like(pen)) ++run_end;
    const std::size_t at = out.size();
    out.resize(at + static_cast<std::size_t>(run_end - col));
    char* to = out.data() + at;
    for (; col < run_end; ++col) {
      const uint32_t ch = cells[col].ch;
      if (ch != 0 && (ch < 0x20 || ch >= 0x7f)) {
        // Not plain ASCII: wide, combining or other characters need write_cells' care.
        out.resize(start);
        std::vector<VTermScreenCell> unpacked(static_cast<std::size_t>(cols));
        for (int c = 0; c < cols; ++c) {
          unpacked[static_cast<std::size_t>(c)] = unpack_cell(cells, c, cols, glyphs);
        }
        write_cells(out, unpacked, false, BlankCells::kSpaces);
        return;
      }
      *to++ = ch == 0 ? ' ' : static_cast<char>(ch);
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

// Sets up libvterm's state layer in UTF-8 mode; its callbacks keep our grids, the pen,
// modes and the title up to date.
ScreenModel::ScreenModel(WindowSize size, std::size_t scrollback_limit, bool leave_out_lines)
    : vt_(vterm_new(std::max<int>(size.rows, 1), std::max<int>(size.cols, 1))),
      primary_grid_(std::max<int>(size.rows, 1), std::max<int>(size.cols, 1)),
      alternate_grid_(std::max<int>(size.rows, 1), std::max<int>(size.cols, 1)),
      scrollback_limit_(scrollback_limit),
      leave_out_lines_(leave_out_lines) {
  if (!vt_) throw std::bad_alloc();
  vterm_set_utf8(vt_.get(), 1);
  vterm_output_set_callback(vt_.get(), &ScreenModel::on_output, this);
  state_ = vterm_obtain_state(vt_.get());
  callbacks_.putglyph = &ScreenModel::on_putglyph;
  callbacks_.movecursor = &ScreenModel::on_movecursor;
  callbacks_.scrollrect = &ScreenModel::on_scrollrect;
  callbacks_.moverect = &ScreenModel::on_moverect;
  callbacks_.erase = &ScreenModel::on_erase;
  callbacks_.initpen = &ScreenModel::on_initpen;
  callbacks_.setpenattr = &ScreenModel::on_setpenattr;
  callbacks_.settermprop = &ScreenModel::on_settermprop;
  callbacks_.bell = &ScreenModel::on_bell;
  callbacks_.resize = &ScreenModel::on_resize;
  callbacks_.setlineinfo = &ScreenModel::on_setlineinfo;
  vterm_state_set_callbacks(state_, &callbacks_, this);
  vterm_state_reset(state_, 1);
}

// Feeds the child's output to libvterm, whole UTF-8 characters at a time.
void ScreenModel::feed(std::string_view bytes) {
  // libvterm 0.1.4 loses a UTF-8 character split between two writes (it shows U+FFFD and
  // the following text), and a PTY read can end anywhere: an incomplete character at the
  // end waits for the rest.
  if (!utf8_held_.empty()) {
    std::string joined = std::move(utf8_held_);
    utf8_held_.clear();
    joined.append(bytes);
    feed_complete(joined);
    return;
  }
  feed_complete(bytes);
}

namespace {

// How many bytes at the end are the start of a UTF-8 character whose rest has not come.
std::size_t incomplete_utf8_tail(std::string_view bytes) {
  for (std::size_t back = 1; back <= 3 && back <= bytes.size(); ++back) {
    const auto c = static_cast<unsigned char>(bytes[bytes.size() - back]);
    if (c < 0x80) return 0;
    if (c < 0xc0) continue;  // a continuation byte: its lead is further back
    const std::size_t length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return back < length ? back : 0;
  }
  return 0;
}

}  // namespace

// libvterm 0.1.4 puts 4 bytes per byte of the rest of a write on the stack for each run of
// text in it (a variable-length array in on_text): a write of megabytes overflows the stack.
// Writes are cut to kMaxVtermWrite, after an ASCII byte when there is one near the cut (a
// UTF-8 sequence cut by the end of a write is taken differently), else between characters.
void ScreenModel::give_libvterm(std::string_view bytes) {
  constexpr std::size_t kMaxVtermWrite = 64 * 1024;
  constexpr std::size_t kLookBack = 16;
  while (bytes.size() > kMaxVtermWrite) {
    std::size_t cut = kMaxVtermWrite;
    std::size_t back = 0;
    while (back < kLookBack && static_cast<unsigned char>(bytes[cut - back - 1]) >= 0x80) ++back;
    if (back == kLookBack) back = incomplete_utf8_tail(bytes.substr(0, cut));
    cut -= back;
    vterm_input_write(vt_.get(), bytes.data(), cut);
    bytes.remove_prefix(cut);
  }
  vterm_input_write(vt_.get(), bytes.data(), bytes.size());
}

void ScreenModel::feed_complete(std::string_view bytes) {
  const std::size_t held = incomplete_utf8_tail(bytes);
  utf8_held_.assign(bytes.substr(bytes.size() - held));
  bytes.remove_suffix(held);
  // A stretch of plain text is only worth a look when some of it can be left out: it needs
  // a screenful to reach the bottom row, a line to check there, a line to leave out, and
  // then a screenful and the scrollback to push everything before it out.
  const auto rows = static_cast<std::size_t>(primary_grid_.rows());
  const std::size_t worth_skipping = 2 * rows + scrollback_limit_ + 2;
  while (leave_out_lines_ && bytes.size() >= worth_skipping) {
    const auto stretch = find_text_stretch(bytes, worth_skipping);
    if (!stretch) break;
    feed_parsed(bytes.substr(0, stretch->begin));
    feed_plain_text(bytes.substr(stretch->begin, stretch->end - stretch->begin));
    bytes.remove_prefix(stretch->end);
  }
  feed_parsed(bytes);
  if (!alternate_) primary_.reset();
  // Glyphs with combining characters are interned; drop the ones no cell shows any more.
  if (glyphs_.size() > 1024 + 2 * static_cast<std::size_t>(primary_grid_.rows()) *
                                  static_cast<std::size_t>(primary_grid_.cols())) {
    collect_glyphs();
  }
}

// Feeds bytes in order: plain text is skipped with memchr, escape sequences go through
// scan(), which may hold a sequence back at its final byte (to snapshot the primary screen
// first) or drop parameter bytes libvterm cannot take.
void ScreenModel::feed_parsed(std::string_view bytes) {
  std::size_t fed = 0;  // bytes before this have gone to libvterm or been dropped
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (scan_state_ == ScanState::kGround) {
      const void* esc = std::memchr(bytes.data() + i, '\x1b', bytes.size() - i);
      if (esc == nullptr) break;
      i = static_cast<std::size_t>(static_cast<const char*>(esc) - bytes.data());
    }
    const ScanAction action = scan(bytes[i]);
    if (action == ScanAction::kPass) continue;
    write_vterm(bytes.substr(fed, i - fed));
    if (action == ScanAction::kDrop) {
      fed = i + 1;
    } else if (action == ScanAction::kRepeat) {
      // A REP libvterm would loop on forever is cancelled instead (CAN ends the sequence
      // whose final byte it replaces), as xterm ignores a REP with nothing to repeat.
      if (last_glyph_width_ < 1) {
        write_vterm("\x18");
        fed = i + 1;
      } else {
        fed = i;
      }
    } else {
      // libvterm now holds the sequence up to its final byte, which it has not seen yet.
      fed = i;
      if (!alternate_) save_primary(scan_match_);
    }
  }
  write_vterm(bytes.substr(fed));
}

// Follows the window size of the session (the first client's terminal).
void ScreenModel::resize(WindowSize size) {
  vterm_set_size(vt_.get(), std::max<int>(size.rows, 1), std::max<int>(size.cols, 1));
}

namespace {

// Runs shorter than this go to libvterm as they are: checking one costs about as much.
constexpr std::size_t kMinTextRun = 16;

bool printable_ascii(char c) {
  return c >= 0x20 && c <= 0x7e;
}

}  // namespace

// Gives bytes to libvterm, except that long runs of printable ASCII go to write_text_run().
// Nearly all output is such text, and libvterm's state layer handles it a glyph at a time
// (decoding, a callback, the cursor), which was most of the cost of a session's output.
void ScreenModel::write_vterm(std::string_view bytes) {
  std::size_t given = 0;  // bytes before this have gone to libvterm
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (!charset_.idle() || !printable_ascii(bytes[i])) {
      charset_.take(static_cast<unsigned char>(bytes[i++]));
      continue;
    }
    const std::size_t run = i;
    while (i < bytes.size() && printable_ascii(bytes[i])) ++i;
    // After a byte of a UTF-8 sequence libvterm must see the text in the same write: it
    // would take a bad sequence cut off at the end of a write differently.
    const bool after_ascii =
        run == 0 ? last_given_ascii_ : static_cast<unsigned char>(bytes[run - 1]) < 0x80;
    if (i - run >= kMinTextRun && after_ascii && charset_.plain()) {
      give_libvterm(bytes.substr(given, run - given));
      write_text_run(bytes.substr(run, i - run));
      given = i;
    }
  }
  give_libvterm(bytes.substr(given));
  if (!bytes.empty()) last_given_ascii_ = static_cast<unsigned char>(bytes.back()) < 0x80;
}

// Writes printable ASCII into the grid directly, as libvterm would have, one stretch of
// the cursor's row at a time. Each stretch's first character goes to libvterm, which shows
// whether the text really is drawn plainly here: it must become one glyph of width 1 at the
// cursor, which then moves one cell right, with nothing else changed (not so inside an
// escape sequence or a string, in insert mode, ...). Then the middle of the stretch goes
// into the cells, libvterm is told with CUF that its cursor moved past them, and the last
// character goes to libvterm too, so it remembers it (for combining characters and REP).
// A stretch ends before the row's last column, so libvterm does every line wrap itself.
void ScreenModel::write_text_run(std::string_view run) {
  while (run.size() >= kMinTextRun) {
    VTermPos at;
    vterm_state_get_cursorpos(state_, &at);
    const VTermLineInfo* line = vterm_state_get_lineinfo(state_, at.row);
    if (line == nullptr || line->doublewidth != 0) break;
    const int room = grid().cols() - 1 - at.col;  // cells left of the last column
    if (room < 3) {
      // To the next row's start through libvterm: fill the row, wrap with one more.
      const auto through = std::min(run.size(), static_cast<std::size_t>(std::max(room, 0) + 2));
      vterm_input_write(vt_.get(), run.data(), through);
      run.remove_prefix(through);
      continue;
    }
    const std::size_t stretch = std::min(run.size(), static_cast<std::size_t>(room));

    const auto first = static_cast<unsigned char>(run[0]);
    probe_ = GlyphProbe{.armed = true};
    vterm_input_write(vt_.get(), run.data(), 1);
    const GlyphProbe seen = probe_;
    probe_.armed = false;
    VTermPos after;
    vterm_state_get_cursorpos(state_, &after);
    run.remove_prefix(1);
    if (seen.glyphs != 1 || seen.other_change || seen.width != 1 || seen.pos.row != at.row ||
        seen.pos.col != at.col || seen.ch != first || after.row != at.row ||
        after.col != at.col + 1) {
      break;  // not plain text here: libvterm takes the rest as it comes
    }
    const CellPen pen = glyph_pen(seen.protected_cell);
    GridCell* cells = grid().row(at.row) + at.col + 1;
    const std::size_t middle = stretch - 2;
    for (std::size_t k = 0; k < middle; ++k) {
      cells[k].ch = static_cast<unsigned char>(run[k]);
      cells[k].pen = pen;
    }
    std::string forward = "\x1b[";
    append_number(forward, static_cast<unsigned>(middle));
    forward += 'C';
    forward += run[middle];
    vterm_input_write(vt_.get(), forward.data(), forward.size());
    run.remove_prefix(middle + 1);
  }
  give_libvterm(run);
}

// The size libvterm currently has (the grids follow it through on_resize).
WindowSize ScreenModel::size() const {
  int rows = 0;
  int cols = 0;
  vterm_get_size(vt_.get(), &rows, &cols);
  return WindowSize{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols)};
}

// Builds the bytes sent to a client on attach or resync. Order matters: reset the
// terminal, draw the primary screen and enter the alternate one if the session is in it,
// draw the visible cells, then modes, title, pen and finally the cursor.
std::string ScreenModel::redraw() const {
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
    for (int row = 0; row < dims.rows && row < primary_grid_.rows(); ++row) {
      const VTermLineInfo* line = primary_ && static_cast<std::size_t>(row) < primary_->lines.size()
                                      ? &primary_->lines[static_cast<std::size_t>(row)]
                                      : nullptr;
      const std::string cells = render_row(primary_grid_, row, line);
      if (cells.empty()) continue;
      append_cursor_position(out, VTermPos{row, 0});
      out += cells;
    }
    if (primary_) {
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
    const std::string cells = render_row(grid(), row, vterm_state_get_lineinfo(state_, row));
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
std::string ScreenModel::text() const {
  const WindowSize dims = size();
  std::string out;
  for (int row = 0; row < dims.rows; ++row) {
    if (row > 0) out += '\n';
    const std::size_t row_start = out.size();
    uint32_t previous = 0;
    for (const VTermScreenCell& cell : row_cells(grid(), row)) {
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
std::string ScreenModel::styled_text() const {
  const WindowSize dims = size();
  std::string out;
  for (int row = 0; row < dims.rows; ++row) {
    const std::size_t row_start = out.size();
    write_cells(out, row_cells(grid(), row), false, BlankCells::kSpaces);
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
std::string ScreenModel::scrollback_text(std::size_t max_lines) const {
  const std::size_t count = std::min(max_lines, scrollback_.size());
  std::string out;
  for (std::size_t i = scrollback_.size() - count; i < scrollback_.size(); ++i) {
    if (!out.empty() || i != scrollback_.size() - count) out += '\n';
    out += strip_csi(scrollback_[i]);
  }
  return out;
}

// The newest scrollback lines with attributes, e.g. to replay history to a client.
std::string ScreenModel::scrollback_styled(std::size_t max_lines) const {
  const std::size_t count = std::min(max_lines, scrollback_.size());
  std::string out;
  for (std::size_t i = scrollback_.size() - count; i < scrollback_.size(); ++i) {
    out += scrollback_[i];
    out += "\r\n";
  }
  return out;
}

// The cursor position (0-based) as libvterm's state has it.
VTermPos ScreenModel::cursor() const {
  VTermPos pos{};
  vterm_state_get_cursorpos(state_, &pos);
  return pos;
}

// Collects the modes. libvterm 0.1.4 reports mouse tracking, cursor shape and reverse
// video as properties but keeps DECCKM, DECKPAM, bracketed paste, focus reporting and the
// mouse encoding to itself; they decide what its keyboard and mouse functions send, so
// calling those functions into a capture buffer reveals them without changing any state.
TerminalModes ScreenModel::modes() const {
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

// One cell the way libvterm's screen layer reported it (for tests and capture): with
// DECSCNM on, every cell's reverse flag flipped.
VTermScreenCell ScreenModel::cell(int row, int col) const {
  VTermScreenCell cell = unpack(grid(), row, col);
  cell.attrs.reverse ^= static_cast<unsigned>(reverse_video_);
  const VTermLineInfo* line = vterm_state_get_lineinfo(state_, row);
  if (line != nullptr) {
    cell.attrs.dwl = line->doublewidth;
    cell.attrs.dhl = line->doubleheight;
  }
  return cell;
}

// The pen the next character would be drawn with, from libvterm's state.
VTermScreenCell ScreenModel::pen() const {
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
int ScreenModel::on_settermprop(VTermProp prop, VTermValue* val, void* user) {
  auto* self = static_cast<ScreenModel*>(user);
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

// Stores a row scrolling off the primary screen as text with SGR, dropping the oldest
// line beyond the limit.
void ScreenModel::push_scrollback(const GridCell* cells, int cols) {
  if (scrollback_limit_ == 0) return;
  std::string line;
  if (scrollback_.size() >= scrollback_limit_) {
    line = std::move(scrollback_.front());  // reuse its buffer
    scrollback_.pop_front();
    line.clear();
  }
  write_grid_cells(line, cells, cols, glyphs_);
  scrollback_.push_back(std::move(line));
}

// Renumbers the glyphs both grids use and forgets the rest.
void ScreenModel::collect_glyphs() {
  glyphs_.collect([this](auto&& visit) {
    primary_grid_.for_each_cell(visit);
    alternate_grid_.for_each_cell(visit);
  });
}

// A glyph at a position: its characters (interned when there are combining ones), the
// pen, and the right-half markers a wide glyph covers. As libvterm's screen layer did, the
// marker keeps its old pen and an overwritten half leaves the other half alone.
int ScreenModel::on_putglyph(VTermGlyphInfo* info, VTermPos pos, void* user) {
  auto* self = static_cast<ScreenModel*>(user);
  self->last_glyph_width_ = info->width;
  if (self->probe_.armed) {
    GlyphProbe& probe = self->probe_;
    ++probe.glyphs;
    probe.pos = pos;
    probe.ch = info->chars[0] != 0 && info->chars[1] == 0 ? info->chars[0] : 0;
    probe.width = info->width;
    probe.protected_cell = info->protected_cell != 0;
  }
  Grid& grid = self->grid();
  if (pos.row < 0 || pos.row >= grid.rows() || pos.col < 0 || pos.col >= grid.cols()) return 1;
  GridCell* cells = grid.row(pos.row);
  GridCell& cell = cells[pos.col];
  if (info->chars[0] == 0 || info->chars[1] == 0) {
    cell.ch = info->chars[0];
  } else {
    std::size_t count = 2;
    while (count < VTERM_MAX_CHARS_PER_CELL && info->chars[count] != 0) ++count;
    cell.ch = self->glyphs_.intern(info->chars, count);
  }
  cell.pen = self->glyph_pen(info->protected_cell != 0);
  for (int col = pos.col + 1; col < pos.col + info->width && col < grid.cols(); ++col) {
    cells[col].ch = kWideRightHalf;
  }
  return 1;
}

// The pen a glyph is drawn with: the current one, DECSCA-protected or not.
CellPen ScreenModel::glyph_pen(bool protected_cell) const {
  CellPen pen = pen_;
  pen.attrs = static_cast<uint16_t>(protected_cell ? pen.attrs | CellPen::kProtected
                                                   : pen.attrs & ~CellPen::kProtected);
  return pen;
}

// The cursor is read from the state when needed.
int ScreenModel::on_movecursor(VTermPos, VTermPos, int, void*) {
  return 1;
}

// Full-width scrolls move rows (the whole screen rotates the ring); rows leaving the top
// of the primary screen go to the scrollback first. Anything narrower is left to libvterm,
// which turns it into on_moverect and on_erase.
int ScreenModel::on_scrollrect(VTermRect rect, int downward, int rightward, void* user) {
  auto* self = static_cast<ScreenModel*>(user);
  self->probe_.other_change = true;
  if (self->probe_.armed) {
    ++self->probe_.scrolls;
    self->probe_.scrolled = rect;
    self->probe_.scrolled_down = downward;
  }
  Grid& grid = self->grid();
  if (rightward != 0 || rect.start_col != 0 || rect.end_col != grid.cols()) return 0;
  if (downward > 0 && rect.start_row == 0 && !self->alternate_) {
    const int lines = std::min(downward, rect.end_row - rect.start_row);
    for (int row = 0; row < lines; ++row) self->push_scrollback(grid.row(row), grid.cols());
  }
  grid.scroll_rows(rect.start_row, rect.end_row, downward, self->pen_);
  return 1;
}

int ScreenModel::on_moverect(VTermRect dest, VTermRect src, void* user) {
  auto* self = static_cast<ScreenModel*>(user);
  self->probe_.other_change = true;
  self->grid().move_rect(dest, src);
  return 1;
}

// Erased cells take the whole current pen, as libvterm's screen layer gave them.
int ScreenModel::on_erase(VTermRect rect, int selective, void* user) {
  auto* self = static_cast<ScreenModel*>(user);
  self->probe_.other_change = true;
  self->grid().erase(rect, self->pen_, selective != 0);
  return 1;
}

int ScreenModel::on_initpen(void* user) {
  static_cast<ScreenModel*>(user)->pen_ = CellPen{};
  return 1;
}

// Follows SGR into the packed pen.
int ScreenModel::on_setpenattr(VTermAttr attr, VTermValue* val, void* user) {
  CellPen& pen = static_cast<ScreenModel*>(user)->pen_;
  const auto set_flag = [&](uint16_t bit) {
    pen.attrs = static_cast<uint16_t>(val->boolean != 0 ? pen.attrs | bit : pen.attrs & ~bit);
  };
  switch (attr) {
    case VTERM_ATTR_BOLD:
      set_flag(CellPen::kBold);
      break;
    case VTERM_ATTR_UNDERLINE:
      pen.attrs = static_cast<uint16_t>((pen.attrs & ~(3u << CellPen::kUnderlineShift)) |
                                        ((val->number & 3u) << CellPen::kUnderlineShift));
      break;
    case VTERM_ATTR_ITALIC:
      set_flag(CellPen::kItalic);
      break;
    case VTERM_ATTR_BLINK:
      set_flag(CellPen::kBlink);
      break;
    case VTERM_ATTR_REVERSE:
      set_flag(CellPen::kReverse);
      break;
    case VTERM_ATTR_STRIKE:
      set_flag(CellPen::kStrike);
      break;
    case VTERM_ATTR_FONT:
      pen.attrs = static_cast<uint16_t>((pen.attrs & ~(15u << CellPen::kFontShift)) |
                                        ((val->number & 15u) << CellPen::kFontShift));
      break;
    case VTERM_ATTR_FOREGROUND:
      pen.fg = CellPen::normalised(val->color);
      break;
    case VTERM_ATTR_BACKGROUND:
      pen.bg = CellPen::normalised(val->color);
      break;
    default:
      break;
  }
  return 1;
}

// The clients' terminals ring their own bells.
int ScreenModel::on_bell(void*) {
  return 1;
}

// A smaller primary screen first drops blank rows below the cursor, then pushes rows from
// the top into the scrollback until the cursor's row fits (tmux and libvterm do the same);
// the alternate screen is cut at the bottom. Both grids keep their top-left content.
int ScreenModel::on_resize(int rows, int cols, VTermPos* delta, void* user) {
  auto* self = static_cast<ScreenModel*>(user);
  self->probe_.other_change = true;
  Grid& primary = self->primary_grid_;
  if (!self->alternate_ && rows < primary.rows()) {
    VTermPos cursor{};
    vterm_state_get_cursorpos(self->state_, &cursor);
    int first_blank = primary.rows();
    while (first_blank > rows && first_blank - 1 != cursor.row &&
           primary.row_is_blank(first_blank - 1)) {
      --first_blank;
    }
    if (first_blank > rows) {
      const int lines = first_blank - rows;
      for (int row = 0; row < lines; ++row) self->push_scrollback(primary.row(row), primary.cols());
      primary.scroll_rows(0, primary.rows(), lines, CellPen{});
      delta->row -= lines;
    }
  }
  primary.resize(rows, cols);
  self->alternate_grid_.resize(rows, cols);
  return 1;
}

// A row becoming double-width shows only its left half: the right half is erased.
int ScreenModel::on_setlineinfo(int row, const VTermLineInfo* newinfo, const VTermLineInfo* oldinfo,
                                void* user) {
  auto* self = static_cast<ScreenModel*>(user);
  self->probe_.other_change = true;
  if (newinfo->doublewidth != 0 && oldinfo->doublewidth == 0) {
    Grid& grid = self->grid();
    grid.erase(VTermRect{row, row + 1, grid.cols() / 2, grid.cols()}, self->pen_, false);
  }
  return 1;
}

// libvterm's answers to the child's queries (DA, DSR, ...) are dropped: the attached
// clients' terminals answer them, and a second answer would reach the child as input.
// Only while redraw() probes a mode is the output kept.
void ScreenModel::on_output(const char* bytes, std::size_t len, void* user) {
  auto* self = static_cast<ScreenModel*>(user);
  if (self->capture_ != nullptr) self->capture_->append(bytes, len);
}

// Takes one byte of an escape sequence the way libvterm 0.1.4's parser does: ESC starts a
// new sequence anywhere, CAN and SUB abort one, other C0 controls run inside a CSI without
// ending it, and ';' and ':' both start a new argument. Says whether the byte passes, is
// dropped (an argument beyond kMaxCsiArgs), or is the final 'h' of an alternate-screen set.
ScreenModel::ScanAction ScreenModel::scan(char c) {
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
        scan_other_leader_ = false;
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
  } else if ((c >= '<' && c <= '>') || (c >= 0x20 && c <= 0x2f)) {
    scan_other_leader_ = true;
  } else if (c >= 0x40 && c <= 0x7e) {
    note_scan_param();
    scan_state_ = ScanState::kGround;
    if (c == 'h' && scan_private_ && scan_match_ != 0) return ScanAction::kAlternateScreenSet;
    if (c == 'b' && !scan_private_ && !scan_other_leader_) return ScanAction::kRepeat;
  } else if (c == '\x1b') {
    scan_state_ = ScanState::kEscape;
  } else if (c == '\x18' || c == '\x1a') {
    scan_state_ = ScanState::kGround;
  }
  return ScanAction::kPass;
}

// Ends one CSI argument: remembers it if it names an alternate-screen mode.
void ScreenModel::note_scan_param() {
  if (scan_match_ == 0 && (scan_param_ == 47 || scan_param_ == 1047 || scan_param_ == 1049)) {
    scan_match_ = static_cast<int>(scan_param_);
  }
  scan_param_ = 0;
}

// Notes what entering the alternate screen saves, while the primary screen is still the
// visible one: the cursor, the pen, the cursor's look and the rows' DEC line sizes.
void ScreenModel::save_primary(int mode) {
  PrimarySaved saved;
  saved.cursor = cursor();
  saved.pen = pen();
  saved.cursor_visible = cursor_visible_;
  saved.cursor_blink = cursor_blink_;
  saved.cursor_shape = cursor_shape_;
  saved.mode = mode;
  for (int row = 0; row < primary_grid_.rows(); ++row) {
    const VTermLineInfo* line = vterm_state_get_lineinfo(state_, row);
    saved.lines.push_back(line != nullptr ? *line : VTermLineInfo{});
  }
  primary_ = std::move(saved);
}

// One cell of the grid, or an empty one outside it.
VTermScreenCell ScreenModel::unpack(const Grid& grid, int row, int col) const {
  if (row < 0 || row >= grid.rows() || col < 0 || col >= grid.cols()) return VTermScreenCell{};
  return unpack_cell(grid.row(row), col, grid.cols(), glyphs_);
}

// One row of a grid's cells, with their true attributes (no DECSCNM flip).
std::vector<VTermScreenCell> ScreenModel::row_cells(const Grid& grid, int row) const {
  std::vector<VTermScreenCell> cells(static_cast<std::size_t>(grid.cols()));
  for (int col = 0; col < grid.cols(); ++col)
    cells[static_cast<std::size_t>(col)] = unpack(grid, row, col);
  return cells;
}

// The bytes that draw one row of a grid from its first column: the DEC line size if the
// row has one, then its cells. Empty when the row is blank (a cleared screen already is).
std::string ScreenModel::render_row(const Grid& grid, int row, const VTermLineInfo* line) const {
  std::string out;
  if (line != nullptr && line->doubleheight != 0) {
    out += line->doubleheight == 1 ? "\x1b#3" : "\x1b#4";
  } else if (line != nullptr && line->doublewidth != 0) {
    out += "\x1b#6";
  }
  write_cells(out, row_cells(grid, row), false, BlankCells::kErase);
  return out;
}

// Runs one of libvterm's keyboard or mouse functions and returns what it would have sent.
std::string ScreenModel::capture_probe(void (*probe)(VTerm*)) const {
  std::string captured;
  capture_ = &captured;
  probe(vt_.get());
  capture_ = nullptr;
  return captured;
}

}  // namespace pyattach
