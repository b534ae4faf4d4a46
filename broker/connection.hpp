#pragma once
// One client connection to the broker: reads frames (and file descriptors passed with
// them), writes frames, and never lets a slow reader grow the broker's memory without
// bound (see pending_bytes()).
//
// The socket is driven with a uv_poll_t and our own recvmsg/writev rather than a libuv
// stream: libuv streams drop SCM_RIGHTS descriptors unless opened in IPC mode, and
// `pyattach run` hands its stdin, stdout and stderr to the program this way.

#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frame.hpp"
#include "terminal_input.hpp"
#include "terminal_output.hpp"
#include "unique_fd.hpp"
#include "uv_handle.hpp"

namespace pyattach {

class Broker;

class Connection {
 public:
  using Id = std::uint64_t;

  Connection(Broker& broker, Id id, UniqueFd socket);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Id id() const { return id_; }
  int fd() const { return socket_.get(); }
  void start_reading();

  void send(MsgType type, std::string_view payload);
  void send_json(MsgType type, const nlohmann::json& payload);
  // Output to an attached client; the payload is shared between all clients of a session.
  void send_shared(MsgType type, std::shared_ptr<const std::string> payload);
  // Sends an error and closes the connection once it has been written.
  void fail(std::string_view message);
  // Closes once everything queued has been written.
  void finish();
  // Closes now; queued bytes are dropped.
  void close();

  // From now on, Output goes straight to `terminal` (the client's, passed with its
  // Attach; see terminal_output.hpp), and other frames wait until it has taken what was
  // written before them. Nothing changes if `terminal` is not one.
  void write_output_to(const UniqueFd& terminal);
  // From now on, keys are read from `terminal` (the client's stdin, passed with its
  // Attach) as if they came in Input frames; `detach_key` there detaches. False if it is
  // not a terminal: the client goes on reading it.
  bool read_input_from(const UniqueFd& terminal, std::optional<char> detach_key);

  // Bytes queued to this client (or its terminal) and not yet taken by the kernel.
  std::size_t pending_bytes() const {
    return pending_bytes_ + (terminal_ ? terminal_->pending_bytes() : 0);
  }
  // Descriptors that arrived with the frames read so far, oldest first.
  std::vector<UniqueFd> take_fds(std::size_t count);
  std::size_t fds_available() const { return fds_.size(); }

  // Attachment state, kept by the broker.
  std::optional<int> attached_session;
  std::optional<int> run_id;  // a `pyattach run` program using this client's stdio
  bool needs_redraw = false;
  bool hello_done = false;

 private:
  struct Chunk {
    std::string header;
    std::shared_ptr<const std::string> payload;
    std::size_t written = 0;  // of header + payload
    std::size_t size() const { return header.size() + payload->size(); }
  };

  static void on_poll(uv_poll_t* poll, int status, int events);
  void read_available();
  void handle_bytes(std::string_view bytes);
  void flush();
  // Output still waiting for the terminal: frames on the socket wait behind it. The
  // terminal calls flush() once it has taken it.
  bool output_ahead() const;
  void watch();
  void terminal_keys(std::string_view keys);
  void linger();
  void discard_until_eof();

  Broker& broker_;
  Id id_;
  UniqueFd socket_;
  PollHandle poll_;
  UvHandle<uv_timer_t> linger_timer_;
  FrameDecoder decoder_;
  std::deque<UniqueFd> fds_;
  std::deque<Chunk> queue_;
  std::unique_ptr<TerminalOutput> terminal_;
  std::unique_ptr<TerminalInput> input_;
  std::optional<char> detach_key_;
  std::size_t pending_bytes_ = 0;
  bool finishing_ = false;
  bool lingering_ = false;  // our side is shut down; waiting for the peer's EOF
  bool broken_ = false;     // a write failed: the peer is gone (dropped by on_poll)
};

}  // namespace pyattach
