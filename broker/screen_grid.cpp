#include "screen_grid.hpp"

#include <algorithm>
#include <numeric>

namespace pyattach {

// Keeps only the bytes that mean something for the colour's type.
VTermColor CellPen::normalised(const VTermColor& c) {
  VTermColor out{.rgb = {}};  // all four bytes zero (see CellPen::fg)
  if ((c.type & VTERM_COLOR_DEFAULT_MASK) != 0) {
    out.type = c.type & VTERM_COLOR_DEFAULT_MASK;
  } else if (VTERM_COLOR_IS_INDEXED(&c)) {
    out.type = VTERM_COLOR_INDEXED;
    out.indexed.idx = c.indexed.idx;
  } else {
    out.type = VTERM_COLOR_RGB;
    out.rgb.red = c.rgb.red;
    out.rgb.green = c.rgb.green;
    out.rgb.blue = c.rgb.blue;
  }
  return out;
}

uint32_t GlyphTable::intern(const uint32_t* chars, std::size_t count) {
  std::u32string glyph(reinterpret_cast<const char32_t*>(chars), count);
  auto [it, added] = index_.try_emplace(glyph, static_cast<uint32_t>(glyphs_.size()));
  if (added) glyphs_.push_back(std::move(glyph));
  return kGlyphRef | it->second;
}

Grid::Grid(int rows, int cols)
    : rows_(std::max(rows, 1)),
      cols_(std::max(cols, 1)),
      row_index_(static_cast<std::size_t>(rows_)),
      cells_(static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_)) {
  std::iota(row_index_.begin(), row_index_.end(), 0u);
}

bool Grid::row_is_blank(int r) const {
  const GridCell* cells = row(r);
  return std::all_of(cells, cells + cols_, [](const GridCell& c) { return c.ch == 0; });
}

void Grid::erase(VTermRect rect, const CellPen& pen, bool selective) {
  rect.start_row = std::max(rect.start_row, 0);
  rect.end_row = std::min(rect.end_row, rows_);
  rect.start_col = std::max(rect.start_col, 0);
  rect.end_col = std::min(rect.end_col, cols_);
  GridCell blank;
  blank.pen = pen;
  blank.pen.attrs &= ~CellPen::kProtected;
  for (int r = rect.start_row; r < rect.end_row; ++r) {
    GridCell* cells = row(r);
    if (!selective) {
      std::fill(cells + rect.start_col, cells + rect.end_col, blank);
      continue;
    }
    for (int c = rect.start_col; c < rect.end_col; ++c) {
      if (selective && (cells[c].pen.attrs & CellPen::kProtected) != 0) continue;
      cells[c] = blank;
    }
  }
}

// Rows swap ring slots rather than cells: each step makes slot `to` show the row that slot
// `from` showed, and `from` takes the old row of `to`, which is erased or overwritten later.
void Grid::scroll_rows(int top, int bottom, int n, const CellPen& pen) {
  top = std::max(top, 0);
  bottom = std::min(bottom, rows_);
  const int height = bottom - top;
  if (height <= 0 || n == 0) return;
  if (std::abs(n) >= height) {
    erase(VTermRect{top, bottom, 0, cols_}, pen, false);
    return;
  }
  if (top == 0 && bottom == rows_) {
    // The whole screen: rotate the ring.
    top_ = slot(n > 0 ? n : rows_ + n);
  } else if (n > 0) {
    for (int r = top; r + n < bottom; ++r) std::swap(row_index_[slot(r)], row_index_[slot(r + n)]);
  } else {
    for (int r = bottom - 1; r + n >= top; --r) {
      std::swap(row_index_[slot(r)], row_index_[slot(r + n)]);
    }
  }
  if (n > 0) {
    erase(VTermRect{bottom - n, bottom, 0, cols_}, pen, false);
  } else {
    erase(VTermRect{top, top - n, 0, cols_}, pen, false);
  }
}

void Grid::move_rect(VTermRect dest, VTermRect src) {
  const int height = std::min(dest.end_row - dest.start_row, src.end_row - src.start_row);
  const int width = std::min(dest.end_col - dest.start_col, src.end_col - src.start_col);
  if (height <= 0 || width <= 0) return;
  const auto copy_row = [&](int i) {
    const int to_row = dest.start_row + i;
    const int from_row = src.start_row + i;
    if (to_row < 0 || to_row >= rows_ || from_row < 0 || from_row >= rows_) return;
    const int w = std::min({width, cols_ - dest.start_col, cols_ - src.start_col});
    if (w <= 0 || dest.start_col < 0 || src.start_col < 0) return;
    std::memmove(row(to_row) + dest.start_col, row(from_row) + src.start_col,
                 static_cast<std::size_t>(w) * sizeof(GridCell));
  };
  // Rows are distinct memory; only their order matters when the ranges overlap.
  if (dest.start_row <= src.start_row) {
    for (int i = 0; i < height; ++i) copy_row(i);
  } else {
    for (int i = height - 1; i >= 0; --i) copy_row(i);
  }
}

void Grid::resize(int rows, int cols) {
  rows = std::max(rows, 1);
  cols = std::max(cols, 1);
  std::vector<GridCell> cells(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  const int keep_rows = std::min(rows, rows_);
  const int keep_cols = std::min(cols, cols_);
  for (int r = 0; r < keep_rows; ++r) {
    std::copy_n(row(r), keep_cols, &cells[static_cast<std::size_t>(r) * cols]);
  }
  rows_ = rows;
  cols_ = cols;
  cells_ = std::move(cells);
  top_ = 0;
  row_index_.assign(static_cast<std::size_t>(rows_), 0);
  std::iota(row_index_.begin(), row_index_.end(), 0u);
}

}  // namespace pyattach
