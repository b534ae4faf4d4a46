#pragma once
// Finding long stretches of plain text (printable ASCII, CR and LF: what `yes`, logs and
// progress lines made of text are) in a session's output. The screen model does not draw
// the lines of such a stretch that would scroll out of the screen and the scrollback before
// the stretch ends (ScreenModel::feed_plain_text); these say where they are.

#include <cstddef>
#include <optional>
#include <string_view>

namespace pyattach {

struct TextStretch {
  std::size_t begin = 0;       // offset of its first byte
  std::size_t end = 0;         // one past its last byte
  std::size_t line_feeds = 0;  // '\n' bytes in it
};

// Whether a byte belongs in a stretch: it draws one ASCII character or is CR or LF.
constexpr bool is_plain_text(unsigned char c) {
  return (c >= 0x20 && c <= 0x7e) || c == '\r' || c == '\n';
}

// The first maximal stretch of plain text in `bytes` with at least `min_line_feeds` line
// feeds, if there is one.
std::optional<TextStretch> find_text_stretch(std::string_view bytes, std::size_t min_line_feeds);

// The offset just after the n-th '\n' of `text` (n >= 1), or npos if it has fewer.
std::size_t after_line_feed(std::string_view text, std::size_t n);

// The last offset that follows a "\r\n" and has at least `keep` line feeds after it, or
// npos. Cutting there starts a line in column 0 with no wrap pending.
std::size_t cut_keeping_line_feeds(std::string_view text, std::size_t keep);

}  // namespace pyattach
