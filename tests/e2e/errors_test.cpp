// Mistakes a user makes get one clear line on stderr starting "pyattach: " and a
// non-zero status, and the broker keeps serving afterwards.

#include <gtest/gtest.h>

#include "broker_test.hpp"
#include "diagnostics.hpp"
#include "text_lines.hpp"

namespace pyattach::e2e {
namespace {

class ErrorsTest : public BrokerTest {};

bool mentions(const CommandResult& result, std::string_view text) {
  return result.err.find(text) != std::string::npos;
}

TEST_F(ErrorsTest, AttachToAnUnknownName) {
  ASSERT_TRUE(new_detached("real", "interactive.py"));
  CommandResult r = pyattach({"attach", "nosuch"});
  EXPECT_TRUE(is_one_line_error(r, 1));
  EXPECT_TRUE(mentions(r, "nosuch")) << r.describe();
  EXPECT_TRUE(broker_still_serving());

  // The same at a terminal: the message, the status, and nothing else on the screen.
  auto client = attach_on_pty({"attach", "nosuch"});
  EXPECT_TRUE(client->exits_with(1));
  auto rows = lines_of(client->screen_text());
  std::erase_if(rows, [](const std::string& row) { return row.empty(); });
  ASSERT_EQ(rows.size(), 1u) << client->describe();
  EXPECT_TRUE(rows[0].starts_with("pyattach: ")) << client->describe();
  EXPECT_NE(rows[0].find("nosuch"), std::string::npos) << client->describe();
}

TEST_F(ErrorsTest, KillAnUnknownId) {
  ASSERT_TRUE(new_detached("real", "interactive.py"));
  CommandResult r = pyattach({"kill", "42"});
  EXPECT_TRUE(is_one_line_error(r, 1));
  EXPECT_TRUE(mentions(r, "42")) << r.describe();
  EXPECT_TRUE(broker_still_serving());
  EXPECT_EQ((*session_entry("real"))["state"], "running");
}

TEST_F(ErrorsTest, KillWithAnUnknownSignalName) {
  ASSERT_TRUE(new_detached("real", "interactive.py"));
  CommandResult r = pyattach({"kill", "-s", "NOSUCHSIGNAL", "real"});
  EXPECT_TRUE(is_one_line_error(r));
  EXPECT_TRUE(mentions(r, "NOSUCHSIGNAL")) << r.describe();
  EXPECT_TRUE(broker_still_serving());
  EXPECT_EQ((*session_entry("real"))["state"], "running");
}

TEST_F(ErrorsTest, NewWithAScriptThatDoesNotExist) {
  CommandResult r = pyattach({"new", "-d", "--", "/nonexistent/dir/script.py"});
  EXPECT_TRUE(is_one_line_error(r, 2));
  EXPECT_TRUE(mentions(r, "/nonexistent/dir/script.py")) << r.describe();
  EXPECT_TRUE(broker_still_serving());
}

TEST_F(ErrorsTest, NewWithAnInterpreterThatDoesNotExist) {
  CommandResult r =
      pyattach({"new", "-d", "--python", "/nonexistent/python3", "--", script("interactive.py")});
  EXPECT_TRUE(is_one_line_error(r));
  EXPECT_TRUE(mentions(r, "/nonexistent/python3")) << r.describe();
  EXPECT_TRUE(broker_still_serving());
}

TEST_F(ErrorsTest, NewWithAnInterpreterThatIsNotPython) {
  CommandResult r =
      pyattach({"new", "-d", "--python", "/bin/true", "--", script("interactive.py")});
  EXPECT_TRUE(is_one_line_error(r));
  EXPECT_TRUE(mentions(r, "/bin/true")) << r.describe();
  EXPECT_TRUE(broker_still_serving());
  // A good session still starts afterwards.
  EXPECT_TRUE(new_detached("after", "interactive.py"));
}

TEST_F(ErrorsTest, NewWithAPreloadModuleThatDoesNotExist) {
  CommandResult r = pyattach(
      {"new", "-d", "--preload", "nonexistent_module_xyz", "--", script("interactive.py")});
  EXPECT_NE(r.code(), 0) << r.describe();
  EXPECT_FALSE(r.timed_out) << r.describe();
  // A traceback may come first; the last line must say what went wrong by itself.
  auto rows = lines_of(r.err);
  ASSERT_FALSE(rows.empty()) << r.describe();
  EXPECT_TRUE(rows.back().starts_with("pyattach: ")) << r.describe();
  EXPECT_NE(rows.back().find("nonexistent_module_xyz"), std::string::npos) << r.describe();
  EXPECT_TRUE(mentions(r, "ModuleNotFoundError") || mentions(r, "No module named")) << r.describe();
  EXPECT_TRUE(broker_still_serving());
  EXPECT_TRUE(new_detached("after", "interactive.py"));
}

TEST_F(ErrorsTest, UsageErrorsAreOneLineWithStatus2) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"frobnicate"}, {"ls", "--bogus-option"}, {"attach"}, {"kill"}}) {
    SCOPED_TRACE("pyattach " + join_argv(args));
    EXPECT_TRUE(is_one_line_error(pyattach(args), 2));
  }
  EXPECT_TRUE(broker_still_serving());
}

TEST_F(ErrorsTest, UnsupportedInterpreterOptionIsAUsageError) {
  // Options python3 would take before the script are refused, never silently ignored.
  EXPECT_TRUE(is_one_line_error(pyattach({"new", "-d", "--", "-X", "dev", "x.py"}), 2));
}

}  // namespace
}  // namespace pyattach::e2e
