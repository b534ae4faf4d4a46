// Sessions outlive their broker: a broker killed with SIGKILL loses none of them (the
// keeper holds their terminals and reaps their programs), and `pyattachd --upgrade`
// replaces a running broker the same way.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "broker_test.hpp"
#include "directory_watch.hpp"
#include "proc_scan.hpp"

namespace pyattach::e2e {
namespace {

class BrokerCrashTest : public BrokerTest {
 protected:
  // A file the survivor renames into dir() once it has written its "while away" lines.
  static constexpr const char* kMarker = "wrote-while-away";
  std::string marker() const { return dir() + "/" + kMarker; }

  // SIGKILL for the broker, and wait until it is gone.
  testing::AssertionResult kill_broker() const {
    auto broker = broker_pid();
    if (!broker) return testing::AssertionFailure() << "no broker runs";
    if (::kill(*broker, SIGKILL) != 0) return testing::AssertionFailure() << "cannot kill it";
    if (!wait_process_gone(*broker, kTimeout))
      return testing::AssertionFailure() << "the broker survived SIGKILL";
    return testing::AssertionSuccess();
  }

  std::optional<pid_t> keeper_pid() const {
    for (pid_t pid : processes_of_this_test())
      if (std::filesystem::path(proc_exe(pid)).filename() == "pyattach-keeper") return pid;
    return std::nullopt;
  }

