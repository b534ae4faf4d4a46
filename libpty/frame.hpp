#pragma once
// Frame codec: an 8-byte header (type, payload length; both little-endian uint32)
// followed by the payload. A decoder accepts bytes in any split and yields whole
// frames; an oversized length is an error, never an allocation.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol.hpp"

namespace pyattach {

inline constexpr std::size_t kFrameHeaderSize = 8;
// Large enough for an environment plus argv (Linux caps both near 2 MiB together).
inline constexpr std::size_t kMaxFramePayload = 4 * 1024 * 1024;

struct Frame {
  MsgType type;
  std::string payload;
};

// Appends the encoded frame to `out` (avoids a copy when batching frames).
void encode_frame(MsgType type, std::string_view payload, std::string& out);
std::string encode_frame(MsgType type, std::string_view payload);

class FrameDecoder {
 public:
  enum class Status { NeedMore, Frame, Error };

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // Takes the next whole frame out of the buffer. After Error the stream is unusable.
  Status next(Frame& frame);
  const std::string& error() const { return error_; }
  std::size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  std::string buffer_;
  std::size_t consumed_ = 0;
  std::string error_;
};

}  // namespace pyattach
