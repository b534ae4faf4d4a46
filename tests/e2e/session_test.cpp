// Sessions started detached: listing, attaching by name and by id, typing, detaching
// and re-attaching with the screen intact.

#include <gtest/gtest.h>

#include <optional>
#include <regex>

#include "broker_test.hpp"
#include "proc_scan.hpp"
#include "text_lines.hpp"

namespace pyattach::e2e {
namespace {

class SessionTest : public BrokerTest {};

constexpr std::string_view kDetachKey = "\x1c";  // Ctrl-\, the default

// A size as `ls` prints it ("900K", "12.3M", "1.5G") in KiB; nullopt if it is not one.
std::optional<double> kib_of(const std::string& text) {
  std::smatch parts;
  if (!std::regex_match(text, parts, std::regex("([0-9]+(\\.[0-9])?)([KMG])"))) return std::nullopt;
  const double value = std::stod(parts[1]);
  const char unit = parts[3].str()[0];
  return unit == 'K' ? value : unit == 'M' ? value * 1024 : value * 1024 * 1024;
}

TEST_F(SessionTest, NewDetachedPrintsNothingAndIsListedAsRunning) {
  ASSERT_TRUE(new_detached("train", "interactive.py", {"alpha", "beta"}));

  auto entry = session_entry("train");
  ASSERT_TRUE(entry) << list_json().dump(2);
  EXPECT_EQ((*entry)["id"], 1);
  EXPECT_EQ((*entry)["state"], "running");
  EXPECT_TRUE((*entry)["status"].is_null());
  EXPECT_TRUE((*entry)["signal"].is_null());
  EXPECT_EQ((*entry)["clients"], 0);
  EXPECT_TRUE((*entry)["age_s"].is_number());
  ASSERT_TRUE((*entry)["pid"].is_number_integer()) << entry->dump();
  const pid_t pid = (*entry)["pid"].get<pid_t>();
  EXPECT_TRUE(process_alive(pid)) << "pid " << pid << " from ls is not running";
  const auto command = (*entry)["command"].get<std::vector<std::string>>();
  ASSERT_GE(command.size(), 3u) << entry->dump();
  EXPECT_TRUE(command[command.size() - 3].ends_with("interactive.py")) << entry->dump();
  EXPECT_EQ(command[command.size() - 2], "alpha");
  EXPECT_EQ(command.back(), "beta");

  CommandResult ls = pyattach({"ls"});
  ASSERT_EQ(ls.code(), 0) << ls.describe();
  auto rows = lines_of(ls.out);
  ASSERT_GE(rows.size(), 2u) << ls.describe();
  EXPECT_TRUE(std::regex_match(
      rows[0], std::regex("ID +NAME +PID +STATE +CLIENTS +PSS +USS +AGE +COMMAND *")))
      << ls.describe();
  std::regex row("^ *1 +train +" + std::to_string(pid) +
                 " +running +0 +(\\S+) +(\\S+) +\\S+ +.*interactive\\.py alpha beta *$");
  std::smatch columns;
  ASSERT_TRUE(std::regex_match(rows[1], columns, row)) << ls.describe();
  // A live Python's memory, from /proc: more than nothing, less than the machine.
  const auto pss_kib = kib_of(columns[1]);
  const auto uss_kib = kib_of(columns[2]);
  ASSERT_TRUE(pss_kib && uss_kib) << ls.describe();
  EXPECT_GT(*pss_kib, 256.0) << ls.describe();
  EXPECT_LT(*pss_kib, 4.0 * 1024 * 1024) << ls.describe();
  EXPECT_GT(*uss_kib, 0.0) << ls.describe();
  EXPECT_LE(*uss_kib, *pss_kib) << ls.describe();
}

TEST_F(SessionTest, DefaultNamesAreTheIds) {
  ASSERT_EQ(pyattach({"new", "-d", "--", script("interactive.py")}).code(), 0);
  ASSERT_EQ(pyattach({"new", "-d", "--", script("interactive.py")}).code(), 0);
  auto first = session_entry("1");
  auto second = session_entry("2");
  ASSERT_TRUE(first && second) << list_json().dump(2);
  EXPECT_EQ((*first)["id"], 1);
  EXPECT_EQ((*second)["id"], 2);
}

TEST_F(SessionTest, AttachByNameShowsEarlierOutputForwardsInputAndDetaches) {
  ASSERT_TRUE(new_detached("train", "interactive.py", {"alpha"}));
  auto client = attach_on_pty({"attach", "train"});
  // Printed while nobody was attached: it must come from the broker's screen.
  ASSERT_TRUE(client->wait_for_screen("args=alpha"));
  ASSERT_TRUE(client->wait_for_screen("ready"));

  client->write("hello there\r");
  EXPECT_TRUE(client->wait_for("got: hello there"));
  auto attached = session_entry("train");
  ASSERT_TRUE(attached);
  EXPECT_EQ((*attached)["clients"], 1) << attached->dump();

  client->write(kDetachKey);
  EXPECT_TRUE(client->wait_for("[detached from session train]"));
  EXPECT_TRUE(client->exits_with(0));
  auto after = session_entry("train");
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)["state"], "running") << after->dump();
}

