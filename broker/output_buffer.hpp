#pragma once
// Bytes gathered up to a fixed capacity, in memory mapped only while it holds any (or is
// asked to keep it): a session's output waiting for its screen model (Screen) must not
// leave megabytes behind in the broker's heap once it has been fed.

#include <cstddef>
#include <string_view>

namespace pyattach {

class OutputBuffer {
 public:
  explicit OutputBuffer(std::size_t capacity) : capacity_(capacity) {}
  ~OutputBuffer() { release(); }
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view bytes() const { return {data_, size_}; }

  // Adds bytes at the end; false (and nothing added) if they do not fit.
  bool append(std::string_view more);
  // Empties it and keeps the memory for the next bytes.
  void clear() { size_ = 0; }
  // Empties it and gives the memory back.
  void release();

 private:
  std::size_t capacity_;
  std::size_t size_ = 0;
  char* data_ = nullptr;  // capacity_ bytes of anonymous mapping, or null
};

}  // namespace pyattach
