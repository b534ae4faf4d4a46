#pragma once
// A session's output recorded to a file (`pyattach new --log FILE`), every byte in the
// order the program wrote it, however long it runs.
//
// The session never waits for the disk: bytes are queued here and written by libuv's
// thread pool, one write at a time, each taking everything queued so far. If the file
// system falls so far behind that more than kMaxQueuedBytes wait, the bytes that do not
// fit are dropped and the log is marked incomplete, rather than blocking the program or
// growing the broker without bound. A write error stops the log the same way.

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pyattach {

class SessionLog {
 public:
  static constexpr std::size_t kMaxQueuedBytes = 16 * 1024 * 1024;

  // Opens `path` for appending, creating it with mode 0600. Null with `error` set if it
  // cannot be opened.
  static std::unique_ptr<SessionLog> open(uv_loop_t* loop, const std::string& path,
                                          std::string& error);
  SessionLog(const SessionLog&) = delete;
  SessionLog& operator=(const SessionLog&) = delete;
  // What is still queued is written before the file is closed.
  ~SessionLog();

  void write(std::string_view bytes);
  // Runs `done` once every byte given to write() so far is in the file (or was lost to an
  // error): at once if nothing is pending.
  void when_flushed(std::function<void()> done);

  const std::string& path() const;
  // Why the log is incomplete (a write error, or bytes dropped), if it is.
  std::optional<std::string> error() const;
  std::uint64_t bytes_written() const;
  std::uint64_t bytes_dropped() const;

 private:
  struct Writer;
  explicit SessionLog(std::shared_ptr<Writer> writer) : writer_(std::move(writer)) {}
  // Shared with the write in flight, which may outlive the session.
  std::shared_ptr<Writer> writer_;
};

}  // namespace pyattach
