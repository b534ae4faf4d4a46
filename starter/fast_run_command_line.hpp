#pragma once
// Which `pyattach run` command lines the fast path takes, and the interpreter it runs:
// the common ones, read exactly as the client reads them (command_run.cpp,
// options.cpp's split_at_command, launch_request.cpp's resolve_python). Anything less
// common is left to the client, which has the code (and the messages) for it.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "freestanding_text.hpp"
#include "linux_syscalls.hpp"

namespace pyattach {

struct FastRunCommandLine {
  const char* python = nullptr;   // --python, if given
  const char* preload = nullptr;  // --preload, if given
  int program = 0;                // the index in argv of the script
};

// `pyattach run [--python P] [--preload M] [--] SCRIPT ARGS...`, with each option given
// at most once, as `--opt VALUE` or `--opt=VALUE`, and a SCRIPT that is not an option.
inline bool read_fast_run_command_line(int argc, char* const* argv, FastRunCommandLine& line) {
  if (argc < 3 || !equals(argv[1], "run")) return false;
  int i = 2;
  for (; i < argc; ++i) {
    const char* arg = argv[i];
    if (equals(arg, "--")) {
      ++i;
      break;
    }
    const char** slot = starts_with(arg, "--python")    ? &line.python
                        : starts_with(arg, "--preload") ? &line.preload
                                                        : nullptr;
    if (slot == nullptr) break;  // the Python command line starts here
    const char* rest = arg + (slot == &line.python ? 8 : 9);
    if (*slot != nullptr || (*rest != '\0' && *rest != '=')) return false;
    if (*rest == '=') {
      *slot = rest + 1;
    } else if (++i < argc && argv[i][0] != '-') {
      *slot = argv[i];
    } else {
      return false;  // no value, or one cxxopts would read as an option
    }
  }
  if (i >= argc || argv[i][0] == '-') return false;
  line.program = i;
  return true;
}

// Whether `path` is absolute and already in the form std::filesystem's lexically_normal
// gives it: no empty, `.` or `..` parts, no slash at the end.
inline bool is_normal_absolute(const char* path) {
  if (path[0] != '/' || path[1] == '\0') return false;
  for (const char* part = path + 1;;) {
    const char* end = part;
    while (*end != '\0' && *end != '/') ++end;
    const unsigned long size = static_cast<unsigned long>(end - part);
    if (size == 0 || (size == 1 && part[0] == '.') ||
        (size == 2 && part[0] == '.' && part[1] == '.'))
      return false;
    if (*end == '\0') return true;
    part = end + 1;
  }
}

// A regular file we may execute (launch_request.cpp's usable()).
inline bool is_usable_interpreter(const char* path) {
  struct stat st {};
  return sys::call(__NR_newfstatat, AT_FDCWD, path, &st, 0) == 0 && S_ISREG(st.st_mode) &&
         sys::call(__NR_faccessat, AT_FDCWD, path, X_OK) == 0;
}

// The interpreter `requested` names (default python3), as resolve_python() finds it,
// written to `out`. False where the client is needed: a path not written absolute and
// normal, a PATH entry that is not, or no usable interpreter (the client says so).
inline bool find_python(const char* requested, char** envp, char* out, unsigned long capacity) {
  if (requested == nullptr) requested = "python3";
  JsonWriter path(out, capacity - 1);
  bool has_slash = false;
  for (const char* c = requested; *c != '\0'; ++c) has_slash = has_slash || *c == '/';
  if (has_slash) {
    path.raw(requested);
    out[path.size()] = '\0';
    return !path.failed() && is_normal_absolute(out) && is_usable_interpreter(out);
  }
  const char* search = find_env(envp, "PATH");
  if (search == nullptr) search = "/usr/local/bin:/usr/bin:/bin";
  for (const char* entry = search;;) {
    const char* end = entry;
    while (*end != '\0' && *end != ':') ++end;
    if (end == entry) return false;  // an empty entry is the working directory
    const char* last = end;
    while (last > entry + 1 && last[-1] == '/') --last;  // "/usr/bin/" is "/usr/bin"
    path = JsonWriter(out, capacity - 1);
    for (const char* c = entry; c < last; ++c) {
      const char one[] = {*c, '\0'};
      path.raw(one);
    }
    if (last - entry != 1) path.raw("/");  // the root entry "/" has its slash
    path.raw(requested);
    out[path.size()] = '\0';
    if (path.failed() || !is_normal_absolute(out)) return false;
    if (is_usable_interpreter(out)) return true;
    if (*end == '\0') return false;
    entry = end + 1;
  }
}

}  // namespace pyattach
