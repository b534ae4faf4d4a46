// How sessions end: `new` without -d attaches at once and the client ends with the
// program's status (exit code, or 128 + signal), which `ls` shows afterwards.

#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "broker_test.hpp"
#include "text_lines.hpp"

namespace pyattach::e2e {
namespace {

class ExitStatusTest : public BrokerTest {
 protected:
  // `pyattach new -n NAME -- interactive.py` on a terminal, once the program is ready.
  std::unique_ptr<PtyProcess> start_attached(const std::string& name) {
    auto client = attach_on_pty({"new", "-n", name, "--", script("interactive.py")});
    EXPECT_TRUE(client->wait_for_screen("ready"));
    return client;
  }

  // The `ls` table row of the session, checked against `state` ("exited 3", ...).
  testing::AssertionResult listed_as(const std::string& name, const std::string& state) {
    CommandResult ls = pyattach({"ls"});
    std::string row = ls_row(ls.out, name);
    std::regex pattern("^ *\\d+ +" + name + " +\\d+ +" + state + " +\\d+ +\\S+ +.*$");
    if (ls.code() == 0 && std::regex_match(row, pattern)) return testing::AssertionSuccess();
    return testing::AssertionFailure() << "no row for " << name << " in state \"" << state << "\"\n"
                                       << ls.describe();
  }
};

TEST_F(ExitStatusTest, NewWithoutDetachAttachesAndEndsWithTheProgramsExitCode) {
  auto client = start_attached("three");
  client->write("exit 3\r");
  EXPECT_TRUE(client->wait_for("bye"));
  EXPECT_TRUE(client->exits_with(3));

  EXPECT_TRUE(listed_as("three", "exited 3"));
  auto entry = session_entry("three");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "exited") << entry->dump();
  EXPECT_EQ((*entry)["status"], 3) << entry->dump();
  EXPECT_TRUE((*entry)["signal"].is_null()) << entry->dump();
}

TEST_F(ExitStatusTest, SysExitZeroEndsTheClientWithZero) {
  auto client = start_attached("zero");
  client->write("exit 0\r");
  EXPECT_TRUE(client->exits_with(0));
  EXPECT_TRUE(listed_as("zero", "exited 0"));
}

TEST_F(ExitStatusTest, KillWhileAttachedEndsTheClientWith128PlusSignal) {
  auto client = start_attached("victim");
  CommandResult kill = pyattach({"kill", "victim"});
  EXPECT_EQ(kill.code(), 0) << kill.describe();
  EXPECT_TRUE(client->exits_with(128 + SIGTERM));

  EXPECT_TRUE(listed_as("victim", "killed SIGTERM"));
  auto entry = session_entry("victim");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "killed") << entry->dump();
  EXPECT_EQ((*entry)["signal"], "SIGTERM") << entry->dump();
  EXPECT_TRUE((*entry)["status"].is_null()) << entry->dump();
}

TEST_F(ExitStatusTest, KillTakesSignalNamesWithOrWithoutSigAndNumbers) {
  struct Case {
    std::string name, spelling, listed;
    int signo;
  };
  for (const Case& c :
       {Case{"k1", "KILL", "SIGKILL", SIGKILL}, Case{"k2", "SIGHUP", "SIGHUP", SIGHUP},
        Case{"k3", "9", "SIGKILL", SIGKILL}}) {
    SCOPED_TRACE("kill -s " + c.spelling);
    auto client = start_attached(c.name);
    CommandResult kill = pyattach({"kill", "-s", c.spelling, c.name});
    EXPECT_EQ(kill.code(), 0) << kill.describe();
    EXPECT_TRUE(client->exits_with(128 + c.signo));
    EXPECT_TRUE(listed_as(c.name, "killed " + c.listed));
  }
}

TEST_F(ExitStatusTest, UncaughtKeyboardInterruptEndsBySigintAsPlainPythonDoes) {
  // `python3 script.py` dies by SIGINT after an uncaught KeyboardInterrupt (a shell
  // sees 130); the session must look the same.
  auto client = start_attached("interrupted");
  client->write("\x03");
  EXPECT_TRUE(client->wait_for("KeyboardInterrupt"));
  EXPECT_TRUE(client->exits_with(128 + SIGINT));
  EXPECT_TRUE(listed_as("interrupted", "killed SIGINT"));
}

TEST_F(ExitStatusTest, AttachingToAnExitedSessionShowsItsLastScreenAndStatus) {
  ASSERT_TRUE(new_detached("fin", "interactive.py"));
  {
    auto client = attach_on_pty({"attach", "fin"});
    ASSERT_TRUE(client->wait_for_screen("ready"));
    client->write("last words\r");
    ASSERT_TRUE(client->wait_for("got: last words"));
    client->write("exit 4\r");
    ASSERT_TRUE(client->exits_with(4));
  }
  auto again = attach_on_pty({"attach", "fin"});
  EXPECT_TRUE(again->wait_for_screen("got: last words"));
  EXPECT_TRUE(again->wait_for_screen("bye"));
  EXPECT_TRUE(again->exits_with(4));
}

TEST_F(ExitStatusTest, KillOnAnExitedSessionRemovesIt) {
  auto client = start_attached("gone");
  client->write("exit 5\r");
  ASSERT_TRUE(client->exits_with(5));
  ASSERT_TRUE(session_entry("gone"));
  CommandResult kill = pyattach({"kill", "gone"});
  EXPECT_EQ(kill.code(), 0) << kill.describe();
  EXPECT_FALSE(session_entry("gone")) << list_json().dump(2);
  EXPECT_TRUE(broker_still_serving());
}

TEST_F(ExitStatusTest, LastOutputReachesTheClientBeforeTheExitStatus) {
  auto client = attach_on_pty({"new", "--", script("burst_then_exit.py")});
  EXPECT_TRUE(client->wait_for("last line of the burst"));
  EXPECT_TRUE(client->exits_with(9));
}

}  // namespace
}  // namespace pyattach::e2e
