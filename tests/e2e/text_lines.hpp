#pragma once
// Splitting command output into lines for assertions.

#include <string>
#include <string_view>
#include <vector>

namespace pyattach::e2e {

// The parts of `text` between separators (a final separator does not add an empty part).
inline std::vector<std::string> split_on(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// The lines of `text` without their '\n'.
inline std::vector<std::string> lines_of(std::string_view text) {
  return split_on(text, '\n');
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
