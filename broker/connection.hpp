#pragma once
// One client connection to the broker: reads frames, writes frames, and never lets a
// slow reader grow the broker's memory without bound (see pending_bytes()).

#include <uv.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "frame.hpp"
#include "uv_handle.hpp"

namespace pyattach {

class Broker;

class Connection {
 public:
  using Id = std::uint64_t;

  Connection(Broker& broker, Id id);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Accepts the pending connection on `server`; false if accept failed.
  bool accept_from(uv_stream_t* server);
  void start_reading();

  Id id() const { return id_; }
  int fd() const;

  void send(MsgType type, std::string_view payload);
  void send_json(MsgType type, const nlohmann::json& payload);
  // Output to an attached client; the payload is shared between all clients of a session.
  void send_shared(MsgType type, std::shared_ptr<const std::string> payload);
  // Sends an error and closes the connection once it has been written.
  void fail(std::string_view message);
  // Closes once everything queued has been written.
  void finish();
  // Closes now; queued bytes are dropped.
  void close() { pipe_.close(); }

  // Bytes queued to this client and not yet taken by the kernel.
  std::size_t pending_bytes() const;

  // Attachment state, kept by the broker.
  std::optional<int> attached_session;
  bool needs_redraw = false;
  bool hello_done = false;

 private:
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_written(uv_stream_t* stream, int status);
  void handle_bytes(std::string_view bytes);

  Broker& broker_;
  Id id_;
  UvHandle<uv_pipe_t> pipe_;
  FrameDecoder decoder_;
  std::string read_buffer_;
  bool finishing_ = false;
};

}  // namespace pyattach
