#include "frame.hpp"

namespace pyattach {

namespace {

void put_u32(std::uint32_t value, std::string& out) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}

std::uint32_t get_u32(const char* p) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}

// Every type named in msg_type_name, so a type added there is accepted here too.
bool known_type(std::uint32_t type) {
  return msg_type_name(static_cast<MsgType>(type)) != "Unknown";
}

}  // namespace

std::string_view msg_type_name(MsgType type) {
  switch (type) {
    case MsgType::Hello:
      return "Hello";
    case MsgType::Error:
      return "Error";
    case MsgType::NewSession:
      return "NewSession";
    case MsgType::SessionStarted:
      return "SessionStarted";
    case MsgType::Attach:
      return "Attach";
    case MsgType::Attached:
      return "Attached";
    case MsgType::Input:
      return "Input";
    case MsgType::Output:
      return "Output";
    case MsgType::Resize:
      return "Resize";
    case MsgType::Detach:
      return "Detach";
    case MsgType::Exit:
      return "Exit";
    case MsgType::List:
      return "List";
    case MsgType::ListReply:
      return "ListReply";
    case MsgType::Kill:
      return "Kill";
    case MsgType::Ok:
      return "Ok";
    case MsgType::KillServer:
      return "KillServer";
    case MsgType::Run:
      return "Run";
    case MsgType::Stopped:
      return "Stopped";
    case MsgType::Capture:
      return "Capture";
    case MsgType::Wait:
      return "Wait";
    case MsgType::Send:
      return "Send";
    case MsgType::SendEnd:
      return "SendEnd";
    case MsgType::Remove:
      return "Remove";
    case MsgType::Profiles:
      return "Profiles";
    case MsgType::ProfilesReply:
      return "ProfilesReply";
    case MsgType::Warm:
      return "Warm";
    case MsgType::Unload:
      return "Unload";
  }
  return "Unknown";
}

void encode_frame(MsgType type, std::string_view payload, std::string& out) {
  put_u32(static_cast<std::uint32_t>(type), out);
  put_u32(static_cast<std::uint32_t>(payload.size()), out);
  out.append(payload);
}

std::string encode_frame(MsgType type, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  encode_frame(type, payload, out);
  return out;
}

FrameDecoder::Status FrameDecoder::next(Frame& frame) {
  if (!error_.empty()) return Status::Error;
  if (buffered() < kFrameHeaderSize) {
    // Compact once everything is consumed, so the buffer does not grow forever.
    if (consumed_ > 0 && consumed_ == buffer_.size()) {
      buffer_.clear();
      consumed_ = 0;
    }
    return Status::NeedMore;
  }
  const char* header = buffer_.data() + consumed_;
  const std::uint32_t type = get_u32(header);
  const std::uint32_t length = get_u32(header + 4);
  if (!known_type(type)) {
    error_ = "unknown message type " + std::to_string(type);
    return Status::Error;
  }
  if (length > kMaxFramePayload) {
    error_ = "frame of " + std::to_string(length) + " bytes exceeds the limit of " +
             std::to_string(kMaxFramePayload);
    return Status::Error;
  }
  if (buffered() < kFrameHeaderSize + length) return Status::NeedMore;
  frame.type = static_cast<MsgType>(type);
  frame.payload.assign(header + kFrameHeaderSize, length);
  consumed_ += kFrameHeaderSize + length;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  } else if (consumed_ > 64 * 1024 && consumed_ * 2 > buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return Status::Frame;
}

}  // namespace pyattach
