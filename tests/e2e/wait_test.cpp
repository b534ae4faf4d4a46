// pyattach wait: blocks until sessions end and exits with the status; ended sessions
// stay listed with their status until `pyattach rm`.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "broker_test.hpp"
#include "text_lines.hpp"
#include "unique_fd.hpp"

namespace pyattach::e2e {
namespace {

class WaitTest : public BrokerTest {};

// A preload module that tells the test it is being imported (a line on the FIFO
// GATE.reached), then fails once the test writes a line to the FIFO GATE.release: the
// session stays "starting" for exactly as long as the test needs.
constexpr const char* kGatedFailingModule = R"(import os
gate = os.environ["PYATTACH_TEST_GATE"]
with open(gate + ".reached", "w") as reached:
    reached.write("importing\n")
with open(gate + ".release") as release:
    release.readline()
raise RuntimeError("this preload fails on purpose")
)";

TEST_F(WaitTest, ExitStatusOfAnEndedSession) {
  ASSERT_TRUE(new_detached("three", "exit_with.py", {"exit", "3"}));
  CommandResult waited = pyattach({"wait", "three"});
  EXPECT_EQ(waited.code(), 3) << waited.describe();
  EXPECT_TRUE(waited.out.empty() && waited.err.empty()) << waited.describe();
  // Once ended, waiting again answers at once with the same status.
  EXPECT_EQ(pyattach({"wait", "three"}).code(), 3);
  CommandResult ls = pyattach({"ls"});
  // No program, no memory.
  EXPECT_TRUE(std::regex_search(ls_row(ls.out, "three"), std::regex(" exited 3 +0 +- +- ")))
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

TEST_F(WaitTest, AStartThatFailsEndsWaitAndAttachWithItsReason) {
  const std::string gate = dir() + "/gate";
  ASSERT_EQ(::mkfifo((gate + ".reached").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((gate + ".release").c_str(), 0600), 0);
  // Read-write, so neither side's open blocks on the other.
  const UniqueFd reached(::open((gate + ".reached").c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  const UniqueFd release(::open((gate + ".release").c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(reached && release);
  const std::string modules = dir() + "/modules";
  std::filesystem::create_directories(modules);
  std::ofstream(modules + "/gated_failure.py") << kGatedFailingModule;

  PtyProcess starter({PYATTACH_BIN, "new", "-d", "-n", "bad", "--preload", "gated_failure", "--",
                      script("exit_with.py"), "exit", "0"},
                     env_with({"PYTHONPATH=" + modules, "PYATTACH_TEST_GATE=" + gate}));
  pollfd importing{reached.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&importing, 1, static_cast<int>(kTimeout.count())), 1) << starter.describe();
  // The zygote is importing: the session exists and has not started.
  CommandResult starting = pyattach({"ls"});
  EXPECT_TRUE(std::regex_search(ls_row(starting.out, "bad"), std::regex(" starting ")))
      << starting.describe();

  auto waiter = attach_on_pty({"wait", "bad"});
  auto watcher = attach_on_pty({"attach", "bad"});
  ASSERT_TRUE(watcher->wait_for("\x1b"));  // the broker's screen: it is attached
  ASSERT_EQ(::write(release.get(), "go\n", 3), 3);

  EXPECT_TRUE(starter.exits_with(1)) << starter.describe();
  EXPECT_NE(starter.output().find("this preload fails on purpose"), std::string::npos)
      << starter.describe();
  // Both were left hanging before: nothing ever ended the session they were told of.
  EXPECT_TRUE(waiter->exits_with(1)) << waiter->describe();
  EXPECT_NE(waiter->output().find("session 'bad' failed to start: preloading gated_failure"),
            std::string::npos)
      << waiter->describe();
  EXPECT_TRUE(watcher->exits_with(1)) << watcher->describe();
  EXPECT_NE(watcher->output().find("this preload fails on purpose"), std::string::npos)
      << watcher->describe();

  // It stays listed as failed, and answers the same way from now on.
  auto entry = session_entry("bad");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "failed");
  EXPECT_EQ((*entry)["status"], 1);
  EXPECT_NE((*entry)["error"].get<std::string>().find("this preload fails on purpose"),
            std::string::npos)
      << entry->dump();
  CommandResult ls = pyattach({"ls"});
  EXPECT_TRUE(std::regex_search(ls_row(ls.out, "bad"), std::regex(" failed "))) << ls.describe();
  CommandResult waited = pyattach({"wait", "bad"});
  EXPECT_TRUE(is_one_line_error(waited, 1));
  EXPECT_NE(waited.err.find("failed to start"), std::string::npos) << waited.describe();
  CommandResult attached = pyattach({"attach", "bad"});
  EXPECT_TRUE(is_one_line_error(attached, 1));
  EXPECT_NE(attached.err.find("this preload fails on purpose"), std::string::npos)
      << attached.describe();

  // Retrying under the same name takes the failed session's place.
  ASSERT_TRUE(new_detached("bad", "exit_with.py", {"exit", "4"}));
  EXPECT_EQ(pyattach({"wait", "bad"}).code(), 4);
  EXPECT_TRUE(broker_still_serving());
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
  const std::vector<std::string> fields = {"id",          "name",    "pid",
                                           "state",       "status",  "signal",
                                           "wait_status", "clients", "read_only_clients",
                                           "age_s",       "created", "ended",
                                           "cols",        "rows",    "log",
                                           "log_error",   "pss_kb",  "uss_kb",
                                           "error",       "command"};
  for (const auto& field : fields)
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
