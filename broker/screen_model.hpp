#pragma once
// The screen model of one session. Every byte the child writes to its PTY is fed in here
// (libvterm's state layer parses it, our Grid keeps the cells), so that a client attaching later
// can be sent bytes that redraw what the screen shows right now, and lines that scrolled off the
// top are kept as a bounded scrollback of text with SGR attributes. This class takes bytes
// at once; Screen (screen.hpp) is what sessions use: it gathers output and feeds it here
// in large pieces, which lets feed() leave out lines that could not survive anyway.

#include <vterm.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ascii_charset.hpp"
#include "pty.hpp"
#include "screen_grid.hpp"

namespace pyattach {

// Modes of the session's terminal that decide what the user's terminal sends (keys, mouse,
// paste, focus) or how it shows the cursor and colours; redraw() puts each of them back.
struct TerminalModes {
  bool cursor_keys_application = false;  // DECCKM, CSI ?1h
  bool keypad_application = false;       // DECKPAM, ESC =
  bool bracketed_paste = false;          // CSI ?2004h
  bool focus_reporting = false;          // CSI ?1004h
  int mouse_tracking = 0;                // 0 (off), 1000 (clicks), 1002 (drags), 1003 (moves)
  int mouse_encoding = 0;                // 0 (X10), 1006 (SGR) or 1015 (urxvt)
  bool reverse_video = false;            // DECSCNM, CSI ?5h
  bool cursor_blink = true;
  int cursor_shape = VTERM_PROP_CURSORSHAPE_BLOCK;  // VTERM_PROP_CURSORSHAPE_*
  bool operator==(const TerminalModes&) const = default;
};

class ScreenModel {
 public:
  static constexpr std::size_t kDefaultScrollbackLines = 2000;

  // leave_out_lines false: every line is drawn (tests compare with that).
  explicit ScreenModel(WindowSize size, std::size_t scrollback_limit = kDefaultScrollbackLines,
                       bool leave_out_lines = true);
  ~ScreenModel() = default;
  ScreenModel(const ScreenModel&) = delete;
  ScreenModel& operator=(const ScreenModel&) = delete;
  ScreenModel(ScreenModel&&) = delete;
  ScreenModel& operator=(ScreenModel&&) = delete;

  // Hot path: everything the child wrote, in order, in chunks of any size. A CSI sequence
  // with more than 16 arguments is cut to 16 (libvterm 0.1.4 crashes on more). Lines of a
  // chunk that would scroll out of both the screen and the scrollback before the chunk
  // ends are not drawn when that provably gives the same state (feed_plain_text()).
  void feed(std::string_view bytes);
  void resize(WindowSize size);
  WindowSize size() const;

  // Bytes that, written to a terminal of the same size in any state, reproduce the current
  // screen: cells with their attributes and colours, the alternate screen (with the primary
  // screen behind it), cursor position, visibility and shape, the input modes of
  // TerminalModes, the SGR pen, and the window title if one was set.
  std::string redraw() const;

  // Plain text of the visible screen: rows joined by '\n', trailing spaces trimmed.
  std::string text() const;
  // The visible rows with their SGR attributes and colours, each ending in "\r\n" with the
  // pen reset and trailing blank cells trimmed (capture --ansi).
  std::string styled_text() const;

  // Lines that scrolled off the top of the primary screen, at most the limit given.
  std::size_t scrollback_lines() const { return scrollback_.size(); }
  // The newest max_lines of them, oldest first, as plain text joined by '\n'.
  std::string scrollback_text(std::size_t max_lines) const;
  // The same lines with their SGR attributes, each ending in "\r\n" with the pen reset,
  // ready to be written to a terminal.
  std::string scrollback_styled(std::size_t max_lines) const;

  bool alternate_screen() const { return alternate_; }
  bool cursor_visible() const { return cursor_visible_; }
  VTermPos cursor() const;
  TerminalModes modes() const;
  // The title set by OSC 0 or OSC 2, if any.
  const std::optional<std::string>& title() const { return title_; }

  // Bytes feed() left out so far (feed_plain_text()), for tests and benchmarks.
  std::size_t bytes_left_out() const { return bytes_left_out_; }

  // For tests and capture: one cell as libvterm holds it, and the SGR pen new text gets
  // (as a cell without characters).
  VTermScreenCell cell(int row, int col) const;
  VTermScreenCell pen() const;

