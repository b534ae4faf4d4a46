#include "runtime_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pyattach {

std::string runtime_dir_path() {
  if (const char* dir = std::getenv("PYATTACH_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg != '\0')
    return std::string(xdg) + "/pyattach";
  return "/tmp/pyattach-" + std::to_string(::geteuid());
}

bool ensure_private_dir(const std::string& path, std::string& error) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    error = "cannot examine " + path + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    error = path + " is not a directory; refusing to use it";
    return false;
  }
  if (st.st_uid != ::geteuid()) {
    error = path + " is owned by uid " + std::to_string(st.st_uid) + ", not by you (uid " +
            std::to_string(::geteuid()) + "); refusing to use it";
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    error =
        path + " has mode " + mode + " (others can reach it); refusing to use it, expected 0700";
    return false;
  }
  return true;
}

}  // namespace pyattach
