// The broker and its helpers coming and going: started on demand, one per directory,
// recovering from a stale socket, surviving dead clients and zygotes, refusing an
// unsafe directory, and stopping with kill-server.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <future>

#include "broker_test.hpp"
#include "proc_scan.hpp"

namespace pyattach::e2e {
namespace {

class BrokerLifecycleTest : public BrokerTest {};

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

TEST_F(BrokerLifecycleTest, FirstCommandStartsABrokerThatDoesNotHoldTheCallersPipes) {
  // As in `id=$(pyattach new -d ...)`: the shell waits for end-of-file on the pipe, so a
  // broker started on the way must not keep the caller's stdout or stderr.
  CommandResult r = pyattach({"new", "-d", "-n", "first", "--", script("interactive.py")},
                             CommandOptions{.stdin_data = "", .wait_for_pipes_to_close = true});
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_TRUE(r.pipes_closed) << r.describe();
  EXPECT_TRUE(broker_pid()) << describe_processes(processes_of_this_test());
}

TEST_F(BrokerLifecycleTest, ASecondBrokerOnTheSameDirectoryIsRefused) {
  ASSERT_TRUE(new_detached("keep", "interactive.py"));
  auto broker = broker_pid();
  ASSERT_TRUE(broker) << describe_processes(processes_of_this_test());

  CommandResult second = run_command({PYATTACHD_BIN}, env());
  EXPECT_NE(second.code(), 0) << second.describe();
  EXPECT_FALSE(second.timed_out) << second.describe();
  EXPECT_FALSE(second.err.empty()) << "no message\n" << second.describe();

  EXPECT_EQ(broker_pid(), broker);
  EXPECT_TRUE(broker_still_serving());
  ASSERT_TRUE(session_entry("keep"));
  EXPECT_EQ((*session_entry("keep"))["state"], "running");
}

// The broker exits once it has nothing left to serve, and its keeper with it. Commands that
// connect to either just then (queued, never accepted) must be served by the next broker,
// not fail: `profiles` once got "the broker closed the connection" in CI this way.
TEST_F(BrokerLifecycleTest, CommandsRacingTheBrokersIdleExitAreServed) {
  for (int round = 0; round < 8; ++round) {
    const auto warmed = pyattach({"warm", "--python", "/usr/bin/python3"});
    ASSERT_EQ(warmed.code(), 0) << warmed.describe();
    ASSERT_EQ(warmed.out.rfind("profile ", 0), 0u) << warmed.describe();
    const std::string id = warmed.out.substr(8, warmed.out.find(' ', 8) - 8);
    std::vector<std::future<CommandResult>> racing;
    const auto start = [&](std::vector<std::string> args) {
      racing.push_back(std::async(std::launch::async, [this, args] { return pyattach(args); }));
    };
    start({"unload", id});  // the only zygote (the runs' too): the broker then exits
    for (int i = 0; i < 3; ++i) start({"profiles", "--json"});
    for (int i = 0; i < 2; ++i) start({"run", "--python", "/usr/bin/python3", "-c", "print(7)"});
    for (auto& command : racing) {
      const CommandResult result = command.get();
      EXPECT_EQ(result.code(), 0) << result.describe();
      if (result.argv.size() > 1 && result.argv[1] == "run") {
        EXPECT_EQ(result.out, "7\n") << result.describe();
      }
    }
  }
}

TEST_F(BrokerLifecycleTest, AStaleSocketFromAKilledBrokerIsReplaced) {
  ASSERT_TRUE(new_detached("doomed", "interactive.py"));
  auto broker = broker_pid();
  ASSERT_TRUE(broker) << describe_processes(processes_of_this_test());
  ASSERT_EQ(::kill(*broker, SIGKILL), 0);
  ASSERT_TRUE(wait_process_gone(*broker, kTimeout));
  // (The socket file is left behind: nobody was there to remove it.)

  EXPECT_TRUE(broker_still_serving());
  EXPECT_TRUE(new_detached("fresh", "interactive.py"));
  auto replacement = broker_pid();
  EXPECT_TRUE(replacement && *replacement != *broker)
      << describe_processes(processes_of_this_test());
  auto client = attach_on_pty({"attach", "fresh"});
  EXPECT_TRUE(client->wait_for_screen("ready"));
}

TEST_F(BrokerLifecycleTest, AClientKilledWhileAttachedLeavesTheSessionRunning) {
  ASSERT_TRUE(new_detached("survivor", "interactive.py"));
  {
    auto client = attach_on_pty({"attach", "survivor"});
    ASSERT_TRUE(client->wait_for_screen("ready"));
    client->write("before\r");
    ASSERT_TRUE(client->wait_for("got: before"));
    client->kill(SIGKILL);
    ASSERT_TRUE(client->wait_exit());
  }
  auto entry = session_entry("survivor");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "running") << entry->dump();