 private:
  struct VTermDeleter {
    void operator()(VTerm* vt) const { vterm_free(vt); }
  };
  // What entering the alternate screen saved (the primary grid itself stays behind it).
  struct PrimarySaved {
    VTermPos cursor{};           // where the entering sequence saved the cursor
    VTermScreenCell pen{};       // and the pen it saved
    bool cursor_visible = true;  // and (libvterm's DECSC) the cursor's look
    bool cursor_blink = true;
    int cursor_shape = VTERM_PROP_CURSORSHAPE_BLOCK;
    int mode = 1049;                   // 47, 1047 or 1049: the sequence that entered it
    std::vector<VTermLineInfo> lines;  // DEC line sizes of the primary rows
  };
  // What libvterm did with one character, while write_text_run() checks its first.
  struct GlyphProbe {
    bool armed = false;
    int glyphs = 0;             // putglyph calls
    bool other_change = false;  // cells moved, erased or scrolled, rows resized
    VTermPos pos{};             // of the last glyph
    uint32_t ch = 0;            // its character, 0 if it had combining ones
    int width = 0;
    bool protected_cell = false;
    int scrolls = 0;        // on_scrollrect calls
    VTermRect scrolled{};   // the last one's rectangle
    int scrolled_down = 0;  // and how far it scrolled
  };
  enum class ScanState : unsigned char { kGround, kEscape, kCsi, kCsiOverflow };
  enum class ScanAction : unsigned char { kPass, kAlternateScreenSet, kDrop, kRepeat };

  // libvterm's state layer reports every change to the cells through these.
  static int on_putglyph(VTermGlyphInfo* info, VTermPos pos, void* user);
  static int on_movecursor(VTermPos pos, VTermPos oldpos, int visible, void* user);
  static int on_scrollrect(VTermRect rect, int downward, int rightward, void* user);
  static int on_moverect(VTermRect dest, VTermRect src, void* user);
  static int on_erase(VTermRect rect, int selective, void* user);
  static int on_initpen(void* user);
  static int on_setpenattr(VTermAttr attr, VTermValue* val, void* user);
  static int on_settermprop(VTermProp prop, VTermValue* val, void* user);
  static int on_bell(void* user);
  static int on_resize(int rows, int cols, VTermPos* delta, void* user);
  static int on_setlineinfo(int row, const VTermLineInfo* newinfo, const VTermLineInfo* oldinfo,
                            void* user);
  static void on_output(const char* bytes, std::size_t len, void* user);

  void feed_complete(std::string_view bytes);
  void feed_parsed(std::string_view bytes);
  void feed_plain_text(std::string_view text);
  bool feed_probe_line(std::string_view line);
  void write_vterm(std::string_view bytes);
  void give_libvterm(std::string_view bytes);
  void write_text_run(std::string_view run);
  CellPen glyph_pen(bool protected_cell) const;
  ScanAction scan(char c);
  void note_scan_param();
  void save_primary(int mode);
  Grid& grid() { return alternate_ ? alternate_grid_ : primary_grid_; }
  const Grid& grid() const { return alternate_ ? alternate_grid_ : primary_grid_; }
  void push_scrollback(const GridCell* cells, int cols);
  void collect_glyphs();
  VTermScreenCell unpack(const Grid& grid, int row, int col) const;
  std::vector<VTermScreenCell> row_cells(const Grid& grid, int row) const;
  std::string render_row(const Grid& grid, int row, const VTermLineInfo* line) const;
  std::string capture_probe(void (*probe)(VTerm*)) const;

  std::unique_ptr<VTerm, VTermDeleter> vt_;
  VTermState* state_ = nullptr;  // owned by vt_
  VTermStateCallbacks callbacks_{};
  Grid primary_grid_;
  Grid alternate_grid_;
  GlyphTable glyphs_;
  CellPen pen_;  // what new glyphs and erased cells get
  std::size_t scrollback_limit_;
  std::deque<std::string> scrollback_;  // styled lines, oldest first

  bool alternate_ = false;
  bool cursor_visible_ = true;
  bool cursor_blink_ = true;
  bool reverse_video_ = false;
  int cursor_shape_ = VTERM_PROP_CURSORSHAPE_BLOCK;
  int mouse_prop_ = VTERM_PROP_MOUSE_NONE;
  std::optional<std::string> title_;
  std::optional<std::string> icon_name_;
  std::optional<PrimarySaved> primary_;

  // Follows CSI sequences in the byte stream: to note what the primary screen saves just
  // before CSI ? 47/1047/1049 h switches away from it, and to keep sequences with more arguments
  // than libvterm 0.1.4 can hold (it crashes on the 17th) from reaching it.
  ScanState scan_state_ = ScanState::kGround;
  unsigned scan_param_ = 0;
  unsigned scan_separators_ = 0;
  bool scan_private_ = false;
  bool scan_other_leader_ = false;  // a leader other than '?', or an intermediate byte
  // The width of the last glyph libvterm drew (its "combine_width"): REP repeats that
  // glyph, and libvterm 0.1.4 loops forever on a REP when it is below 1 (nothing drawn
  // yet, or a control character of width -1).
  int last_glyph_width_ = 0;
  int scan_match_ = 0;

  // Whether printable ASCII is drawn as itself (write_vterm), and the check of a run.
  AsciiCharset charset_;
  GlyphProbe probe_;
  bool last_given_ascii_ = true;  // the last byte libvterm got
  std::string utf8_held_;         // an incomplete UTF-8 character at the end of a feed
  bool leave_out_lines_;
  std::size_t bytes_left_out_ = 0;

  // Where libvterm's output goes while redraw() probes a mode; null otherwise, and then
  // the output (answers to the child's queries) is dropped.
  mutable std::string* capture_ = nullptr;
};

}  // namespace pyattach
