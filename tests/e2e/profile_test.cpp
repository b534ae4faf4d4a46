// Preload profiles that stay correct: a different search path or venv gets its own zygote,
// an edited preloaded module retires its zygote, a profile that is not fork-safe is refused
// in fork mode and works in spawn mode, and idle zygotes (then the broker) go away.

#include <poll.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "broker_test.hpp"

namespace pyattach::e2e {
namespace {

class ProfileTest : public BrokerTest {
 protected:
  // A directory for modules of this test, with `name`.py holding `source`.
  std::string module_dir(const std::string& subdir, const std::string& name,
                         const std::string& source) const {
    const std::string path = dir() + "/" + subdir;
    std::filesystem::create_directories(path);
    write_file(path + "/" + name + ".py", source);
    return path;
  }
  static void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  }

  // `pyattach run --python /usr/bin/python3 [OPTIONS] -- ARGS` with pipes, in `env`.
  CommandResult run(const std::vector<std::string>& args, const std::vector<std::string>& env,
                    const std::vector<std::string>& options = {}) const {
    std::vector<std::string> argv = {"run", "--python", "/usr/bin/python3"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), args.begin(), args.end());
    return pyattach_with_env(argv, env);
  }

  nlohmann::json profiles() const {
    const auto listed = pyattach({"profiles", "--json"});
    EXPECT_EQ(listed.code(), 0) << listed.describe();
    try {
      return nlohmann::json::parse(listed.out).at("profiles");
    } catch (const nlohmann::json::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << listed.describe();
      return nlohmann::json::array();
    }
  }

  // Polls `condition` until it holds or the step timeout passes: the broker's state is
  // what is awaited (checked every 20 ms), never a fixed delay.
  static bool eventually(const std::function<bool()>& condition) {
    const Deadline deadline(kTimeout);
    while (!deadline.passed()) {
      if (condition()) return true;
      ::poll(nullptr, 0, 20);
    }
    return condition();
  }
};

TEST_F(ProfileTest, AnotherPythonPathGetsAnotherZygote) {
  const std::string a = module_dir("a", "flavour", "VALUE = 'from a'\n");
  const std::string b = module_dir("b", "flavour", "VALUE = 'from b'\n");
  const std::vector<std::string> code = {"-c", "import flavour; print(flavour.VALUE)"};
  const auto first = run(code, env_with({"PYTHONPATH=" + a}), {"--preload", "flavour"});
  const auto second = run(code, env_with({"PYTHONPATH=" + b}), {"--preload", "flavour"});
  const auto again = run(code, env_with({"PYTHONPATH=" + a}), {"--preload", "flavour"});
  EXPECT_EQ(first.out, "from a\n") << first.describe();
  EXPECT_EQ(second.out, "from b\n") << second.describe();
  EXPECT_EQ(again.out, "from a\n") << again.describe();
  const auto listed = profiles();
  ASSERT_EQ(listed.size(), 2u) << listed.dump(2);
  EXPECT_EQ(listed[0].at("env").at("PYTHONPATH"), a) << listed.dump(2);
  EXPECT_EQ(listed[1].at("env").at("PYTHONPATH"), b) << listed.dump(2);
  EXPECT_EQ(listed[0].at("sessions"), 2) << listed.dump(2);
}

TEST_F(ProfileTest, KeyEnvNamesMoreVariablesThatSelectTheZygote) {
  const auto warm = [&](const std::string& value, bool key) {
    std::vector<std::string> args = {"warm", "--python", "/usr/bin/python3"};
    if (key) args.insert(args.end(), {"--key-env", "PROFILE_FLAVOUR"});
    return pyattach_with_env(args, env_with({"PROFILE_FLAVOUR=" + value}));
  };
  for (const auto& [value, key] :
       {std::pair{"1", false}, std::pair{"2", false}, std::pair{"1", true}, std::pair{"2", true}}) {
    const auto warmed = warm(value, key);
    ASSERT_EQ(warmed.code(), 0) << warmed.describe();
  }
  // Without --key-env the variable does not matter: 1 zygote; with it, one per value.
  EXPECT_EQ(profiles().size(), 3u) << profiles().dump(2);
  const auto by_env =
      run({"-c", "print(1)"}, env_with({"PROFILE_FLAVOUR=3", "PYATTACH_KEY_ENV=PROFILE_FLAVOUR"}));
  EXPECT_EQ(by_env.out, "1\n") << by_env.describe();
  EXPECT_EQ(profiles().size(), 4u) << profiles().dump(2);
}