TEST_F(SessionTest, AttachByIdAndReattachShowTheScreenAgain) {
  ASSERT_TRUE(new_detached("job", "interactive.py"));
  auto entry = session_entry("job");
  ASSERT_TRUE(entry);
  const std::string id = std::to_string((*entry)["id"].get<int>());

  auto first = attach_on_pty({"attach", id});
  ASSERT_TRUE(first->wait_for_screen("ready"));
  first->write("first line\r");
  ASSERT_TRUE(first->wait_for("got: first line"));
  first->write(kDetachKey);
  ASSERT_TRUE(first->exits_with(0));

  auto second = attach_on_pty({"attach", "job"});
  EXPECT_TRUE(second->wait_for_screen("got: first line"));
  EXPECT_NE(second->screen_text().find("ready"), std::string::npos) << second->describe();
  second->write("second line\r");
  EXPECT_TRUE(second->wait_for("got: second line"));
  second->write(kDetachKey);
  EXPECT_TRUE(second->exits_with(0));
}

TEST_F(SessionTest, OutputWrittenWhileDetachedIsOnTheScreenAtReattach) {
  ASSERT_TRUE(new_detached("quiet", "interactive.py"));
  {
    auto client = attach_on_pty({"attach", "quiet"});
    ASSERT_TRUE(client->wait_for_screen("ready"));
    client->write(kDetachKey);
    ASSERT_TRUE(client->exits_with(0));
  }
  // SIGUSR1 makes the program print while no client is attached.
  CommandResult kill = pyattach({"kill", "-s", "USR1", "quiet"});
  ASSERT_EQ(kill.code(), 0) << kill.describe();
  auto client = attach_on_pty({"attach", "quiet"});
  EXPECT_TRUE(client->wait_for_screen("usr1 received"));
  auto entry = session_entry("quiet");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "running") << entry->dump();
}

TEST_F(SessionTest, CustomDetachKey) {
  ASSERT_TRUE(new_detached("keys", "interactive.py"));
  auto client = attach_on_pty({"attach", "--detach-key", "^A", "keys"});
  ASSERT_TRUE(client->wait_for_screen("ready"));
  client->write("\x01");
  EXPECT_TRUE(client->wait_for("[detached from session keys]"));
  EXPECT_TRUE(client->exits_with(0));
  auto entry = session_entry("keys");
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["state"], "running") << entry->dump();
}

TEST_F(SessionTest, NewWithoutAScriptIsAnInteractivePython) {
  // Like python3 with no arguments: the interactive interpreter, here with numpy loaded.
  auto client = attach_on_pty({"new", "-n", "repl", "--preload", "numpy"});
  ASSERT_TRUE(client->wait_for(">>> "));
  client->write(
      "print(6 * 7, 'numpy' in sys.modules if 'sys' in dir() else "
      "__import__('sys').modules.__contains__('numpy'))\r");
  ASSERT_TRUE(client->wait_for("42 True"));
  client->write("raise SystemExit(6)\r");
  EXPECT_TRUE(client->exits_with(6));
}

}  // namespace
}  // namespace pyattach::e2e
