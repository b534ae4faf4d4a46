// The frame codec: round trips, every split of the byte stream, and hostile headers.

#include "frame.hpp"

#include <gtest/gtest.h>

namespace pyattach {
namespace {

TEST(Frame, RoundTripsOneFrame) {
  FrameDecoder decoder;
  decoder.feed(encode_frame(MsgType::Input, std::string("a\0b", 3)));
  Frame frame;
  ASSERT_EQ(decoder.next(frame), FrameDecoder::Status::Frame);
  EXPECT_EQ(frame.type, MsgType::Input);
  EXPECT_EQ(frame.payload, std::string("a\0b", 3));
  EXPECT_EQ(decoder.next(frame), FrameDecoder::Status::NeedMore);
}

TEST(Frame, DecodesEverySplitOfAStream) {
  std::string stream;
  encode_frame(MsgType::Hello, R"({"version":1})", stream);
  encode_frame(MsgType::Output, std::string(1000, 'x'), stream);
  encode_frame(MsgType::Detach, "", stream);
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    FrameDecoder decoder;
    std::vector<Frame> frames;
    Frame frame;
    for (std::string_view part :
         {std::string_view(stream).substr(0, split), std::string_view(stream).substr(split)}) {
      decoder.feed(part);
      while (decoder.next(frame) == FrameDecoder::Status::Frame) frames.push_back(frame);
    }
    ASSERT_EQ(frames.size(), 3u) << "split at " << split;
    EXPECT_EQ(frames[0].type, MsgType::Hello);
    EXPECT_EQ(frames[1].payload.size(), 1000u);
    EXPECT_EQ(frames[2].type, MsgType::Detach);
    EXPECT_EQ(decoder.buffered(), 0u);
  }
}

TEST(Frame, DecodesByteByByte) {
  const std::string stream = encode_frame(MsgType::Resize, R"({"rows":40,"cols":120})");
  FrameDecoder decoder;
  Frame frame;
  for (std::size_t i = 0; i + 1 < stream.size(); ++i) {
    decoder.feed(stream.substr(i, 1));
    ASSERT_EQ(decoder.next(frame), FrameDecoder::Status::NeedMore) << "after byte " << i;
  }
  decoder.feed(stream.substr(stream.size() - 1));
  ASSERT_EQ(decoder.next(frame), FrameDecoder::Status::Frame);
  EXPECT_EQ(frame.payload, R"({"rows":40,"cols":120})");
}

TEST(Frame, RejectsOversizedLengthWithoutWaitingForThePayload) {
  std::string header;
  encode_frame(MsgType::Input, "", header);
  header[4] = header[5] = header[6] = header[7] = '\xff';
  FrameDecoder decoder;
  decoder.feed(header);
  Frame frame;
  EXPECT_EQ(decoder.next(frame), FrameDecoder::Status::Error);
  EXPECT_NE(decoder.error().find("exceeds the limit"), std::string::npos) << decoder.error();
  decoder.feed(encode_frame(MsgType::Input, "x"));
  EXPECT_EQ(decoder.next(frame), FrameDecoder::Status::Error) << "errors are sticky";
}

TEST(Frame, RejectsUnknownTypes) {
  for (std::uint32_t type : {0u, 999u, 0xffffffffu}) {  // 999: no type has it
    std::string bytes = encode_frame(MsgType::Input, "");
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>(type >> (8 * i));
    FrameDecoder decoder;
    decoder.feed(bytes);
    Frame frame;
    EXPECT_EQ(decoder.next(frame), FrameDecoder::Status::Error) << "type " << type;
  }
}

TEST(Frame, AcceptsTheLargestAllowedPayload) {
  const std::string payload(kMaxFramePayload, 'p');
  FrameDecoder decoder;
  decoder.feed(encode_frame(MsgType::NewSession, payload));
  Frame frame;
  ASSERT_EQ(decoder.next(frame), FrameDecoder::Status::Frame);
  EXPECT_EQ(frame.payload.size(), kMaxFramePayload);
}

}  // namespace
}  // namespace pyattach