TEST_F(ProfileTest, EditedPreloadedModuleIsSeenByTheNextRun) {
  const std::string modules = module_dir("edit", "settings", "VALUE = 'old'\n");
  const auto env = env_with({"PYTHONPATH=" + modules});
  const std::vector<std::string> code = {"-c", "import settings; print(settings.VALUE)"};
  const auto before = run(code, env, {"--preload", "settings"});
  ASSERT_EQ(before.out, "old\n") << before.describe();
  ASSERT_EQ(profiles().at(0).at("state"), "ready") << profiles().dump(2);

  // A different size too: a same-second, same-size edit would fool python3's own .pyc check.
  write_file(modules + "/settings.py", "VALUE = 'edited'\n");
  ASSERT_TRUE(eventually([&] { return profiles().at(0).at("state") == "stale"; }))
      << profiles().dump(2);

  const auto after = run(code, env, {"--preload", "settings"});
  EXPECT_EQ(after.out, "edited\n") << after.describe();
  const auto listed = profiles();
  ASSERT_EQ(listed.size(), 1u) << "the stale record is replaced:\n" << listed.dump(2);
  EXPECT_EQ(listed[0].at("state"), "ready") << listed.dump(2);
}

TEST_F(ProfileTest, AThreadAtImportRefusesForkModeAndSpawnModeWorks) {
  const std::string modules =
      module_dir("threads", "threaded",
                 "import threading, time\n"
                 "threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\n"
                 "VALUE = 'threaded works'\n");
  const auto env = env_with({"PYTHONPATH=" + modules});
  const std::vector<std::string> code = {"-c", "import threaded; print(threaded.VALUE)"};
  const auto refused = run(code, env, {"--preload", "threaded"});
  EXPECT_TRUE(is_one_line_error(refused)) << refused.describe();
  EXPECT_NE(refused.err.find("1 thread"), std::string::npos) << refused.describe();
  EXPECT_NE(refused.err.find("--mode spawn"), std::string::npos) << refused.describe();
  EXPECT_TRUE(broker_still_serving());

  const auto spawned = run(code, env_with({"PYTHONPATH=" + modules, "PYATTACH_MODE=spawn"}),
                           {"--preload", "threaded"});
  EXPECT_EQ(spawned.code(), 0) << spawned.describe();
  EXPECT_EQ(spawned.out, "threaded works\n") << spawned.describe();
  auto started = attach_on_pty({"new", "--mode", "spawn", "--pool", "1", "--python",
                                "/usr/bin/python3", "--preload", "json", "--", "-c",
                                "import sys; print('spawned', 'json' in sys.modules)"});
  EXPECT_TRUE(started->wait_for("spawned True"));
  EXPECT_TRUE(started->exits_with(0));
}

TEST_F(ProfileTest, WarmListAndUnload) {
  const auto warmed =
      pyattach({"warm", "--python", "/usr/bin/python3", "--preload", "json,decimal"});
  ASSERT_EQ(warmed.code(), 0) << warmed.describe();
  EXPECT_EQ(warmed.out.rfind("profile 1 ready: json,decimal", 0), 0u) << warmed.describe();
  auto listed = profiles();
  ASSERT_EQ(listed.size(), 1u) << listed.dump(2);
  EXPECT_EQ(listed[0].at("state"), "ready");
  EXPECT_GT(listed[0].at("pid").get<int>(), 0);
  EXPECT_TRUE(listed[0].at("pss_kb").is_number()) << listed.dump(2);
  EXPECT_GT(listed[0].at("watched_files").get<int>(), 2) << listed.dump(2);
  const pid_t zygote = listed[0].at("pid").get<pid_t>();

  const auto table = pyattach({"profiles"});
  EXPECT_EQ(table.out.rfind("ID  STATE", 0), 0u) << table.describe();
  EXPECT_NE(table.out.find("json,decimal"), std::string::npos) << table.describe();

  const auto unknown = pyattach({"unload", "7"});
  EXPECT_TRUE(is_one_line_error(unknown)) << unknown.describe();
  const auto unloaded = pyattach({"unload", "1"});
  EXPECT_EQ(unloaded.code(), 0) << unloaded.describe();
  EXPECT_TRUE(eventually([&] { return ::kill(zygote, 0) != 0; })) << "the zygote still runs";
  EXPECT_TRUE(eventually([&] { return profiles().empty(); })) << profiles().dump(2);
}

TEST_F(ProfileTest, IdleZygoteExitsAndThenTheBroker) {
  const auto env = env_with({"PYATTACH_IDLE=1"});
  const auto warmed = pyattach_with_env({"warm", "--python", "/usr/bin/python3"}, env);
  ASSERT_EQ(warmed.code(), 0) << warmed.describe();
  const auto broker = broker_pid();
  ASSERT_TRUE(broker);
  EXPECT_TRUE(eventually([&] { return !broker_pid(); })) << "the broker still runs";
  EXPECT_TRUE(zygote_pids().empty());
}

}  // namespace
}  // namespace pyattach::e2e
