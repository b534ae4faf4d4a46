#pragma once
// Well-formed UTF-8 (RFC 3629): what JSON strings can carry. Free of the C library, for
// the client's fast paths too.

namespace pyattach {

// The length of the well-formed UTF-8 sequence at `text` (no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0. `left` bytes are readable, at least one.
inline unsigned long utf8_sequence_length(const char* text, unsigned long left) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text);
  if (bytes[0] < 0x80) return 1;
  unsigned long length;
  unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
  if (bytes[0] >= 0xc2 && bytes[0] <= 0xdf) {
    length = 2;
  } else if (bytes[0] >= 0xe0 && bytes[0] <= 0xef) {
    length = 3;
    if (bytes[0] == 0xe0) low = 0xa0;
    if (bytes[0] == 0xed) high = 0x9f;
  } else if (bytes[0] >= 0xf0 && bytes[0] <= 0xf4) {
    length = 4;
    if (bytes[0] == 0xf0) low = 0x90;
    if (bytes[0] == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (left < length || bytes[1] < low || bytes[1] > high) return 0;
  for (unsigned long k = 2; k < length; ++k)
    if (bytes[k] < 0x80 || bytes[k] > 0xbf) return 0;
  return length;
}

inline bool is_utf8(const char* text, unsigned long size) {
  for (unsigned long i = 0; i < size;) {
    const unsigned long length = utf8_sequence_length(text + i, size - i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace pyattach
