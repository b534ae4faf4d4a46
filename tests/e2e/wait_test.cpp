// pyattach wait: blocks until sessions end and exits with the status; ended sessions
// stay listed with their status until `pyattach rm`.

#include <gtest/gtest.h>

#include <regex>

#include "broker_test.hpp"
#include "text_lines.hpp"

namespace pyattach::e2e {
namespace {

class WaitTest : public BrokerTest {};

TEST_F(WaitTest, ExitStatusOfAnEndedSession) {
  ASSERT_TRUE(new_detached("three", "exit_with.py", {"exit", "3"}));
  CommandResult waited = pyattach({"wait", "three"});
  EXPECT_EQ(waited.code(), 3) << waited.describe();
  EXPECT_TRUE(waited.out.empty() && waited.err.empty()) << waited.describe();
  // Once ended, waiting again answers at once with the same status.
  EXPECT_EQ(pyattach({"wait", "three"}).code(), 3);
  CommandResult ls = pyattach({"ls"});
  EXPECT_TRUE(std::regex_search(ls_row(ls.out, "three"), std::regex(" exited 3 ")))
      << ls.describe();
}

TEST_F(WaitTest, DeathBySignalIs128PlusN) {
  ASSERT_TRUE(new_detached("termed", "exit_with.py", {"signal", "15"}));
  CommandResult waited = pyattach({"wait", "termed"});
  EXPECT_EQ(waited.code(), 128 + 15) << waited.describe();
  auto entry = session_entry("termed");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "killed");
  EXPECT_EQ((*entry)["signal"], "SIGTERM");
  CommandResult ls = pyattach({"ls"});
  EXPECT_TRUE(std::regex_search(ls_row(ls.out, "termed"), std::regex(" killed SIGTERM ")))
      << ls.describe();
}

TEST_F(WaitTest, BlocksUntilARunningSessionEnds) {
  ASSERT_TRUE(new_detached("job", "interactive.py"));
  // On a PTY only so that it runs while we act: the status is what is checked.
  auto waiter = attach_on_pty({"wait", "job"});
  auto entry = session_entry("job");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "running");
  CommandResult sent = pyattach({"send", "-e", "job", "exit 5"});
  ASSERT_EQ(sent.code(), 0) << sent.describe();
  EXPECT_TRUE(waiter->exits_with(5));
}

TEST_F(WaitTest, SeveralSessionsStatusOfTheLastNamed) {
  ASSERT_TRUE(new_detached("a", "exit_with.py", {"exit", "7"}));
  ASSERT_TRUE(new_detached("b", "exit_with.py", {"signal", "9"}));
  EXPECT_EQ(pyattach({"wait", "a", "b"}).code(), 128 + 9);
  EXPECT_EQ(pyattach({"wait", "b", "a"}).code(), 7);
}

TEST_F(WaitTest, UnknownSessionIs127) {
  ASSERT_TRUE(new_detached("known", "exit_with.py", {"exit", "0"}));
  EXPECT_TRUE(is_one_line_error(pyattach({"wait", "known", "unknown"}), 127));
  EXPECT_TRUE(is_one_line_error(pyattach({"wait"}), 2));
  EXPECT_TRUE(broker_still_serving());
}

TEST_F(WaitTest, RmRemovesEndedSessionsAndRefusesRunningOnes) {
  ASSERT_TRUE(new_detached("done", "exit_with.py", {"exit", "0"}));
  ASSERT_TRUE(new_detached("other", "exit_with.py", {"exit", "1"}));
  ASSERT_TRUE(new_detached("busy", "interactive.py"));
  ASSERT_EQ(pyattach({"wait", "done", "other"}).code(), 1);

  CommandResult refused = pyattach({"rm", "busy"});
  EXPECT_TRUE(is_one_line_error(refused, 1));
  EXPECT_NE(refused.err.find("still running"), std::string::npos) << refused.describe();

  CommandResult removed = pyattach({"rm", "done"});
  EXPECT_EQ(removed.code(), 0) << removed.describe();
  CommandResult names = pyattach({"ls", "-q"});
  EXPECT_EQ(names.out, "other\nbusy\n") << names.describe();

  EXPECT_EQ(pyattach({"rm", "-a"}).code(), 0);
  EXPECT_EQ(pyattach({"ls", "-q"}).out, "busy\n");
  EXPECT_TRUE(is_one_line_error(pyattach({"rm", "done"}), 1));
}

TEST_F(WaitTest, LsJsonHasEveryField) {
  ASSERT_TRUE(new_detached("fields", "exit_with.py", {"exit", "2"}));
  ASSERT_EQ(pyattach({"wait", "fields"}).code(), 2);
  auto entry = session_entry("fields");
  ASSERT_TRUE(entry);
  for (const char* field : {"id", "name", "pid", "state", "status", "signal", "wait_status",
                            "clients", "read_only_clients", "age_s", "created", "ended", "cols",
                            "rows", "log", "log_error", "command"})
    EXPECT_TRUE(entry->contains(field)) << field << " missing from " << entry->dump();
  EXPECT_EQ((*entry)["state"], "exited");
  EXPECT_EQ((*entry)["status"], 2);
  EXPECT_EQ((*entry)["wait_status"], 2 << 8);
  EXPECT_GE((*entry)["ended"].get<double>(), (*entry)["created"].get<double>());
  EXPECT_EQ((*entry)["cols"], 80);
  EXPECT_EQ((*entry)["rows"], 24);
}

}  // namespace
}  // namespace pyattach::e2e
