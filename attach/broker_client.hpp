#pragma once
// The client's connection to pyattachd: connects (starting the broker if none is
// running), exchanges Hellos, and then frames with blocking I/O.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "frame.hpp"
#include "unique_fd.hpp"

namespace pyattach {

class BrokerClient {
 public:
  // A request sent right behind the Hello, without waiting for the broker's: one round
  // trip less. Its fds go with it.
  struct FirstRequest {
    MsgType type;
    nlohmann::json payload;
    std::vector<int> fds;
  };

  // Connects to the broker of $PYATTACH_DIR; starts one if `start_if_needed` and none runs.
  // Throws UserError. With start_if_needed false and no broker, returns nullopt.
  static std::optional<BrokerClient> connect(bool start_if_needed,
                                             const FirstRequest* first = nullptr);

  int fd() const { return socket_.get(); }
  void send(MsgType type, std::string_view payload);
  void send_json(MsgType type, const nlohmann::json& payload);
  // Sends a frame with file descriptors attached (they arrive with its first byte).
  void send_with_fds(MsgType type, const nlohmann::json& payload, const std::vector<int>& fds);

  // Blocks for the next frame; throws if the broker goes away.
  Frame receive();
  // Receives the next frame; an Error frame becomes a UserError, another type a protocol error.
  nlohmann::json expect(MsgType type);

  // The answer to NewSession or Run. A client attached at creation may get the program's
  // first output before it: that is written to `output_fd` as it comes.
  nlohmann::json expect_started(int output_fd);

  // For poll loops: reads what is available. False at end of stream.
  bool read_some();
  // A whole frame already read, if any. Throws on malformed bytes.
  std::optional<Frame> next_frame();

 private:
  explicit BrokerClient(UniqueFd socket) : socket_(std::move(socket)) {}
  void write_all(std::string_view bytes);
  // Says Hello (and sends `first`, if any) and reads the broker's Hello. False if the
  // connection closed first: the broker then never read what was sent (it answers Hello
  // before it reads anything else). Throws if the broker refuses (another user, another
  // protocol version) or answers garbage.
  bool greeted(const FirstRequest* first);
  UniqueFd socket_;
  FrameDecoder decoder_;
};

// Throws the broker's Error message as a UserError.
[[noreturn]] void throw_broker_error(const Frame& frame);

}  // namespace pyattach
