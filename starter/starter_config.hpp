#pragma once
// The profile a starter is pinned to, shared by the starter and `pyattach bundle`.
//
// The starter binary holds a block of kStarterConfigSize bytes that begins with the
// marker. `pyattach bundle` copies the binary and writes, right after the marker, three
// NUL-terminated strings: the full client's path (for everything the starter leaves to
// it), the interpreter's path and the preload list as `--preload` spells it.

// A macro, so the starter can put it at the head of its array initialiser.
#define PYATTACH_STARTER_MARKER "\n#pyattach-starter-profile v1#\n"

namespace pyattach {

inline constexpr unsigned long kStarterConfigSize = 4096;

}  // namespace pyattach
