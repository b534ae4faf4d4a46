#pragma once
// Ctrl-Z for `run` on a terminal. A session's program leads its own session on the
// broker's PTY, and its parent (the zygote) is in another session, so its process group
// is orphaned: the kernel discards the SIGTSTP that the terminal's suspend key sends to
// a program that has not caught it. Under a shell's job control python3 would stop; the
// broker stops the program itself, as the terminal would have.

#include <sys/types.h>

#include <string_view>

namespace pyattach {

// If `typed`, just written to the PTY `master`, holds its suspend key (VSUSP, with ISIG
// on), the terminal's foreground process group is that of `program` (its leader), and
// the program would stop on SIGTSTP (no handler, not ignored), stops that group with
// SIGSTOP. True if it did.
bool stop_like_suspend_key(int master, pid_t program, std::string_view typed);

}  // namespace pyattach
