// `pyattach ls` prints the table the broker builds: the same text as the columns of
// `ls --json` give, for sessions in every state.

#include <regex>

#include "broker_test.hpp"
#include "session_table.hpp"
#include "text_lines.hpp"

namespace pyattach::e2e {
namespace {

class LsTableTest : public BrokerTest {
 protected:
  // The table made from `ls --json`: each session's values of the table's fields.
  std::string table_from_json() const {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& session : list_json().value("sessions", nlohmann::json::array())) {
      nlohmann::json row = nlohmann::json::array();
      for (const auto& field : session_table_fields()) row.push_back(session.at(field));
      rows.push_back(std::move(row));
    }
    return session_table(rows);
  }
};

TEST_F(LsTableTest, LsPrintsTheTableOfTheJsonFieldsForEveryState) {
  ASSERT_TRUE(new_detached("running", "interactive.py", {"it's", "a \"b\"", "c"}));
  ASSERT_TRUE(new_detached("three", "exit_with.py", {"exit", "3"}));
  ASSERT_TRUE(new_detached("termed", "exit_with.py", {"signal", "15"}));
  CommandResult repl = pyattach({"new", "-d", "-n", "repl"});
  ASSERT_EQ(repl.code(), 0) << repl.describe();
  ASSERT_EQ(pyattach({"wait", "three"}).code(), 3);
  ASSERT_EQ(pyattach({"wait", "termed"}).code(), 128 + 15);

  // AGE (and the running programs' memory) may change between two listings: the text of
  // `ls` must equal the table of `ls --json` taken just before and just after it, when
  // those two are the same.
  std::string ls;
  std::string expected;
  for (int attempt = 0; attempt < 20; ++attempt) {
    const std::string before = table_from_json();
    const CommandResult result = pyattach({"ls"});
    ASSERT_EQ(result.code(), 0) << result.describe();
    ASSERT_EQ(result.err, "");
    if (table_from_json() != before) continue;
    ls = result.out;
    expected = before;
    break;
  }
  ASSERT_NE(expected, "") << "the listing never held still";
  EXPECT_EQ(ls, expected);

  // What each state looks like, independently of session_table().
  const auto lines = lines_of(ls);
  ASSERT_EQ(lines.size(), 5u) << ls;
  EXPECT_TRUE(std::regex_match(lines[0],
                               std::regex("ID +NAME +PID +STATE +CLIENTS +PSS +USS +AGE +COMMAND")))
      << lines[0];
  EXPECT_TRUE(std::regex_match(ls_row(ls, "running"),
                               std::regex("1 +running +\\d+ +running +0 +\\S+ +\\S+ "
                                          "+\\d+s +\\S+/interactive\\.py 'it's' 'a \"b\"' c")))
      << ls;
  EXPECT_TRUE(
      std::regex_match(ls_row(ls, "three"), std::regex("2 +three +\\d+ +exited 3 +0 +- +- +\\d+s "
                                                       "+\\S+/exit_with\\.py exit 3")))
      << ls;
  EXPECT_TRUE(std::regex_match(ls_row(ls, "termed"),
                               std::regex("3 +termed +\\d+ +killed SIGTERM +0 +- +- +\\d+s "
                                          "+\\S+/exit_with\\.py signal 15")))
      << ls;
  EXPECT_TRUE(std::regex_match(ls_row(ls, "repl"),
                               std::regex("4 +repl +\\d+ +running +0 +\\S+ +\\S+ +\\d+s +"
                                          "\\(interactive\\)")))
      << ls;
}

// `ls` reads the table out of the broker's JSON itself, before the C library starts
// (starter/fast_list.cpp); `list`, the same command, goes through main() and nlohmann.
TEST_F(LsTableTest, LsAndListPrintTheSameBytesForAnyText) {
  ASSERT_TRUE(new_detached("\xc3\xbcn\xc3\xaf \xe2\x98\x83 \xf0\x9f\x90\x8d", "interactive.py",
                           {"tab\there", "new\nline", "back\\slash", "\x01\x7f"}));
  std::string ls, list;
  for (int attempt = 0; attempt < 20 && (ls.empty() || ls != list); ++attempt) {
    const CommandResult ls_result = pyattach({"ls"});
    const CommandResult list_result = pyattach({"list"});
    ASSERT_EQ(ls_result.code(), 0) << ls_result.describe();
    ASSERT_EQ(list_result.code(), 0) << list_result.describe();
    ls = ls_result.out;  // AGE may tick between the two: try again
    list = list_result.out;
  }
  EXPECT_EQ(ls, list);
  EXPECT_NE(ls.find("\xc3\xbcn\xc3\xaf \xe2\x98\x83 \xf0\x9f\x90\x8d"), std::string::npos) << ls;
  EXPECT_NE(ls.find("'new\nline'"), std::string::npos) << ls;
}

TEST_F(LsTableTest, WithNoBrokerLsPrintsTheHeaderAlone) {
  const CommandResult ls = pyattach({"ls"});
  EXPECT_EQ(ls.code(), 0) << ls.describe();
  EXPECT_EQ(ls.out, "ID  NAME  PID  STATE  CLIENTS  PSS  USS  AGE  COMMAND\n");
  EXPECT_EQ(ls.err, "");
  EXPECT_FALSE(broker_pid()) << "ls must not start a broker";
}

}  // namespace
}  // namespace pyattach::e2e