  auto client = attach_on_pty({"attach", "survivor"});
  EXPECT_TRUE(client->wait_for_screen("got: before"));
  client->write("after\r");
  EXPECT_TRUE(client->wait_for("got: after"));
}

TEST_F(BrokerLifecycleTest, AKilledZygoteLeavesSessionsRunningAndIsReplaced) {
  ASSERT_TRUE(new_detached("older", "interactive.py"));
  auto zygotes = zygote_pids();
  ASSERT_FALSE(zygotes.empty()) << "no zygote found among the broker's children:\n"
                                << describe_processes(processes_of_this_test());
  for (pid_t zygote : zygotes) ::kill(zygote, SIGKILL);
  for (pid_t zygote : zygotes) ASSERT_TRUE(wait_process_gone(zygote, kTimeout));

  {
    auto client = attach_on_pty({"attach", "older"});
    ASSERT_TRUE(client->wait_for_screen("ready"));
    client->write("still here\r");
    EXPECT_TRUE(client->wait_for("got: still here"));
    client->write("\x1c");
    EXPECT_TRUE(client->exits_with(0));
  }
  EXPECT_TRUE(new_detached("newer", "interactive.py"));
  auto client = attach_on_pty({"attach", "newer"});
  EXPECT_TRUE(client->wait_for_screen("ready"));
}

TEST_F(BrokerLifecycleTest, ASessionsExitStatusIsKnownEvenAfterItsZygoteDied) {
  ASSERT_TRUE(new_detached("orphan", "interactive.py"));
  auto zygotes = zygote_pids();
  ASSERT_FALSE(zygotes.empty()) << describe_processes(processes_of_this_test());
  for (pid_t zygote : zygotes) ::kill(zygote, SIGKILL);
  for (pid_t zygote : zygotes) ASSERT_TRUE(wait_process_gone(zygote, kTimeout));

  auto client = attach_on_pty({"attach", "orphan"});
  ASSERT_TRUE(client->wait_for_screen("ready"));
  client->write("exit 6\r");
  EXPECT_TRUE(client->exits_with(6));
  auto entry = session_entry("orphan");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "exited") << entry->dump();
  EXPECT_EQ((*entry)["status"], 6) << entry->dump();
}

TEST_F(BrokerLifecycleTest, KillServerStopsTheBrokerItsZygotesAndTheSessions) {
  ASSERT_TRUE(new_detached("hup", "interactive.py"));
  auto broker = broker_pid();
  auto program = session_pid("hup");
  auto zygotes = zygote_pids();
  ASSERT_TRUE(broker && program) << describe_processes(processes_of_this_test());
  auto client = attach_on_pty({"attach", "hup"});
  ASSERT_TRUE(client->wait_for_screen("ready"));

  CommandResult r = pyattach({"kill-server"});
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_TRUE(client->wait_exit()) << "the attached client did not end\n" << client->describe();
  EXPECT_TRUE(wait_process_gone(*broker, kTimeout)) << describe_processes({*broker});
  EXPECT_TRUE(wait_process_gone(*program, kTimeout)) << describe_processes({*program});
  for (pid_t zygote : zygotes) {
    EXPECT_TRUE(wait_process_gone(zygote, kTimeout)) << describe_processes({zygote});
  }
}

TEST_F(BrokerLifecycleTest, ADirectoryOthersCanReadIsRefused) {
  ASSERT_EQ(::chmod(dir().c_str(), 0755), 0);
  CommandResult r = pyattach({"ls"});
  EXPECT_TRUE(is_one_line_error(r));
  const std::string message = lowercase(r.err);
  EXPECT_TRUE(message.find("mode") != std::string::npos ||
              message.find("755") != std::string::npos ||
              message.find("permission") != std::string::npos)
      << "the message should say the directory's mode is wrong\n"
      << r.describe();
  EXPECT_FALSE(broker_pid()) << describe_processes(processes_of_this_test());
  EXPECT_FALSE(std::filesystem::exists(dir() + "/broker.sock"));
}

}  // namespace
}  // namespace pyattach::e2e
