#pragma once
// Where the compiler's own calls to the memory functions go in code that runs without a
// C library: to this project's functions (freestanding_memory.cpp), never to the C
// library's. In `pyattach` the fast paths run before glibc has set itself up, when its
// memcpy and memset (resolved by IFUNC relocations, which glibc applies at start-up) are
// not yet callable. gcc honours these assembler names for the calls it generates for
// copies, zeroing and loops; clang does not, which is why only gcc builds give
// `pyattach` its fast paths (starter/CMakeLists.txt). Include first in every file of them.

#include <cstddef>

extern "C" {
void* memcpy(void* to, const void* from, std::size_t size) noexcept __asm__("pyattach_memcpy");
void* memmove(void* to, const void* from, std::size_t size) noexcept __asm__("pyattach_memmove");
void* memset(void* to, int value, std::size_t size) noexcept __asm__("pyattach_memset");
int memcmp(const void* a, const void* b, std::size_t size) noexcept __asm__("pyattach_memcmp");
}
