// Preloaded modules: imported by a zygote before the script runs, and one zygote per
// profile (interpreter + preload list) shared by its sessions.

#include <gtest/gtest.h>

#include "broker_test.hpp"
#include "proc_scan.hpp"

namespace pyattach::e2e {
namespace {

class PreloadTest : public BrokerTest {
 protected:
  // The parent pid of a session's program, from its pid in `ls --json`.
  std::optional<pid_t> parent_of_session(const std::string& name) {
    const auto pid = session_pid(name);
    if (!pid) {
      ADD_FAILURE() << "no pid for session " << name << " in " << list_json().dump(2);
      return std::nullopt;
    }
    return proc_parent(*pid);
  }

  // What the preload_check.py session NAME printed, once it is ready.
  std::string screen_of(const std::string& name) {
    auto client = attach_on_pty({"attach", name});
    EXPECT_TRUE(client->wait_for_screen("ready"));
    return client->screen_text();
  }
};

TEST_F(PreloadTest, PreloadedModuleIsImportedBeforeTheScriptRuns) {
  auto client = attach_on_pty({"new", "--preload", "numpy", "--", script("preload_check.py")});
  EXPECT_TRUE(client->wait_for("numpy preloaded: True"));
  EXPECT_TRUE(client->wait_for("numpy works: True"));
  ASSERT_TRUE(client->wait_for("ready"));
  client->write("\r");
  EXPECT_TRUE(client->exits_with(0));
}

TEST_F(PreloadTest, WithoutPreloadTheModuleIsNotThereYet) {
  auto client = attach_on_pty({"new", "--", script("preload_check.py")});
  EXPECT_TRUE(client->wait_for("numpy preloaded: False"));
  EXPECT_TRUE(client->wait_for("numpy works: True"));
}

TEST_F(PreloadTest, PreloadListFromTheEnvironment) {
  CommandResult started =
      pyattach_with_env({"new", "-d", "-n", "env", "--", script("preload_check.py")},
                        env_with({"PYATTACH_PRELOAD=numpy"}));
  ASSERT_EQ(started.code(), 0) << started.describe();
  std::string screen = screen_of("env");
  EXPECT_NE(screen.find("numpy preloaded: True"), std::string::npos) << screen;
}

TEST_F(PreloadTest, SessionsOfOneProfileComeFromTheSameZygote) {
  ASSERT_TRUE(new_detached("a", "preload_check.py", {}, {"--preload", "numpy"}));
  ASSERT_TRUE(new_detached("b", "preload_check.py", {}, {"--preload", "numpy"}));
  auto parent_a = parent_of_session("a");
  auto parent_b = parent_of_session("b");
  ASSERT_TRUE(parent_a && parent_b);
  EXPECT_EQ(*parent_a, *parent_b) << "the two sessions have different parents:\n"
                                  << describe_processes({*parent_a, *parent_b});
  auto broker = broker_pid();
  ASSERT_TRUE(broker) << describe_processes(processes_of_this_test());
  EXPECT_NE(*parent_a, *broker) << "sessions should be forked by a zygote, not the broker";
  EXPECT_EQ(proc_parent(*parent_a), broker)
      << "the sessions' parent should be a zygote started by the broker:\n"
      << describe_processes(processes_of_this_test());

  std::string screen = screen_of("b");
  EXPECT_NE(screen.find("numpy preloaded: True"), std::string::npos) << screen;
  EXPECT_NE(screen.find("ppid=" + std::to_string(*parent_a)), std::string::npos) << screen;
}

TEST_F(PreloadTest, DifferentPreloadListsUseDifferentZygotes) {
  ASSERT_TRUE(new_detached("plain", "preload_check.py"));
  ASSERT_TRUE(new_detached("heavy", "preload_check.py", {}, {"--preload", "numpy"}));
  auto parent_plain = parent_of_session("plain");
  auto parent_heavy = parent_of_session("heavy");
  ASSERT_TRUE(parent_plain && parent_heavy);
  EXPECT_NE(*parent_plain, *parent_heavy);
  EXPECT_NE(screen_of("plain").find("numpy preloaded: False"), std::string::npos);
  EXPECT_NE(screen_of("heavy").find("numpy preloaded: True"), std::string::npos);
}

}  // namespace
}  // namespace pyattach::e2e
