#pragma once
// Reads the broker's replies: frames (frame.hpp's format) off the socket, and the few
// top-level fields the starter needs out of their JSON.

#include "frame.hpp"
#include "linux_syscalls.hpp"

namespace pyattach {

// Where the value of top-level `key` starts in the JSON object `json`, or `size` if it has
// none. Strings are skipped whole, so a key's name inside a value is not mistaken for it.
inline unsigned long json_top_level_value(const char* json, unsigned long size, const char* key) {
  int depth = 0;
  for (unsigned long i = 0; i < size; ++i) {
    const char c = json[i];
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    if (c != '"') continue;
    const unsigned long start = ++i;  // a string: find its end
    while (i < size && json[i] != '"') i += json[i] == '\\' ? 2 : 1;
    if (i >= size) return size;
    if (depth != 1 || i + 1 >= size || json[i + 1] != ':') continue;
    unsigned long k = 0;
    while (key[k] != '\0' && start + k < i && json[start + k] == key[k]) ++k;
    if (key[k] == '\0' && start + k == i) return i + 2;
  }
  return size;
}

// The integer value of top-level `key`, or `otherwise`.
inline long json_top_level_number(const char* json, unsigned long size, const char* key,
                                  long otherwise) {
  unsigned long at = json_top_level_value(json, size, key);
  const bool negative = at < size && json[at] == '-';
  if (negative) ++at;
  if (at >= size || json[at] < '0' || json[at] > '9') return otherwise;
  long value = 0;
  while (at < size && json[at] >= '0' && json[at] <= '9' && value < 1'000'000'000)
    value = value * 10 + (json[at++] - '0');
  return negative ? -value : value;
}

// Whether top-level `key` holds the string `expected` (which has nothing to escape).
inline bool json_top_level_string_is(const char* json, unsigned long size, const char* key,
                                     const char* expected) {
  unsigned long at = json_top_level_value(json, size, key);
  if (at >= size || json[at++] != '"') return false;
  for (unsigned long k = 0; expected[k] != '\0'; ++k, ++at)
    if (at >= size || json[at] != expected[k]) return false;
  return at < size && json[at] == '"';
}

class ReplyReader {
 public:
  struct Reply {
    MsgType type;
    const char* payload;
    unsigned long size;
  };

  explicit ReplyReader(int socket) : socket_(socket) {}

  // The next whole frame, if one is buffered. Its payload stays valid until the next call.
  bool next(Reply& reply) {
    if (consumed_ > 0) {  // drop the frame handed out last time
      for (unsigned long i = consumed_; i < size_; ++i) buffer_[i - consumed_] = buffer_[i];
      size_ -= consumed_;
      consumed_ = 0;
    }
    if (size_ < kFrameHeaderSize) return false;
    const unsigned long length = little_endian(buffer_ + 4);
    if (length > sizeof buffer_ - kFrameHeaderSize) {
      broken_ = true;  // no reply the starter waits for is this long
      return false;
    }
    if (size_ < kFrameHeaderSize + length) return false;
    reply = {static_cast<MsgType>(little_endian(buffer_)), buffer_ + kFrameHeaderSize, length};
    consumed_ = kFrameHeaderSize + length;
    return true;
  }

  // Reads what the socket has (blocking if it has nothing). False at its end or on error.
  bool read_some() {
    if (broken_ || size_ == sizeof buffer_) return false;
    for (;;) {
      const long got = sys::read(socket_, buffer_ + size_, sizeof buffer_ - size_);
      if (got == -4) continue;  // EINTR
      if (got <= 0) return false;
      size_ += static_cast<unsigned long>(got);
      return true;
    }
  }

 private:
  static unsigned long little_endian(const char* bytes) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes);
    return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<unsigned long>(b[3]) << 24);
  }

  int socket_;
  char buffer_[16 * 1024];
  unsigned long size_ = 0;
  unsigned long consumed_ = 0;
  bool broken_ = false;
};

}  // namespace pyattach
