#include "json_message.hpp"

#include <gtest/gtest.h>

namespace pyattach {
namespace {

TEST(JsonMessage, ParsesIntegersAndSmallFloats) {
  const auto message = parse_message(R"({"rows":24,"wait":{"timeout_s":1.5},"big":-7})");
  EXPECT_EQ(message.at("rows").get<int>(), 24);
  EXPECT_EQ(message.at("wait").at("timeout_s").get<double>(), 1.5);
  EXPECT_EQ(message.at("big").get<int>(), -7);
}

TEST(JsonMessage, RefusesFloatsAnIntCannotHold) {
  for (const char* text : {R"({"rows":1e100})", R"({"a":[{"pid":-2.5}]})", R"({"v":4294967296.0})"})
    EXPECT_THROW(parse_message(text), nlohmann::json::out_of_range) << text;
}

TEST(JsonMessage, MalformedTextThrows) {
  EXPECT_THROW(parse_message(R"({"rows":)"), nlohmann::json::parse_error);
}

}  // namespace
}  // namespace pyattach
