#pragma once
// `pyattach run` in pipe mode without a C library: the Run request written, the caller's
// stdin, stdout and stderr handed to the program, signals passed on, and the end of the
// program's outcome. Shared by the starter and the `pyattach run` fast path.

namespace pyattach {

struct RunProfile {
  const char* python;   // absolute, as resolve_python() gives it
  const char* preload;  // as --preload spells it
};

// Runs the script `args[0]` with `args[1..count)` as the client's pipe mode would, and
// ends this process the way the program ended. Returns (false) only where the client's
// own code is needed, before anything has started and with everything it opened closed
// and the signal mask as it was: a terminal on all three of stdio (a PTY session), no
// broker yet (the client starts one), a request the broker refuses (the client words
// what went wrong), or a request this code cannot write as the client would (bytes that
// are not UTF-8, an unusual setting).
bool run_fast(const RunProfile& profile, char* const* args, int count, char** envp);

}  // namespace pyattach
