#pragma once
// The cells of one screen (primary or alternate) of a session, driven by libvterm's state
// layer. Rows live in a ring: scrolling the whole screen moves where the ring starts
// instead of moving cells (libvterm's own screen layer memmoves every cell per line,
// which made the model the slowest part of a session). A scroll region moves row indices,
// never cells; only horizontal moves (insert/delete characters) copy cells.

#include <vterm.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace pyattach {

// libvterm marks the right half of a double-width character with this "character".
constexpr uint32_t kWideRightHalf = 0xffffffff;
// A cell whose glyph has combining characters holds this bit and an index into a
// GlyphTable instead of a code point (code points from libvterm stay below 2^31).
constexpr uint32_t kGlyphRef = 0x80000000;

// The SGR state a cell is drawn with, packed into 10 bytes. Colours are normalised (a
// default colour has no RGB value, an indexed one no stray bytes) so pens compare bytewise.
struct CellPen {
  enum Bits : uint16_t {
    kBold = 1 << 0,
    kUnderlineShift = 1,  // two bits: VTERM_UNDERLINE_*
    kItalic = 1 << 3,
    kBlink = 1 << 4,
    kReverse = 1 << 5,
    kStrike = 1 << 6,
    kFontShift = 7,  // four bits: 0-9
    kProtected = 1 << 11,
  };
  // Initialised through .rgb, the member that spans all four bytes: a union brace-
  // initialised by .type leaves the other three unset (clang does not zero them), and
  // pens are compared with memcmp.
  VTermColor fg{.rgb = {.type = VTERM_COLOR_DEFAULT_FG, .red = 0, .green = 0, .blue = 0}};
  VTermColor bg{.rgb = {.type = VTERM_COLOR_DEFAULT_BG, .red = 0, .green = 0, .blue = 0}};
  uint16_t attrs = 0;

  bool operator==(const CellPen& other) const {
    return attrs == other.attrs && std::memcmp(&fg, &other.fg, sizeof fg) == 0 &&
           std::memcmp(&bg, &other.bg, sizeof bg) == 0;
  }
  // The same pen without the DECSCA protection bit, which does not change how it looks.
  bool looks_like(const CellPen& other) const {
    return ((attrs ^ other.attrs) & ~kProtected) == 0 &&
           std::memcmp(&fg, &other.fg, sizeof fg) == 0 &&
           std::memcmp(&bg, &other.bg, sizeof bg) == 0;
  }
  static VTermColor normalised(const VTermColor& c);
};

struct GridCell {
  uint32_t ch = 0;  // 0 (empty), a code point, kWideRightHalf, or kGlyphRef | index
  CellPen pen;
};

// Glyphs of more than one code point (a base and its combining characters), shared by
// both screens and referenced from cells by index. Identical glyphs share one entry.
class GlyphTable {
 public:
  uint32_t intern(const uint32_t* chars, std::size_t count);
  const std::u32string& at(uint32_t ref) const { return glyphs_[ref & ~kGlyphRef]; }
  std::size_t size() const { return glyphs_.size(); }
  // Drops every glyph no cell uses any more: `remap` is called with each live cell
  // reference and must return it renumbered. Called when the table outgrows the screens.
  template <typename ForEachCell>
  void collect(ForEachCell&& for_each_cell);

 private:
  std::vector<std::u32string> glyphs_;
  std::unordered_map<std::u32string, uint32_t> index_;
};

template <typename ForEachCell>
void GlyphTable::collect(ForEachCell&& for_each_cell) {
  std::vector<std::u32string> kept;
  std::unordered_map<std::u32string, uint32_t> kept_index;
  for_each_cell([&](GridCell& cell) {
    if ((cell.ch & kGlyphRef) == 0 || cell.ch == kWideRightHalf) return;
    const std::u32string& glyph = at(cell.ch);
    auto [it, added] = kept_index.try_emplace(glyph, static_cast<uint32_t>(kept.size()));
    if (added) kept.push_back(glyph);
    cell.ch = kGlyphRef | it->second;
  });
  glyphs_ = std::move(kept);
  index_ = std::move(kept_index);
}

class Grid {
 public:
  Grid(int rows, int cols);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  GridCell* row(int r) { return &cells_[physical(r) * static_cast<std::size_t>(cols_)]; }
  const GridCell* row(int r) const {
    return &cells_[physical(r) * static_cast<std::size_t>(cols_)];
  }
  bool row_is_blank(int r) const;

  // Empties the cells of a rectangle, giving them `pen` (as a terminal's erase does);
  // `selective` spares DECSCA-protected cells.
  void erase(VTermRect rect, const CellPen& pen, bool selective);
  // Moves the full-width rows [top, bottom) up by n (down when n < 0); the rows scrolled
  // in are erased with `pen`. The whole screen scrolls by rotating the ring.
  void scroll_rows(int top, int bottom, int n, const CellPen& pen);
  // Copies a rectangle of cells (any overlap).
  void move_rect(VTermRect dest, VTermRect src);
  // New size, keeping the top-left part of the content.
  void resize(int rows, int cols);

  template <typename F>
  void for_each_cell(F&& f) {
    for (GridCell& cell : cells_) f(cell);
  }

 private:
  // No division here: this runs for every glyph.
  std::size_t slot(int r) const {
    const std::size_t at = static_cast<std::size_t>(r) + top_;
    return at >= static_cast<std::size_t>(rows_) ? at - static_cast<std::size_t>(rows_) : at;
  }
  std::size_t physical(int r) const { return row_index_[slot(r)]; }
  int rows_;
  int cols_;
  std::size_t top_ = 0;              // ring position of row 0
  std::vector<uint32_t> row_index_;  // ring slot -> row of cells_
  std::vector<GridCell> cells_;      // rows_ * cols_
};

}  // namespace pyattach
