// The starter's JSON: what JsonWriter writes must read back through nlohmann::json (the
// broker's parser) as exactly the strings given, and the reply fields must be found where
// the broker's serialiser puts them and nowhere else.
#if defined(__x86_64__)

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "json_writer.hpp"
#include "reply_reader.hpp"

namespace pyattach {
namespace {

// `text` as the starter writes it, read back by the broker's parser.
std::string round_trip(const std::string& text) {
  std::vector<char> buffer(text.size() * 6 + 2);
  JsonWriter json(buffer.data(), buffer.size());
  json.string(text.data(), text.size());
  EXPECT_FALSE(json.failed());
  return nlohmann::json::parse(std::string(json.data(), json.size())).get<std::string>();
}

bool writes(const std::string& text) {
  char buffer[64];
  JsonWriter json(buffer, sizeof buffer);
  json.string(text.data(), text.size());
  return !json.failed();
}

TEST(StarterJson, EveryAsciiCharacterReadsBackAsItself) {
  std::string all;
  for (int c = 1; c < 128; ++c) all += static_cast<char>(c);
  EXPECT_EQ(round_trip(all), all);
  EXPECT_EQ(round_trip("\"quoted\" \\ back\\slash\n"), "\"quoted\" \\ back\\slash\n");
  EXPECT_EQ(round_trip(""), "");
}

TEST(StarterJson, WellFormedUtf8ReadsBackAsItself) {
  for (const std::string text : {"caf\xc3\xa9", "\xe2\x82\xac 20", "\xf0\x9f\x90\x8d snake",
                                 "\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf", "\xc2\x80"})
    EXPECT_EQ(round_trip(text), text);
}

TEST(StarterJson, MalformedUtf8FailsTheWriter) {
  // Lone continuation, overlong forms, a surrogate, above U+10FFFF, cut short, bad bytes.
  for (const std::string text :
       {"\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xf0\x80\x80\x80", "\xed\xa0\x80",
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xc3", "ab\xe2\x82", "\xff", "\xc3\x28"})
    EXPECT_FALSE(writes(text)) << text;
}

TEST(StarterJson, AWriterThatRunsOutOfRoomFails) {
  char buffer[8];
  JsonWriter json(buffer, sizeof buffer);
  json.raw("{\"ab\":");
  EXPECT_FALSE(json.failed());
  json.string("too long");
  EXPECT_TRUE(json.failed());
  EXPECT_LE(json.size(), sizeof buffer);
}

TEST(StarterJson, NumbersAreDecimal) {
  char buffer[64];
  JsonWriter json(buffer, sizeof buffer);
  json.raw("[");
  json.number(0);
  json.raw(",");
  json.number(18);
  json.raw(",");
  json.number(18446744073709551615UL);
  json.raw("]");
  EXPECT_EQ(nlohmann::json::parse(std::string(json.data(), json.size())),
            nlohmann::json::parse("[0,18,18446744073709551615]"));
}

long number(const nlohmann::json& reply, const char* key) {
  const std::string text = reply.dump();
  return json_top_level_number(text.data(), text.size(), key, -999);
}

TEST(StarterJson, ReplyFieldsAreFoundAtTheTopLevelOnly) {
  EXPECT_EQ(number({{"id", 3}, {"name", "s"}, {"pid", 4242}}, "pid"), 4242);
  EXPECT_EQ(number({{"name", "\"pid\":9,"}, {"pid", 7}}, "pid"), 7);
  EXPECT_EQ(number({{"inner", {{"pid", 5}}}, {"pids", 1}, {"xpid", 2}}, "pid"), -999);
  EXPECT_EQ(number({{"list", {1, {{"status", 3}}}}, {"status", 4}}, "status"), 4);
  EXPECT_EQ(number({{"status", -2}}, "status"), -2);
  EXPECT_EQ(number({{"status", "3"}}, "status"), -999);
  const std::string exit = nlohmann::json{{"reason", "server-exit"}}.dump();
  EXPECT_TRUE(json_top_level_string_is(exit.data(), exit.size(), "reason", "server-exit"));
  EXPECT_FALSE(json_top_level_string_is(exit.data(), exit.size(), "reason", "server"));
  const std::string nested = nlohmann::json{{"x", {{"reason", "server-exit"}}}}.dump();
  EXPECT_FALSE(json_top_level_string_is(nested.data(), nested.size(), "reason", "server-exit"));
}

// A string value as the fast `ls` reads it out of a reply nlohmann::json wrote.
std::string string_field(const std::string& reply, const char* key) {
  std::vector<char> out(reply.size());
  const long length =
      json_top_level_string(reply.data(), reply.size(), key, out.data(), out.size());
  return length < 0 ? "<none>" : std::string(out.data(), static_cast<std::size_t>(length));
}

TEST(StarterJson, StringFieldsReadBackAsTheBrokerWroteThem) {
  std::string all;
  for (int c = 1; c < 128; ++c) all += static_cast<char>(c);
  const std::string unicode = "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\x8d \xe4\xb8\xad";
  for (const std::string& text : {all, unicode, std::string(), std::string("a\0b", 3)}) {
    const nlohmann::json reply = {{"other", "\"table\":\"x\""}, {"table", text}};
    EXPECT_EQ(string_field(reply.dump(), "table"), text);
    // As a serialiser that escapes every non-ASCII character writes it (surrogate pairs).
    EXPECT_EQ(string_field(reply.dump(-1, ' ', true), "table"), text);
  }
  EXPECT_EQ(string_field(R"({"table":"\/\b\f"})", "table"), "/\b\f");
}

TEST(StarterJson, MalformedOrMissingStringFieldsAreRefused) {
  for (const char* reply : {R"({"table":3})", R"({"nested":{"table":"x"}})", R"({"table":"abc)",
                            R"({"table":"\q"})", R"({"table":"\u12"})", R"({"table":"\ud83d"})",
                            R"({"table":"\udc0d"})", R"({"table":"\ud83d\u0041"})"})
    EXPECT_EQ(string_field(reply, "table"), "<none>") << reply;
  char small[3];
  const std::string reply = R"({"table":"abcd"})";
  EXPECT_EQ(json_top_level_string(reply.data(), reply.size(), "table", small, sizeof small), -1);
}

TEST(StarterJson, RepliesSplitAcrossReadsComeOutWhole) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::string bytes;
  const std::string started = R"({"id":1,"pid":77})";
  const std::string exited = R"({"reason":"exited","status":3,"signal":0})";
  const auto frame = [&](MsgType type, const std::string& payload) {
    const unsigned values[] = {static_cast<unsigned>(type), static_cast<unsigned>(payload.size())};
    for (unsigned v : values)
      for (int b = 0; b < 4; ++b) bytes += static_cast<char>((v >> (8 * b)) & 0xff);
    bytes += payload;
  };
  frame(MsgType::SessionStarted, started);
  frame(MsgType::Exit, exited);
  char buffer[256];
  ReplyReader replies(fds[0], buffer, sizeof buffer);
  ReplyReader::Reply reply{};
  std::vector<std::pair<MsgType, std::string>> got;
  for (char byte : bytes) {  // one byte per read: every split
    ASSERT_EQ(::write(fds[1], &byte, 1), 1);
    ASSERT_TRUE(replies.read_some());
    while (replies.next(reply))
      got.emplace_back(reply.type, std::string(reply.payload, reply.size));
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], std::make_pair(MsgType::SessionStarted, started));
  EXPECT_EQ(got[1], std::make_pair(MsgType::Exit, exited));
  ::close(fds[1]);
  EXPECT_FALSE(replies.read_some());
  ::close(fds[0]);
}

}  // namespace
}  // namespace pyattach

#endif  // __x86_64__
