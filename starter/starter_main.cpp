// pyattach-starter: the executable `pyattach bundle` writes, a drop-in `python` pinned to
// one profile.
//
// Its common case, `STARTER script.py args` with a broker running and a pipe or a file
// among its stdio, is what `pyattach run` does in pipe mode, done without a C library
// (fast_run.hpp): glibc's start-up alone costs a warm run a third of its time in a VM.
// Everything else is handed to the full client as `pyattach run --python P --preload M --
// ARGS`, by exec, before anything has started: interpreter options, -m, -c, a terminal on
// all three (a PTY session), no broker yet (the client starts one), any request the
// broker refuses (the client reports it), and whatever fast_run cannot write as the
// client would.

#include "freestanding_memory.hpp"
// (first: see there)

#include <signal.h>
#include <sys/mman.h>

#include "fast_run.hpp"
#include "freestanding_text.hpp"
#include "linux_syscalls.hpp"
#include "starter_config.hpp"

// Filled in by `pyattach bundle` in the copy it writes (starter_config.hpp).
extern "C" {
__attribute__((used)) char pyattach_starter_config[pyattach::kStarterConfigSize] =
    PYATTACH_STARTER_MARKER;
}

namespace pyattach {

namespace {

struct Profile {
  const char* client;
  const char* python;
  const char* preload;
};

// The profile written after the marker; a field is null in the unwritten template.
Profile pinned_profile() {
  const char* config = pyattach_starter_config;
  asm("" : "+r"(config));  // written into the binary after the build: never constant-fold it
  const char* field = config + sizeof PYATTACH_STARTER_MARKER - 1;
  Profile profile{};
  const char** fields[] = {&profile.client, &profile.python, &profile.preload};
  for (const char** slot : fields) {
    if (*field == '\0' && slot != &profile.preload) return Profile{};
    *slot = field;
    while (*field != '\0') ++field;
    ++field;
  }
  return profile;
}

// Hands the whole run to the full client.
[[noreturn]] void hand_to_client(const Profile& profile, int argc, char** argv, char** envp) {
  const unsigned long count = 7 + static_cast<unsigned long>(argc);
  void* memory = reinterpret_cast<void*>(sys::call(__NR_mmap, nullptr, count * sizeof(char*),
                                                   PROT_READ | PROT_WRITE,
                                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (reinterpret_cast<unsigned long>(memory) > -4096UL) fail("out of memory", "");
  const char** args = static_cast<const char**>(memory);
  const char* head[] = {"pyattach",  "run",           "--python", profile.python,
                        "--preload", profile.preload, "--"};
  unsigned long n = 0;
  for (const char* word : head) args[n++] = word;
  for (int i = 1; i < argc; ++i) args[n++] = argv[i];
  args[n] = nullptr;
  sys::call(__NR_execve, profile.client, args, envp);
  fail("cannot run the client this starter was made with: ", profile.client);
}

}  // namespace

}  // namespace pyattach

extern "C" int starter_main(int argc, char** argv, char** envp) {
  using namespace pyattach;
  const Profile profile = pinned_profile();
  if (profile.client == nullptr)
    fail("this is the template `pyattach bundle` copies; run `pyattach bundle -o FILE`", "");
  if (!run_fast(RunProfile{profile.python, profile.preload}, argv + 1, argc - 1, envp))
    hand_to_client(profile, argc, argv, envp);
  return 1;  // not reached: run_fast ends the process when it runs the program
}
