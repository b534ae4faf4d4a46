#pragma once
// RAII for libuv handles and a write request that owns its bytes.
//
// uv_close is asynchronous: the handle's memory must live until the close callback.
// UvHandle allocates the handle on the heap and hands it to libuv to free on close,
// so an owner can be destroyed at any time without waiting for the loop.

#include <uv.h>

#include <memory>
#include <string>
#include <utility>

namespace pyattach {

template <typename T>
class UvHandle {
 public:
  UvHandle() : handle_(new T{}) {}
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  ~UvHandle() { close(); }

  T* get() const { return handle_; }
  T* operator->() const { return handle_; }
  uv_handle_t* base() const { return reinterpret_cast<uv_handle_t*>(handle_); }
  uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(handle_); }

  // Stops callbacks to the owner and frees the handle once libuv is done with it.
  void close() {
    if (handle_ == nullptr) return;
    T* handle = std::exchange(handle_, nullptr);
    auto* base = reinterpret_cast<uv_handle_t*>(handle);
    base->data = nullptr;
    if (base->type == UV_UNKNOWN_HANDLE) {  // never initialised
      delete handle;
    } else if (!uv_is_closing(base)) {
      uv_close(base, [](uv_handle_t* h) { delete reinterpret_cast<T*>(h); });
    }
  }

 private:
  T* handle_;
};

// A poll handle that asks libuv again only when the events it watches change. libuv's
// uv_poll_start stops the watcher and starts it anew, which costs an epoll_ctl DEL and an
// ADD each time; a connection or a terminal that re-armed the same events after every
// write paid four system calls per keystroke round trip for nothing.
class PollHandle : public UvHandle<uv_poll_t> {
 public:
  void start(int events, uv_poll_cb callback) {
    if (get() == nullptr || (events == events_ && uv_is_active(base()) != 0)) return;
    events_ = events;
    uv_poll_start(get(), events, callback);
  }
  void stop() {
    if (get() != nullptr && uv_is_active(base()) != 0) uv_poll_stop(get());
  }

 private:
  int events_ = 0;
};

// The stdio of a helper process the broker starts (zygote, keeper): no stdin, the broker's
// stdout and stderr (its log), and channel_fd as fd 3.
inline void helper_stdio(uv_stdio_container_t (&stdio)[4], int channel_fd) {
  stdio[0].flags = UV_IGNORE;
  for (int fd : {1, 2}) {
    stdio[fd].flags = UV_INHERIT_FD;
    stdio[fd].data.fd = fd;
  }
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = channel_fd;
}

// Writes bytes to a stream; the request keeps the bytes alive until libuv is done.
// Returns a libuv error code (0 on success). `done` runs after the write, if given.
int write_owned(uv_stream_t* stream, std::shared_ptr<const std::string> header,
                std::shared_ptr<const std::string> payload,
                void (*done)(uv_stream_t*, int) = nullptr);

}  // namespace pyattach
