// libFuzzer target: the frame decoder every broker connection and client runs on the
// bytes it reads. The first input byte chooses how the rest is split into reads (the
// decoder must give the same frames for any split); every frame it yields must encode
// back to exactly the bytes it came from.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "frame.hpp"

namespace {

std::string decode_all(std::string_view bytes, std::size_t chunk, std::string& error) {
  pyattach::FrameDecoder decoder;
  std::string reencoded;
  pyattach::Frame frame;
  while (!bytes.empty()) {
    const std::size_t take = std::min(chunk, bytes.size());
    decoder.feed(bytes.substr(0, take));
    bytes.remove_prefix(take);
    for (;;) {
      const auto status = decoder.next(frame);
      if (status == pyattach::FrameDecoder::Status::NeedMore) break;
      if (status == pyattach::FrameDecoder::Status::Error) {
        error = decoder.error();
        if (error.empty()) std::abort();  // an error must say why
        return reencoded;
      }
      if (frame.payload.size() > pyattach::kMaxFramePayload) std::abort();
      pyattach::encode_frame(frame.type, frame.payload, reencoded);
    }
  }
  return reencoded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string split_error;
  std::string whole_error;
  const std::string split = decode_all(bytes, chunk, split_error);
  const std::string whole = decode_all(bytes, bytes.size() + 1, whole_error);
  // Same frames, same verdict, whatever the split; frames are a prefix of the input.
  if (split != whole || split_error != whole_error) std::abort();
  if (bytes.substr(0, whole.size()) != whole) std::abort();
  return 0;
}
