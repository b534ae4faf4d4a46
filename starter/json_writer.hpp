#pragma once
// Writes a JSON request into a fixed buffer, as nlohmann::json would read it back.
//
// Strings are written as UTF-8 with the escapes JSON requires. A string that is not valid
// UTF-8, or a request that does not fit, marks the writer failed: the starter then hands
// the whole run to the full client, which has its own answer for those cases.

#include "utf8.hpp"

namespace pyattach {

class JsonWriter {
 public:
  JsonWriter(char* buffer, unsigned long capacity) : data_(buffer), capacity_(capacity) {}

  bool failed() const { return failed_; }
  const char* data() const { return data_; }
  unsigned long size() const { return size_; }

  void raw(const char* text) {
    while (*text != '\0') put(*text++);
  }
  void number(unsigned long value) {
    char digits[24];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value > 0);
    while (count > 0) put(digits[--count]);
  }
  // `size` bytes of `text` as a JSON string.
  void string(const char* text, unsigned long size) {
    put('"');
    for (unsigned long i = 0; i < size;) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if (byte >= 0x80) {
        const unsigned long length = utf8_sequence_length(text + i, size - i);
        if (length == 0) {
          failed_ = true;
          return;
        }
        for (unsigned long k = 0; k < length; ++k) put(text[i + k]);
        i += length;
        continue;
      }
      escaped(static_cast<char>(byte));
      ++i;
    }
    put('"');
  }
  void string(const char* text) { string(text, length(text)); }

  static unsigned long length(const char* text) {
    unsigned long size = 0;
    while (text[size] != '\0') ++size;
    return size;
  }

 private:
  void put(char c) {
    if (size_ == capacity_) {
      failed_ = true;
      return;
    }
    data_[size_++] = c;
  }

  void escaped(char c) {
    static constexpr char kHex[] = "0123456789abcdef";
    switch (c) {
      case '"':
        raw("\\\"");
        return;
      case '\\':
        raw("\\\\");
        return;
      case '\n':
        raw("\\n");
        return;
      case '\r':
        raw("\\r");
        return;
      case '\t':
        raw("\\t");
        return;
      default:
        break;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      raw("\\u00");
      put(kHex[(c >> 4) & 0xf]);
      put(kHex[c & 0xf]);
      return;
    }
    put(c);
  }

  char* data_;
  unsigned long capacity_;
  unsigned long size_ = 0;
  bool failed_ = false;
};

}  // namespace pyattach
