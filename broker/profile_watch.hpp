#pragma once
// Watches the files a zygote's modules were loaded from, so a zygote is never used after
// its code changed on disk. One inotify watch (libuv uv_fs_event) per directory, not per
// file: a torch zygote has a few thousand files in a few hundred directories, and a run
// must not stat them all.

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "uv_handle.hpp"

namespace pyattach {

class ProfileWatch {
 public:
  // `changed` gets the path of the first watched file that changed; it is called once.
  ProfileWatch(uv_loop_t* loop, std::function<void(const std::string& path)> changed);
  ProfileWatch(const ProfileWatch&) = delete;
  ProfileWatch& operator=(const ProfileWatch&) = delete;

  // Adds `names` in `directory` to the watched files. A directory that cannot be watched
  // (gone, or the inotify limit reached) is logged and left out.
  void add(const std::string& directory, const std::set<std::string>& names);
  // Stops watching (for a zygote that is stale or stopped).
  void stop();
  std::size_t directories() const { return directories_.size(); }

 private:
  struct Directory {
    ProfileWatch* owner = nullptr;
    std::string path;
    std::set<std::string> names;
    UvHandle<uv_fs_event_t> handle;
  };
  static void on_event(uv_fs_event_t* handle, const char* filename, int events, int status);

  uv_loop_t* loop_;
  std::function<void(const std::string&)> changed_;
  bool fired_ = false;
  std::map<std::string, std::unique_ptr<Directory>> directories_;
};

}  // namespace pyattach
