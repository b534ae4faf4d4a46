#include "profile_watch.hpp"

#include <iostream>

namespace pyattach {

ProfileWatch::ProfileWatch(uv_loop_t* loop, std::function<void(const std::string&)> changed)
    : loop_(loop), changed_(std::move(changed)) {}

void ProfileWatch::add(const std::string& directory, const std::set<std::string>& names) {
  auto& slot = directories_[directory];
  if (slot) {
    slot->names.insert(names.begin(), names.end());
    return;
  }
  auto watched = std::make_unique<Directory>();
  watched->owner = this;
  watched->path = directory;
  watched->names = names;
  uv_fs_event_init(loop_, watched->handle.get());
  watched->handle->data = watched.get();
  if (const int rc = uv_fs_event_start(watched->handle.get(), on_event, directory.c_str(), 0);
      rc != 0) {
    std::cerr << "pyattachd: cannot watch " << directory << " for changes: " << uv_strerror(rc)
              << "\n";
    directories_.erase(directory);
    return;
  }
  // Watching never keeps the broker alive by itself.
  uv_unref(watched->handle.base());
  slot = std::move(watched);
}

void ProfileWatch::stop() {
  directories_.clear();
}

void ProfileWatch::on_event(uv_fs_event_t* handle, const char* filename, int, int status) {
  auto* directory = static_cast<Directory*>(handle->data);
  if (directory == nullptr || status < 0) return;
  ProfileWatch& self = *directory->owner;
  // No name: the directory itself was deleted or moved, so every file in it changed.
  const bool ours = filename == nullptr || directory->names.count(filename) > 0;
  if (!ours || self.fired_) return;
  self.fired_ = true;
  const std::string path = directory->path + "/" + (filename != nullptr ? filename : "");
  auto changed = self.changed_;  // a copy: the call may destroy this watch
  changed(path);
}

}  // namespace pyattach
