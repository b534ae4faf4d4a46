#pragma once
// Splitting command output into lines for assertions.

#include <string>
#include <string_view>
#include <vector>

namespace pyattach::e2e {

// The lines of `text` without their '\n' (a final newline does not add an empty line).
inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// The row of a `pyattach ls` table whose NAME column (the second) is `name`.
inline std::string ls_row(std::string_view table, std::string_view name) {
  for (const auto& line : lines_of(table)) {
    std::size_t id_end = line.find_first_not_of(' ');
    if (id_end == std::string::npos) continue;
    id_end = line.find(' ', id_end);
    if (id_end == std::string::npos) continue;
    std::size_t name_start = line.find_first_not_of(' ', id_end);
    if (name_start == std::string::npos) continue;
    std::size_t name_end = line.find(' ', name_start);
    if (line.substr(name_start, name_end - name_start) == name) return line;
  }
  return {};
}

}  // namespace pyattach::e2e
