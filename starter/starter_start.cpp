// The starter's entry point, and the memory functions under their usual names: the
// starter links no C library, and a compiler that ignores freestanding_memory.hpp's
// assembler names (clang) calls these.

#include <cstddef>

extern "C" {

int starter_main(int argc, char** argv, char** envp);
void* pyattach_memcpy(void* to, const void* from, std::size_t size);
void* pyattach_memmove(void* to, const void* from, std::size_t size);
void* pyattach_memset(void* to, int value, std::size_t size);
int pyattach_memcmp(const void* a, const void* b, std::size_t size);

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
  return pyattach_memcpy(to, from, size);
}
void* memmove(void* to, const void* from, std::size_t size) {
  return pyattach_memmove(to, from, size);
}
void* memset(void* to, int value, std::size_t size) {
  return pyattach_memset(to, value, size);
}
int memcmp(const void* a, const void* b, std::size_t size) {
  return pyattach_memcmp(a, b, size);
}

}  // extern "C"
