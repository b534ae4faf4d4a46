#pragma once
// Text helpers and the one-line error of the programs and fast paths that run without a
// C library.

#include "json_writer.hpp"
#include "linux_syscalls.hpp"

namespace pyattach {

inline bool starts_with(const char* text, const char* prefix) {
  while (*prefix != '\0')
    if (*text++ != *prefix++) return false;
  return true;
}

inline bool equals(const char* a, const char* b) {
  return starts_with(a, b) && a[JsonWriter::length(b)] == '\0';
}

// The value of `name` in the environment, or null if it is not set.
inline const char* find_env(char** envp, const char* name) {
  const unsigned long size = JsonWriter::length(name);
  for (char** entry = envp; *entry != nullptr; ++entry)
    if (starts_with(*entry, name) && (*entry)[size] == '=') return *entry + size + 1;
  return nullptr;
}

// The value of `name` in the environment, or "" (as the client's getenv-or-empty).
inline const char* env_value(char** envp, const char* name) {
  const char* value = find_env(envp, name);
  return value != nullptr ? value : "";
}

// "pyattach: WHAT DETAIL" on stderr, and exit status 1, as the client's errors.
[[noreturn]] inline void fail(const char* what, const char* detail) {
  const char* parts[] = {"pyattach: ", what, detail, "\n"};
  for (const char* part : parts) sys::write_all(2, part, JsonWriter::length(part));
  sys::exit(1);
}

}  // namespace pyattach
