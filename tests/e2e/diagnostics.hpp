#pragma once
// Turning what a test saw into text a failure message can show: escaped terminal bytes,
// wait statuses, argument vectors.

#include <string>
#include <string_view>
#include <vector>

namespace pyattach::e2e {

// Bytes with control characters and non-ASCII shown as C-style escapes (\r, \x1b, ...),
// so terminal output can be printed inside a test report without messing it up.
std::string printable(std::string_view bytes);

// The last `max_bytes` of `bytes`, escaped, with a note of how much was left out.
std::string printable_tail(std::string_view bytes, std::size_t max_bytes = 3000);

// "exited 3", "killed by SIGTERM", "stopped by SIGSTOP".
std::string wait_status_text(int raw_status);

// The status a shell would report: the exit code, or 128 + the signal number.
int shell_status(int raw_status);

// The arguments quoted and joined with spaces, for messages.
std::string join_argv(const std::vector<std::string>& argv);

}  // namespace pyattach::e2e
