// The fast paths of `pyattach` itself: `run SCRIPT` in pipe mode and `ls`, taken before
// the C library has started.
//
// In this VM glibc's start-up costs a static program about 0.45 ms (its CPU feature
// detection executes CPUID, which traps to the hypervisor), the C++ client's own set-up
// more: together a third of a warm `pyattach run` and half of an `ls`. So the client's
// entry point is pyattach_entry below: it looks at the command line and, for the
// commands that have a fast path, does the work with system calls alone (fast_run.hpp,
// fast_list.hpp) and exits. Anything else, and whatever a fast path hands back, continues
// into glibc's own entry point, _start, with the stack and registers as the kernel left
// them, and from there to main() as if nothing had run.
//
// Until _start has run there is no thread pointer (so no errno, no stack protector) and
// none of glibc's functions may be called: this file and the fast paths are built
// without a C library and with freestanding_memory.hpp's memory functions.
#include "freestanding_memory.hpp"
// (first: see there)

#include "fast_list.hpp"
#include "fast_run.hpp"
#include "fast_run_command_line.hpp"
#include "freestanding_text.hpp"

extern "C" {

// From the kernel's stack (argc, argv[], NULL, envp[], NULL): returns unless a fast path
// took the command, which then ended the process.
void pyattach_fast_paths(long* stack) {
  using namespace pyattach;
  const int argc = static_cast<int>(stack[0]);
  char** argv = reinterpret_cast<char**>(stack + 1);
  char** envp = argv + argc + 1;
  if (argc == 2 && equals(argv[1], "ls")) list_fast(envp);
  FastRunCommandLine line;
  if (!read_fast_run_command_line(argc, argv, line)) return;
  char python[4096];
  if (!find_python(line.python, envp, python, sizeof python)) return;
  const char* preload =
      line.preload != nullptr ? line.preload : env_value(envp, "PYATTACH_PRELOAD");
  run_fast(RunProfile{python, preload}, argv + line.program, argc - line.program, envp);
}

// The entry point (linked with -e pyattach_entry). %rbx keeps the kernel's stack pointer
// across the call; _start then finds argc where the kernel put it, and %rdx zero (no
// function for it to register with atexit), as the kernel starts a static program.
asm(R"(
  .text
  .globl pyattach_entry
  .type pyattach_entry, @function
pyattach_entry:
  mov %rsp, %rbx
  mov %rsp, %rdi
  and $-16, %rsp
  call pyattach_fast_paths
  mov %rbx, %rsp
  xor %ebx, %ebx
  xor %edx, %edx
  jmp _start
)");

}  // extern "C"
