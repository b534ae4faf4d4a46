#include "screen.hpp"

#include "text_stretch.hpp"

namespace pyattach {

Screen::Screen(WindowSize size, std::size_t scrollback_limit, std::size_t defer_bytes,
               bool leave_out_lines)
    : model_(size, scrollback_limit, leave_out_lines), waiting_(defer_bytes) {}

void Screen::feed(std::string_view bytes) {
  if (waiting_.capacity() == 0) {
    model_.feed(bytes);
    return;
  }
  // Only plain text that may go on is worth keeping back: the model leaves lines out of a
  // long stretch of it, and sees all of a stretch in one piece only if it gets it whole.
  // Bytes up to the last other one (an escape sequence, a UTF-8 character) end any stretch,
  // so they go to the model now, together with what waits: output full of escape
  // sequences is fed as it comes, as it always was, and never piles up here.
  std::size_t plain_tail = 0;
  while (plain_tail < bytes.size() &&
         is_plain_text(static_cast<unsigned char>(bytes[bytes.size() - 1 - plain_tail]))) {
    ++plain_tail;
  }
  if (plain_tail < bytes.size()) {
    const std::string_view ended = bytes.substr(0, bytes.size() - plain_tail);
    if (waiting_.append(ended)) {
      model_.feed(waiting_.bytes());
    } else {
      model_.feed(waiting_.bytes());
      model_.feed(ended);
    }
    waiting_.clear();
    bytes.remove_prefix(ended.size());
  }
  if (waiting_.append(bytes)) return;
  // Full: the model takes what waits, and the buffer keeps its memory for what follows
  // (a full buffer means text is flooding in).
  model_.feed(waiting_.bytes());
  waiting_.clear();
  if (!waiting_.append(bytes)) model_.feed(bytes);  // larger than the buffer
}

void Screen::settle() const {
  if (!waiting_.empty()) model_.feed(waiting_.bytes());
  waiting_.release();
}

const ScreenModel& Screen::settled() const {
  settle();
  return model_;
}

void Screen::resize(WindowSize size) {
  settle();
  model_.resize(size);
}

std::string Screen::redraw() const {
  return settled().redraw();
}

std::string Screen::text() const {
  return settled().text();
}

std::string Screen::styled_text() const {
  return settled().styled_text();
}

std::size_t Screen::scrollback_lines() const {
  return settled().scrollback_lines();
}

std::string Screen::scrollback_text(std::size_t max_lines) const {
  return settled().scrollback_text(max_lines);
}

std::string Screen::scrollback_styled(std::size_t max_lines) const {
  return settled().scrollback_styled(max_lines);
}

bool Screen::alternate_screen() const {
  return settled().alternate_screen();
}

bool Screen::cursor_visible() const {
  return settled().cursor_visible();
}

VTermPos Screen::cursor() const {
  return settled().cursor();
}

TerminalModes Screen::modes() const {
  return settled().modes();
}

const std::optional<std::string>& Screen::title() const {
  return settled().title();
}

VTermScreenCell Screen::cell(int row, int col) const {
  return settled().cell(row, col);
}

VTermScreenCell Screen::pen() const {
  return settled().pen();
}

}  // namespace pyattach
