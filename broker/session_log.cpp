#include "session_log.hpp"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <vector>

#include "unique_fd.hpp"

namespace pyattach {

struct SessionLog::Writer : std::enable_shared_from_this<Writer> {
  uv_loop_t* loop = nullptr;
  std::string path;
  UniqueFd fd;
  std::string queued;     // waiting for the next write
  std::string in_flight;  // being written now, from `written` on
  std::size_t written = 0;
  uv_fs_t request{};
  // Keeps this object alive while libuv holds `request`, even if the session is gone.
  std::shared_ptr<Writer> self_while_busy;
  bool closing = false;
  bool failed = false;  // a write failed: nothing more is written
  std::optional<std::string> error;
  std::uint64_t total_written = 0;
  std::uint64_t dropped = 0;
  std::vector<std::function<void()>> flushed;

  bool busy() const { return self_while_busy != nullptr; }

  void drop(std::size_t count, const std::string& why) {
    dropped += count;
    if (!error) {
      error = why;
      std::cerr << "pyattachd: log " << path << ": " << why << "\n";
    }
  }

  // The file cannot be written: what is pending is lost, and so is what follows.
  void fail(const std::string& why) {
    failed = true;
    drop(in_flight.size() - std::min(written, in_flight.size()) + queued.size(), why);
    in_flight.clear();
    queued.clear();
  }

  void submit() {
    uv_buf_t buffer =
        uv_buf_init(in_flight.data() + written, static_cast<unsigned>(in_flight.size() - written));
    request.data = this;
    // Offset -1: the file position, which O_APPEND keeps at the end.
    const int status = uv_fs_write(loop, &request, fd.get(), &buffer, 1, -1, on_written);
    if (status < 0) {
      uv_fs_req_cleanup(&request);
      fail(std::string("cannot write: ") + uv_strerror(status));
      return;
    }
    self_while_busy = shared_from_this();
  }

  // Starts the next write if there is something to write; otherwise reports the flush.
  void pump() {
    if (busy()) return;
    if (in_flight.empty() && !queued.empty()) {
      std::swap(in_flight, queued);  // keeps both buffers' capacity for the next rounds
      queued.clear();
      written = 0;
    }
    if (!in_flight.empty()) {
      submit();
      if (busy()) return;
    }
    auto callbacks = std::move(flushed);
    flushed.clear();
    for (auto& done : callbacks) done();
    if (closing) fd.reset();
  }

  static void on_written(uv_fs_t* request) {
    auto* self = static_cast<Writer*>(request->data);
    const ssize_t result = request->result;
    uv_fs_req_cleanup(request);
    const auto keep_alive = std::move(self->self_while_busy);
    self->self_while_busy.reset();
    if (result < 0) {
      self->fail(std::string("cannot write: ") + uv_strerror(static_cast<int>(result)));
    } else {
      self->written += static_cast<std::size_t>(result);
      self->total_written += static_cast<std::uint64_t>(result);
      if (self->written >= self->in_flight.size()) self->in_flight.clear();
    }
    self->pump();
  }
};

std::unique_ptr<SessionLog> SessionLog::open(uv_loop_t* loop, const std::string& path,
                                             std::string& error) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600));
  if (!fd) {
    error = "cannot open log file " + path + ": " + ::strerror(errno);
    return nullptr;
  }
  auto writer = std::make_shared<Writer>();
  writer->loop = loop;
  writer->path = path;
  writer->fd = std::move(fd);
  return std::unique_ptr<SessionLog>(new SessionLog(std::move(writer)));
}

SessionLog::~SessionLog() {
  writer_->closing = true;
  if (!writer_->busy()) writer_->fd.reset();
}

void SessionLog::write(std::string_view bytes) {
  Writer& w = *writer_;
  if (w.failed) {
    w.dropped += bytes.size();
    return;
  }
  if (w.queued.size() + bytes.size() > kMaxQueuedBytes) {
    // Dropped, not waited for: the program must never be slowed by its log.
    w.drop(bytes.size(), "the file system did not keep up; output was dropped");
    return;
  }
  w.queued.append(bytes);
  w.pump();
}

void SessionLog::when_flushed(std::function<void()> done) {
  writer_->flushed.push_back(std::move(done));
  writer_->pump();
}

const std::string& SessionLog::path() const {
  return writer_->path;
}

std::optional<std::string> SessionLog::error() const {
  return writer_->error;
}

std::uint64_t SessionLog::bytes_written() const {
  return writer_->total_written;
}

std::uint64_t SessionLog::bytes_dropped() const {
  return writer_->dropped;
}

}  // namespace pyattach
