// new --log FILE and PYATTACH_LOG_DIR: every byte the program wrote is in the file, even
// far more than the scrollback holds and with nobody attached; a failing log never
// stops the session.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "broker_test.hpp"

namespace pyattach::e2e {
namespace {

class LogTest : public BrokerTest {};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// What flood.py writes for `total` bytes: numbered 100-byte lines, then "flood done".
std::string flood_bytes(std::size_t total) {
  std::string out;
  out.reserve(total + 16);
  char number[16];
  for (std::size_t i = 0; out.size() < total; ++i) {
    std::snprintf(number, sizeof number, "%08zu ", i);
    out += number;
    out.append(90, 'x');
    out.push_back('\n');
  }
  out.resize(total);
  return out + "flood done\n";
}

TEST_F(LogTest, HoldsEveryByteOfALargeOutputWithNobodyAttached) {
  constexpr std::size_t kTotal = 50 * 1000 * 1000;
  const std::string log = dir() + "/flood.log";
  ASSERT_TRUE(new_detached("flood", "flood.py", {std::to_string(kTotal), "--raw"}, {"--log", log}));
  CommandOptions options;
  options.timeout = std::chrono::seconds(50);
  CommandResult waited = pyattach({"wait", "flood"}, options);
  ASSERT_EQ(waited.code(), 0) << waited.describe();
  // `wait` returns once the log is written: no polling needed.
  const std::string logged = read_file(log);
  const std::string expected = flood_bytes(kTotal);
  ASSERT_EQ(logged.size(), expected.size());
  const auto mismatch = std::mismatch(logged.begin(), logged.end(), expected.begin());
  EXPECT_TRUE(mismatch.first == logged.end())
      << "first difference at byte " << (mismatch.first - logged.begin());
  auto entry = session_entry("flood");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["log"], log);
  EXPECT_EQ((*entry)["log_bytes"], expected.size());
  EXPECT_TRUE((*entry)["log_error"].is_null()) << entry->dump();
}

TEST_F(LogTest, AppendsAndResolvesRelativePathsAgainstTheCallersDirectory) {
  const std::string log = dir() + "/relative.log";
  { std::ofstream(log) << "before\n"; }
  CommandResult in_dir = run_command(
      {"/bin/sh", "-c",
       "cd \"$0\" && \"$1\" new -d -n rel --log relative.log -- \"$2\" exit 0 && \"$1\" wait rel",
       dir(), PYATTACH_BIN, script("exit_with.py")},
      env());
  ASSERT_EQ(in_dir.code(), 0) << in_dir.describe();
  const std::string content = read_file(log);
  EXPECT_TRUE(content.starts_with("before\n")) << content;
  EXPECT_NE(content.find("ending: exit 0"), std::string::npos) << content;
}

TEST_F(LogTest, LogDirectoryFromTheEnvironment) {
  const std::string logs = dir() + "/logs";
  const auto log_env = env_with({"PYATTACH_LOG_DIR=" + logs});
  CommandResult named = pyattach_with_env(
      {"new", "-d", "-n", "named", "--", script("exit_with.py"), "exit", "4"}, log_env);
  ASSERT_EQ(named.code(), 0) << named.describe();
  CommandResult unnamed =
      pyattach_with_env({"new", "-d", "--", script("exit_with.py"), "exit", "5"}, log_env);
  ASSERT_EQ(unnamed.code(), 0) << unnamed.describe();
  EXPECT_EQ(pyattach({"wait", "named"}).code(), 4);
  EXPECT_EQ(pyattach({"wait", "2"}).code(), 5);
  EXPECT_NE(read_file(logs + "/named.log").find("ending: exit 4"), std::string::npos);
  EXPECT_NE(read_file(logs + "/2.log").find("ending: exit 5"), std::string::npos);
}

TEST_F(LogTest, UnopenableLogIsAOneLineErrorOfNew) {
  CommandResult result = pyattach({"new", "-d", "--log", dir() + "/missing/dir/x.log", "--",
                                   script("exit_with.py"), "exit", "0"});
  EXPECT_TRUE(is_one_line_error(result, 1));
  EXPECT_NE(result.err.find("log"), std::string::npos) << result.describe();
  EXPECT_TRUE(broker_still_serving());
}

TEST_F(LogTest, WriteErrorIsReportedAndNeverStopsTheSession) {
  // /dev/full opens but fails every write (ENOSPC).
  ASSERT_TRUE(new_detached("full", "flood.py", {"100000"}, {"--log", "/dev/full"}));
  EXPECT_EQ(pyattach({"wait", "full"}).code(), 0);
  auto entry = session_entry("full");
  ASSERT_TRUE(entry);
  ASSERT_TRUE((*entry)["log_error"].is_string()) << entry->dump();
  EXPECT_NE((*entry)["log_error"].get<std::string>().find("no space"), std::string::npos)
      << entry->dump();
  CommandResult ls = pyattach({"ls"});
  EXPECT_NE(ls.out.find("exited 0, log failed"), std::string::npos) << ls.describe();
  EXPECT_NE(pyattach({"capture", "full"}).out.find("flood done"), std::string::npos);
}

}  // namespace
}  // namespace pyattach::e2e
