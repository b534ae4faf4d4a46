#include "diagnostics.hpp"

#include <string.h>
#include <sys/wait.h>

#include <cstdio>

namespace pyattach::e2e {

std::string printable(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    switch (c) {
      case '\n':
        out += "\\n\n";  // keep lines readable in the report
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string printable_tail(std::string_view bytes, std::size_t max_bytes) {
  if (bytes.size() <= max_bytes) return printable(bytes);
  return "[... " + std::to_string(bytes.size() - max_bytes) + " earlier bytes left out ...]" +
         printable(bytes.substr(bytes.size() - max_bytes));
}

std::string wait_status_text(int raw_status) {
  if (WIFEXITED(raw_status)) return "exited " + std::to_string(WEXITSTATUS(raw_status));
  if (WIFSIGNALED(raw_status)) {
    const char* name = sigabbrev_np(WTERMSIG(raw_status));
    return std::string("killed by SIG") + (name ? name : std::to_string(WTERMSIG(raw_status)));
  }
  if (WIFSTOPPED(raw_status)) return "stopped by signal " + std::to_string(WSTOPSIG(raw_status));
  return "raw wait status " + std::to_string(raw_status);
}

int shell_status(int raw_status) {
  if (WIFEXITED(raw_status)) return WEXITSTATUS(raw_status);
  if (WIFSIGNALED(raw_status)) return 128 + WTERMSIG(raw_status);
  return -1;
}

std::string join_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    bool plain =
        !arg.empty() && arg.find_first_of(" \t\n'\"\\$`;&|<>*?()[]{}") == std::string::npos;
    if (plain) {
      out += arg;
    } else {
      out += '\'';
      for (char c : arg) {
        if (c == '\'')
          out += "'\\''";
        else
          out += c;
      }
      out += '\'';
    }
  }
  return printable(out);
}

}  // namespace pyattach::e2e
