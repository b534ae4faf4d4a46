// What a program without a C library needs: an entry point, and the four memory
// functions the compiler may call for copies and zeroing. This file is built with
// -fno-tree-loop-distribute-patterns, so these loops are not turned into calls to
// themselves.

#include <cstddef>

extern "C" {

int starter_main(int argc, char** argv, char** envp);

// The kernel starts us with argc, argv[], NULL, envp[], NULL on the stack. The stack is
// realigned to 16 bytes for the call, as the ABI requires.
asm(R"(
  .text
  .globl _start
  .type _start, @function
_start:
  xor %ebp, %ebp
  mov (%rsp), %edi
  lea 8(%rsp), %rsi
  lea 16(%rsp, %rdi, 8), %rdx
  and $-16, %rsp
  call starter_main
  mov %eax, %edi
  mov $231, %eax
  syscall
  hlt
)");

void* memcpy(void* to, const void* from, std::size_t size) {
  auto* out = static_cast<unsigned char*>(to);
  const auto* in = static_cast<const unsigned char*>(from);
  while (size-- > 0) *out++ = *in++;
  return to;
}

void* memmove(void* to, const void* from, std::size_t size) {
  auto* out = static_cast<unsigned char*>(to);
  const auto* in = static_cast<const unsigned char*>(from);
  if (out < in) return memcpy(to, from, size);
  while (size-- > 0) out[size] = in[size];
  return to;
}

void* memset(void* to, int value, std::size_t size) {
  auto* out = static_cast<unsigned char*>(to);
  while (size-- > 0) *out++ = static_cast<unsigned char>(value);
  return to;
}

int memcmp(const void* a, const void* b, std::size_t size) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (; size > 0; --size, ++x, ++y)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

}  // extern "C"
