// ScreenModel::feed_plain_text: leaving out the lines of a long stretch of plain text that
// cannot be seen once the stretch has been fed.
//
// Why it is exact. Once the cursor is on the bottom row of a scroll region that is the
// whole screen, plain text keeps it there: printable characters move it right (wrapping
// scrolls), CR moves it to column 0, LF scrolls. So each "\r\n" in the stretch leaves the same
// state apart from the cells and the scrollback: cursor at the bottom row, column 0, no wrap
// pending, a bottom row just scrolled in (blank with the unchanged pen, single width), the
// parser in its ground state. From such a point, N more line feeds scroll N times: once
// rows + scrollback limit of them follow, every row on the screen and every line kept in
// the scrollback was scrolled in after that point, and none of the cells from before it
// remain. So the text between two such points (the probe line's end and the cut) can be left
// out. libvterm also remembers the last glyph (to add combining characters to it, and for
// REP); a glyph after the cut replaces it.
//
// Nothing is assumed: the probe line, fed whole through libvterm, shows the state. Its first
// character must become a glyph in the cursor's cell (so the parser is in its ground state,
// not inside an escape sequence or a string) and its LF must scroll the full screen by one row
// from the bottom row (so the scroll region is the whole screen, with no left/right margins).
// Any doubt, and the stretch is fed like any other output.

#include "screen_model.hpp"
#include "text_stretch.hpp"

namespace pyattach {

void ScreenModel::feed_plain_text(std::string_view text) {
  const auto rows = static_cast<std::size_t>(primary_grid_.rows());
  // A screenful of line feeds brings the cursor to the bottom row from anywhere.
  std::size_t probe = after_line_feed(text, rows);
  const std::size_t cut = cut_keeping_line_feeds(text, rows + scrollback_limit_);
  // (The stretch may begin inside an escape sequence: the head finishes it.)
  if (probe == std::string_view::npos || cut == std::string_view::npos ||
      primary_grid_.cols() < 2) {
    feed_parsed(text);
    return;
  }
  // The probe line: a character first (to see it drawn) and "\r\n" last.
  std::size_t probe_end = probe;
  for (; probe < cut; probe = probe_end) {
    probe_end = after_line_feed(text.substr(probe), 1) + probe;
    const std::size_t length = probe_end - probe;
    if (length >= 3 && text[probe] != '\r' && text[probe] != '\n' && text[probe_end - 2] == '\r')
      break;
  }
  // Something drawn after the cut, so that libvterm's last glyph is the same either way.
  const bool glyph_after_cut = text.find_first_not_of("\r\n", cut) != std::string_view::npos;
  if (probe >= cut || !glyph_after_cut) {
    feed_parsed(text);
    return;
  }
  feed_parsed(text.substr(0, probe));
  const bool can_skip = feed_probe_line(text.substr(probe, probe_end - probe));
  if (can_skip) bytes_left_out_ += cut - probe_end;
  feed_parsed(text.substr(can_skip ? cut : probe_end));
}

// Feeds one line of plain text (a character first, "\r\n" last) and says whether it showed
// the state that makes feed_plain_text() exact. The line is fed either way, as feed_parsed()
// would have fed it.
bool ScreenModel::feed_probe_line(std::string_view line) {
  if (alternate_ || !charset_.idle() || scan_state_ != ScanState::kGround || !last_given_ascii_) {
    feed_parsed(line);
    return false;
  }
  // With the character set tracker idle, write_vterm() would give libvterm this line as it
  // is: printable text leaves the tracker alone and CR and LF change nothing in it.
  const int rows = primary_grid_.rows();
  const int cols = primary_grid_.cols();
  const VTermPos at = cursor();
  probe_ = GlyphProbe{.armed = true};
  vterm_input_write(vt_.get(), line.data(), 1);
  const GlyphProbe drawn = probe_;
  const VTermPos after = cursor();
  probe_.armed = false;
  const bool ground = drawn.glyphs == 1 && !drawn.other_change && drawn.width == 1 &&
                      drawn.pos.row == at.row && drawn.pos.col == at.col &&
                      drawn.ch == static_cast<unsigned char>(line[0]) && after.row == at.row &&
                      after.col == at.col + 1;

  vterm_input_write(vt_.get(), line.data() + 1, line.size() - 2);  // the rest and the CR
  const VTermPos before_lf = cursor();
  probe_ = GlyphProbe{.armed = true};
  vterm_input_write(vt_.get(), "\n", 1);
  const GlyphProbe fed = probe_;
  const VTermPos end = cursor();
  probe_.armed = false;
  last_given_ascii_ = true;
  const bool full_screen_scroll = fed.scrolls == 1 && fed.glyphs == 0 && fed.scrolled_down == 1 &&
                                  fed.scrolled.start_row == 0 && fed.scrolled.end_row == rows &&
                                  fed.scrolled.start_col == 0 && fed.scrolled.end_col == cols;
  const bool at_bottom =
      before_lf.row == rows - 1 && before_lf.col == 0 && end.row == rows - 1 && end.col == 0;
  return ground && full_screen_scroll && at_bottom && !alternate_;
}

}  // namespace pyattach
