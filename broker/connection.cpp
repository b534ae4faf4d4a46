#include "connection.hpp"

#include "broker.hpp"

namespace pyattach {

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
}

Connection::Connection(Broker& broker, Id id) : broker_(broker), id_(id) {}

bool Connection::accept_from(uv_stream_t* server) {
  uv_pipe_init(server->loop, pipe_.get(), 0);
  pipe_->data = this;
  return uv_accept(server, pipe_.stream()) == 0;
}

int Connection::fd() const {
  uv_os_fd_t fd = -1;
  if (pipe_.get() == nullptr || uv_fileno(pipe_.base(), &fd) != 0) return -1;
  return fd;
}

void Connection::start_reading() {
  read_buffer_.resize(kReadChunk);
  uv_read_start(
      pipe_.stream(),
      [](uv_handle_t* handle, size_t, uv_buf_t* buf) {
        auto* self = static_cast<Connection*>(handle->data);
        *buf = uv_buf_init(self->read_buffer_.data(), self->read_buffer_.size());
      },
      on_read);
}

void Connection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(stream->data);
  if (self == nullptr) return;
  if (nread < 0) {
    self->broker_.drop_connection(self->id_);
    return;
  }
  self->handle_bytes(std::string_view(buf->base, static_cast<std::size_t>(nread)));
}

void Connection::handle_bytes(std::string_view bytes) {
  if (finishing_) return;  // after an error, nothing more is read
  decoder_.feed(bytes);
  Frame frame;
  for (;;) {
    switch (decoder_.next(frame)) {
      case FrameDecoder::Status::NeedMore:
        return;
      case FrameDecoder::Status::Error:
        fail("malformed message: " + decoder_.error());
        return;
      case FrameDecoder::Status::Frame:
        broker_.handle_frame(*this, frame);
        if (finishing_ || pipe_.get() == nullptr) return;
        break;
    }
  }
}

void Connection::send(MsgType type, std::string_view payload) {
  send_shared(type, std::make_shared<const std::string>(payload));
}

void Connection::send_json(MsgType type, const nlohmann::json& payload) {
  send(type, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Connection::send_shared(MsgType type, std::shared_ptr<const std::string> payload) {
  if (pipe_.get() == nullptr) return;
  std::string header;
  encode_frame(type, {}, header);
  // Patch the length: the payload travels as a second buffer, shared and not copied.
  const auto length = static_cast<std::uint32_t>(payload->size());
  for (int i = 0; i < 4; ++i) header[4 + i] = static_cast<char>(length >> (8 * i));
  if (write_owned(pipe_.stream(), std::make_shared<const std::string>(std::move(header)),
                  std::move(payload), on_written) != 0) {
    broker_.drop_connection(id_);
  }
}

void Connection::on_written(uv_stream_t* stream, int status) {
  auto* self = static_cast<Connection*>(stream->data);
  if (self == nullptr) return;
  if (status != 0) {
    self->broker_.drop_connection(self->id_);
    return;
  }
  if (self->pending_bytes() == 0) {
    if (self->finishing_) {
      self->broker_.drop_connection(self->id_);
    } else {
      self->broker_.connection_drained(*self);
    }
  }
}

void Connection::fail(std::string_view message) {
  send_json(MsgType::Error, {{"message", message}});
  finish();
}

void Connection::finish() {
  finishing_ = true;
  if (pending_bytes() == 0) broker_.drop_connection(id_);
}

std::size_t Connection::pending_bytes() const {
  return pipe_.get() == nullptr ? 0 : uv_stream_get_write_queue_size(pipe_.stream());
}

}  // namespace pyattach
