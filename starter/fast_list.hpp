#pragma once
// `pyattach ls` without a C library: the broker formats the table (a List request with
// "table": true) and this prints it.

namespace pyattach {

// Prints the table and exits 0. Returns, with everything it opened closed, where the
// client's own code is needed: no broker (the client prints the empty table), or a
// broker that sends no table (one older than this program).
void list_fast(char** envp);

}  // namespace pyattach
