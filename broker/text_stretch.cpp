#include "text_stretch.hpp"

#include <cstring>

namespace pyattach {

std::optional<TextStretch> find_text_stretch(std::string_view bytes, std::size_t min_line_feeds) {
  std::size_t begin = 0;
  std::size_t line_feeds = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c <= 0x7e) continue;  // by far the most common: test it first
    if (c == '\n') {
      ++line_feeds;
      continue;
    }
    if (c == '\r') continue;
    if (line_feeds >= min_line_feeds) return TextStretch{begin, i, line_feeds};
    begin = i + 1;
    line_feeds = 0;
  }
  if (line_feeds >= min_line_feeds) return TextStretch{begin, bytes.size(), line_feeds};
  return std::nullopt;
}

std::size_t after_line_feed(std::string_view text, std::size_t n) {
  std::size_t at = 0;
  for (std::size_t seen = 0; seen < n; ++seen) {
    const void* found = std::memchr(text.data() + at, '\n', text.size() - at);
    if (found == nullptr) return std::string_view::npos;
    at = static_cast<std::size_t>(static_cast<const char*>(found) - text.data()) + 1;
  }
  return at;
}

std::size_t cut_keeping_line_feeds(std::string_view text, std::size_t keep) {
  std::size_t after = 0;  // line feeds after position i
  for (std::size_t i = text.size(); i-- > 0;) {
    if (text[i] != '\n') continue;
    if (after >= keep && i > 0 && text[i - 1] == '\r') return i + 1;
    ++after;
  }
  return std::string_view::npos;
}

}  // namespace pyattach