  // The survivor is started and has printed "ready"; returns its pid.
  std::optional<pid_t> start_survivor(const std::string& name,
                                      const std::vector<std::string>& options = {}) const {
    if (!new_detached(name, "crash_survivor.py", {marker()}, options)) return std::nullopt;
    auto client = attach_on_pty({"attach", name});
    if (!client->wait_for_screen("ready")) return std::nullopt;
    client->write("\x1c");  // detach
    if (!client->exits_with(0)) return std::nullopt;
    return session_pid(name);
  }
};

TEST_F(BrokerCrashTest, ASessionSurvivesItsBrokerBeingKilled) {
  auto program = start_survivor("keep");
  ASSERT_TRUE(program) << describe_processes(processes_of_this_test());
  auto old_broker = broker_pid();
  ASSERT_TRUE(kill_broker());
  ASSERT_TRUE(process_alive(*program)) << "the program died with its broker";

  // Output written while no broker runs waits in the terminal.
  DirectoryWatch watch(dir());
  ASSERT_EQ(::kill(*program, SIGUSR1), 0);
  ASSERT_TRUE(watch.wait_for_rename_to(kMarker));
  EXPECT_FALSE(broker_pid()) << "a broker ran while the program wrote";

  // The next command starts a broker that has the session, as it was.
  auto entry = session_entry("keep");
  ASSERT_TRUE(entry) << describe_processes(processes_of_this_test());
  EXPECT_EQ((*entry)["state"], "running") << entry->dump();
  EXPECT_EQ((*entry)["pid"], *program) << entry->dump();
  auto new_broker = broker_pid();
  EXPECT_TRUE(new_broker && new_broker != old_broker);

  auto client = attach_on_pty({"attach", "keep"});
  EXPECT_TRUE(client->wait_for_screen("broker restarted"));
  EXPECT_TRUE(client->wait_for_screen("while away 3"));
  client->write("after the crash\r");
  EXPECT_TRUE(client->wait_for("got: after the crash"));
  client->write("\x1c");
  EXPECT_TRUE(client->exits_with(0));
}

TEST_F(BrokerCrashTest, AProgramThatEndsWhileNoBrokerRunsKeepsItsStatus) {
  auto program = start_survivor("brief");
  ASSERT_TRUE(program) << describe_processes(processes_of_this_test());
  ASSERT_TRUE(kill_broker());
  ASSERT_EQ(::kill(*program, SIGUSR2), 0);
  ASSERT_TRUE(wait_process_gone(*program, kTimeout)) << "nobody reaped the program";

  auto entry = session_entry("brief");
  ASSERT_TRUE(entry) << describe_processes(processes_of_this_test());
  EXPECT_EQ((*entry)["state"], "exited") << entry->dump();
  EXPECT_EQ((*entry)["status"], 3) << entry->dump();
  // Its last words were written while no broker ran; they are on its screen.
  auto client = attach_on_pty({"attach", "brief"});
  EXPECT_TRUE(client->wait_for_screen("leaving"));
  EXPECT_TRUE(client->exits_with(3));
}

TEST_F(BrokerCrashTest, ASessionLogGoesOnAfterItsBrokerWasKilled) {
  const std::string log = dir() + "/logged.log";
  auto program = start_survivor("logged", {"--log", log});
  ASSERT_TRUE(program) << describe_processes(processes_of_this_test());
  ASSERT_TRUE(kill_broker());
  DirectoryWatch watch(dir());
  ASSERT_EQ(::kill(*program, SIGUSR1), 0);  // written while no broker runs
  ASSERT_TRUE(watch.wait_for_rename_to(kMarker));
  ASSERT_TRUE(session_entry("logged"));  // a new broker takes the session over
  ASSERT_EQ(::kill(*program, SIGUSR2), 0);
  CommandResult waited = pyattach({"wait", "logged"});  // returns once the log is complete
  EXPECT_EQ(waited.code(), 3) << waited.describe();

  std::ifstream file(log);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto before = text.find("ready");
  const auto away = text.find("while away 3");
  const auto after = text.find("leaving");
  EXPECT_NE(before, std::string::npos) << text;
  EXPECT_NE(away, std::string::npos) << text;
  EXPECT_NE(after, std::string::npos) << text;
  EXPECT_TRUE(before < away && away < after) << text;
  EXPECT_EQ(text.find("broker restarted"), std::string::npos)
      << "the log holds the program's bytes only";
}

TEST_F(BrokerCrashTest, UpgradeReplacesTheBrokerAndKeepsTheSessions) {
  auto program = start_survivor("kept");
  ASSERT_TRUE(program) << describe_processes(processes_of_this_test());
  auto old_broker = broker_pid();
  ASSERT_TRUE(old_broker);

  CommandResult upgrade = run_command({PYATTACHD_BIN, "--upgrade"}, env());
  EXPECT_EQ(upgrade.code(), 0) << upgrade.describe();
  EXPECT_TRUE(wait_process_gone(*old_broker, kTimeout));
  auto new_broker = broker_pid();
  EXPECT_TRUE(new_broker && new_broker != old_broker)
      << describe_processes(processes_of_this_test());

  auto entry = session_entry("kept");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "running") << entry->dump();
  auto client = attach_on_pty({"attach", "kept"});
  EXPECT_TRUE(client->wait_for_screen("broker restarted"));
  client->write("exit soon\r");
  EXPECT_TRUE(client->wait_for("got: exit soon"));
  ASSERT_EQ(::kill(*program, SIGUSR2), 0);
  EXPECT_TRUE(client->exits_with(3));
}

TEST_F(BrokerCrashTest, UpgradeWithoutABrokerIsAnError) {
  CommandResult upgrade = run_command({PYATTACHD_BIN, "--upgrade"}, env());
  EXPECT_NE(upgrade.code(), 0) << upgrade.describe();
  EXPECT_NE(upgrade.err.find("no broker to upgrade"), std::string::npos) << upgrade.describe();
}

TEST_F(BrokerCrashTest, AKilledKeeperIsReplacedAndSessionsStillSurviveTheBroker) {
  auto program = start_survivor("twice");
  ASSERT_TRUE(program) << describe_processes(processes_of_this_test());
  auto keeper = keeper_pid();
  ASSERT_TRUE(keeper) << describe_processes(processes_of_this_test());
  DirectoryWatch watch(dir());
  ASSERT_EQ(::kill(*keeper, SIGKILL), 0);
  ASSERT_TRUE(wait_process_gone(*keeper, kTimeout));
  EXPECT_TRUE(broker_still_serving());

  // The broker started a new keeper, which listens once its socket is renamed into place;
  // the broker registered the session with it again before that, on their channel.
  ASSERT_TRUE(watch.wait_for_rename_to("keeper.sock"))
      << describe_processes(processes_of_this_test());
  auto replacement = keeper_pid();
  ASSERT_TRUE(replacement && replacement != keeper) << describe_processes(processes_of_this_test());

  ASSERT_TRUE(kill_broker());
  ASSERT_TRUE(process_alive(*program));
  auto client = attach_on_pty({"attach", "twice"});
  EXPECT_TRUE(client->wait_for_screen("broker restarted"));
  client->write("still here\r");
  EXPECT_TRUE(client->wait_for("got: still here"));
}

TEST_F(BrokerCrashTest, KillServerEndsTheKeeperAndTheSessions) {
  auto program = start_survivor("gone");
  ASSERT_TRUE(program);
  auto keeper = keeper_pid();
  ASSERT_TRUE(keeper);
  CommandResult stopped = pyattach({"kill-server"});
  EXPECT_EQ(stopped.code(), 0) << stopped.describe();
  EXPECT_TRUE(wait_process_gone(*program, kTimeout)) << "the keeper kept the terminal open";
  EXPECT_TRUE(wait_process_gone(*keeper, kTimeout));
}

}  // namespace
}  // namespace pyattach::e2e
