#include "detach_key.hpp"

#include <gtest/gtest.h>

#include "user_error.hpp"

namespace pyattach {
namespace {

TEST(DetachKey, ParsesCaretAndEmacsSpellings) {
  EXPECT_EQ(parse_detach_key("^\\"), 0x1c);
  EXPECT_EQ(parse_detach_key("^]"), 0x1d);
  EXPECT_EQ(parse_detach_key("^a"), 0x01);
  EXPECT_EQ(parse_detach_key("C-b"), 0x02);
  EXPECT_EQ(parse_detach_key("c-Z"), 0x1a);
  EXPECT_EQ(parse_detach_key("^?"), 0x7f);
}

TEST(DetachKey, RejectsWhatIsNotAControlKey) {
  for (const char* bad : {"", "x", "^", "^1", "C-", "M-x", "ctrl-x", "^ab"}) {
    try {
      parse_detach_key(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UserError& error) {
      EXPECT_EQ(error.status(), kStatusUsage);
    }
  }
}

}  // namespace
}  // namespace pyattach
