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

// The string value of top-level `key`, unescaped, written to `out` as UTF-8: its length,
// or -1 if there is no such string, it is malformed, or it does not fit in `capacity`.
inline long json_top_level_string(const char* json, unsigned long size, const char* key, char* out,
                                  unsigned long capacity) {
  unsigned long at = json_top_level_value(json, size, key);
  if (at >= size || json[at++] != '"') return -1;
  unsigned long length = 0;
  const auto put = [&](unsigned long byte) {
    if (length == capacity) return false;
    out[length++] = static_cast<char>(byte);
    return true;
  };
  const auto hex4 = [&](unsigned long& value) {
    value = 0;
    for (int k = 0; k < 4; ++k, ++at) {
      if (at >= size) return false;
      const char c = json[at];
      const int digit = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      if (digit < 0) return false;
      value = value * 16 + static_cast<unsigned long>(digit);
    }
    return true;
  };
  while (at < size && json[at] != '"') {
    if (json[at] != '\\') {
      if (!put(static_cast<unsigned char>(json[at++]))) return -1;
      continue;
    }
    if (++at >= size) return -1;
    const char escape = json[at++];
    const char* kPlain = "\"\\/bfnrt";
    const char* kMeans = "\"\\/\b\f\n\r\t";
    unsigned long code = 0;
    if (escape != 'u') {
      int k = 0;
      while (kPlain[k] != '\0' && kPlain[k] != escape) ++k;
      if (kPlain[k] == '\0' || !put(static_cast<unsigned char>(kMeans[k]))) return -1;
      continue;
    }
    if (!hex4(code)) return -1;
    if (code >= 0xd800 && code <= 0xdbff) {  // a surrogate pair: one character
      unsigned long low = 0;
      if (at + 1 >= size || json[at] != '\\' || json[at + 1] != 'u') return -1;
      at += 2;
      if (!hex4(low) || low < 0xdc00 || low > 0xdfff) return -1;
      code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return -1;
    }
    bool fits = true;
    if (code < 0x80) {
      fits = put(code);
    } else if (code < 0x800) {
      fits = put(0xc0 | (code >> 6)) && put(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      fits =
          put(0xe0 | (code >> 12)) && put(0x80 | ((code >> 6) & 0x3f)) && put(0x80 | (code & 0x3f));
    } else {
      fits = put(0xf0 | (code >> 18)) && put(0x80 | ((code >> 12) & 0x3f)) &&
             put(0x80 | ((code >> 6) & 0x3f)) && put(0x80 | (code & 0x3f));
    }
    if (!fits) return -1;
  }
  if (at >= size) return -1;
  return static_cast<long>(length);
}

class ReplyReader {
 public:
  struct Reply {
    MsgType type;
    const char* payload;
    unsigned long size;
  };

  // Frames are read into `buffer`: a reply longer than `capacity` cannot be read.
  ReplyReader(int socket, char* buffer, unsigned long capacity)
      : socket_(socket), buffer_(buffer), capacity_(capacity) {}

  // The next whole frame, if one is buffered. Its payload stays valid until the next call.
  bool next(Reply& reply) {
    if (consumed_ > 0) {  // drop the frame handed out last time
      for (unsigned long i = consumed_; i < size_; ++i) buffer_[i - consumed_] = buffer_[i];
      size_ -= consumed_;
      consumed_ = 0;
    }
    if (size_ < kFrameHeaderSize) return false;
    const unsigned long length = little_endian(buffer_ + 4);
    if (length > capacity_ - kFrameHeaderSize) {
      broken_ = true;  // longer than any reply the caller waits for
      return false;
    }
    if (size_ < kFrameHeaderSize + length) return false;
    reply = {static_cast<MsgType>(little_endian(buffer_)), buffer_ + kFrameHeaderSize, length};
    consumed_ = kFrameHeaderSize + length;
    return true;
  }

  // Reads what the socket has (blocking if it has nothing). False at its end or on error.
  bool read_some() {
    if (broken_ || size_ == capacity_) return false;
    for (;;) {
      const long got = sys::read(socket_, buffer_ + size_, capacity_ - size_);
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
  char* buffer_;
  unsigned long capacity_;
  unsigned long size_ = 0;
  unsigned long consumed_ = 0;
  bool broken_ = false;
};

}  // namespace pyattach
