#include "output_buffer.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace pyattach {

bool OutputBuffer::append(std::string_view more) {
  if (more.size() > capacity_ - size_) return false;
  if (more.empty()) return true;
  if (data_ == nullptr) {
    // Its own mapping rather than the heap: pages are touched only as bytes arrive, and
    // release() returns all of them (freed heap memory of this size may stay in the RSS).
    void* mapped = ::mmap(nullptr, capacity_, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<char*>(mapped);
  }
  std::memcpy(data_ + size_, more.data(), more.size());
  size_ += more.size();
  return true;
}

void OutputBuffer::release() {
  size_ = 0;
  if (data_ == nullptr) return;
  ::munmap(data_, capacity_);
  data_ = nullptr;
}

}  // namespace pyattach
