// Several clients on one session: all see the same output, a read-only client's keys
// and window size are ignored, and the most recently active client sets the size.

#include <gtest/gtest.h>

#include "broker_test.hpp"

namespace pyattach::e2e {
namespace {

class MultiClientTest : public BrokerTest {
 protected:
  // The session's size as `ls --json` reports it, "COLSxROWS".
  std::string session_size(std::string_view name) const {
    auto entry = session_entry(name);
    if (!entry) return "(not listed)";
    return std::to_string((*entry)["cols"].get<int>()) + "x" +
           std::to_string((*entry)["rows"].get<int>());
  }
};

constexpr std::string_view kDetachKey = "\x1c";

// The part of a client's raw output from `first` to the end of `last`, or "" if absent.
std::string between(const std::string& output, std::string_view first, std::string_view last) {
  const auto start = output.find(first);
  if (start == std::string::npos) return "";
  const auto end = output.find(last, start);
  if (end == std::string::npos) return "";
  return output.substr(start, end + last.size() - start);
}

TEST_F(MultiClientTest, TwoClientsSeeTheSameBytes) {
  ASSERT_TRUE(new_detached("shared", "interactive.py"));
  auto first = attach_on_pty({"attach", "shared"});
  auto second = attach_on_pty({"attach", "shared"});
  ASSERT_TRUE(first->wait_for_screen("ready"));
  ASSERT_TRUE(second->wait_for_screen("ready"));
  auto entry = session_entry("shared");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["clients"], 2) << entry->dump();

  // Input from either client reaches the program; its output reaches both.
  first->write("one\r");
  ASSERT_TRUE(first->wait_for("got: one"));
  second->write("two\r");
  ASSERT_TRUE(second->wait_for("got: two"));
  first->write("three\r");
  ASSERT_TRUE(first->wait_for("got: three"));
  ASSERT_TRUE(second->wait_for("got: three"));

  const std::string seen_by_first = between(first->output(), "got: one", "got: three");
  ASSERT_FALSE(seen_by_first.empty()) << first->describe();
  EXPECT_NE(seen_by_first.find("got: two"), std::string::npos) << first->describe();
  EXPECT_EQ(between(second->output(), "got: one", "got: three"), seen_by_first)
      << first->describe() << second->describe();

  first->write(kDetachKey);
  EXPECT_TRUE(first->exits_with(0));
  // The other client stays attached and live.
  second->write("four\r");
  EXPECT_TRUE(second->wait_for("got: four"));
  second->write("exit 4\r");
  EXPECT_TRUE(second->exits_with(4));
}

TEST_F(MultiClientTest, ReadOnlyClientsKeysDoNotArrive) {
  ASSERT_TRUE(new_detached("watched", "interactive.py"));
  auto writer = attach_on_pty({"attach", "watched"});
  ASSERT_TRUE(writer->wait_for_screen("ready"));
  auto watcher = attach_on_pty({"attach", "-r", "watched"});
  ASSERT_TRUE(watcher->wait_for_screen("ready"));

  watcher->write("secret\r");
  // The detach key still works; the broker has handled everything typed before it once
  // the client is told it is detached.
  watcher->write(kDetachKey);
  ASSERT_TRUE(watcher->wait_for("[detached from session watched]"));
  ASSERT_TRUE(watcher->exits_with(0));

  writer->write("visible\r");
  ASSERT_TRUE(writer->wait_for("got: visible"));
  EXPECT_EQ(writer->output().find("secret"), std::string::npos) << writer->describe();
  EXPECT_EQ(watcher->output().find("got: secret"), std::string::npos) << watcher->describe();
}

TEST_F(MultiClientTest, ReadOnlyClientWatchesLiveOutput) {
  ASSERT_TRUE(new_detached("show", "interactive.py"));
  auto watcher = attach_on_pty({"attach", "--read-only", "show"});
  ASSERT_TRUE(watcher->wait_for_screen("ready"));
  auto entry = session_entry("show");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["clients"], 1) << entry->dump();
  EXPECT_EQ((*entry)["read_only_clients"], 1) << entry->dump();
  CommandResult sent = pyattach({"send", "-e", "show", "typed elsewhere"});
  ASSERT_EQ(sent.code(), 0) << sent.describe();
  EXPECT_TRUE(watcher->wait_for("got: typed elsewhere"));
}

TEST_F(MultiClientTest, ReadOnlyClientsSizeIsIgnored) {
  ASSERT_TRUE(new_detached("sized", "winsize.py"));
  auto writer = attach_on_pty({"attach", "sized"}, WindowSize{24, 80});
  ASSERT_TRUE(writer->wait_for_screen("ready"));
  EXPECT_EQ(session_size("sized"), "80x24");

  auto watcher = attach_on_pty({"attach", "-r", "sized"}, WindowSize{30, 100});
  ASSERT_TRUE(watcher->wait_for_screen("ready"));
  watcher->resize(WindowSize{40, 120});
  watcher->write("\r");  // a key: ignored too, so no "size" report either
  watcher->write(kDetachKey);
  ASSERT_TRUE(watcher->exits_with(0));

  writer->write("\r");  // the program reports its size: still the writer's
  EXPECT_TRUE(writer->wait_for("size 80x24"));
  EXPECT_EQ(writer->output().find("winch"), std::string::npos) << writer->describe();
  EXPECT_EQ(session_size("sized"), "80x24");
}

TEST_F(MultiClientTest, MostRecentlyActiveClientSetsTheSize) {
  ASSERT_TRUE(new_detached("policy", "winsize.py"));
  auto small = attach_on_pty({"attach", "policy"}, WindowSize{24, 80});
  ASSERT_TRUE(small->wait_for_screen("ready"));

  // Attaching is activity: the new client's size applies, with SIGWINCH.
  auto big = attach_on_pty({"attach", "policy"}, WindowSize{30, 100});
  ASSERT_TRUE(big->wait_for("winch 100x30"));
  EXPECT_EQ(session_size("policy"), "100x30");

  // Typing is activity: the typist's size applies before its keys arrive.
  small->write("\r");
  EXPECT_TRUE(small->wait_for("winch 80x24"));
  EXPECT_EQ(session_size("policy"), "80x24");

  // The active client leaves: the size of the one active before it applies.
  small->write(kDetachKey);
  ASSERT_TRUE(small->exits_with(0));
  EXPECT_TRUE(big->wait_for("winch 100x30"));
  EXPECT_EQ(session_size("policy"), "100x30");
}

}  // namespace
}  // namespace pyattach::e2e
