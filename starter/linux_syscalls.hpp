#pragma once
// The Linux system calls the starter makes, called directly (x86_64).
//
// The starter links no C library: glibc's start-up alone (CPU feature detection, whose
// CPUID instructions trap to the hypervisor in a VM) costs about as much as everything
// else a warm run does. So there is no errno: each call returns the kernel's result, a
// negative errno on failure. Types and constants come from the system headers, which
// describe the kernel's interface here; nothing of the C library is called.

#include <asm/unistd.h>
#include <sys/types.h>

namespace pyattach::sys {

inline long call6(long number, long a, long b, long c, long d, long e, long f) {
  register long r10 asm("r10") = d;
  register long r8 asm("r8") = e;
  register long r9 asm("r9") = f;
  long result;
  asm volatile("syscall"
               : "=a"(result)
               : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return result;
}

// Any mix of integers and pointers, as the kernel takes them: in registers, as longs.
template <typename... Args>
long call(long number, Args... args) {
  static_assert(sizeof...(Args) <= 6);
  long values[6] = {(long)args...};
  return call6(number, values[0], values[1], values[2], values[3], values[4], values[5]);
}

inline long read(int fd, void* buffer, unsigned long size) {
  return call(__NR_read, fd, buffer, size);
}
inline long write(int fd, const void* data, unsigned long size) {
  return call(__NR_write, fd, data, size);
}
inline long close(int fd) {
  return call(__NR_close, fd);
}
[[noreturn]] inline void exit(int status) {
  for (;;) call(__NR_exit_group, status);
}

// Writes all of `text` (best effort: a message to a closed stderr is lost, as anywhere).
inline void write_all(int fd, const char* text, unsigned long size) {
  while (size > 0) {
    const long wrote = write(fd, text, size);
    if (wrote == -4) continue;  // EINTR
    if (wrote <= 0) return;
    text += wrote;
    size -= static_cast<unsigned long>(wrote);
  }
}

}  // namespace pyattach::sys
