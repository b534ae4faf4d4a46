// Reading python3 command lines: flags for the profile, the program, and refusals.

#include "python_command_line.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "user_error.hpp"

namespace pyattach {
namespace {

using ::testing::ElementsAre;
using Args = std::vector<std::string>;

TEST(PythonCommandLine, ScriptAndItsArgumentsAreTheProgram) {
  const auto line = parse_python_command_line({"train.py", "--epochs", "3", "-u"});
  EXPECT_TRUE(line.flags.empty());
  EXPECT_THAT(line.program, ElementsAre("train.py", "--epochs", "3", "-u"));
}

TEST(PythonCommandLine, FlagsBeforeTheProgramGoToTheProfile) {
  const auto line = parse_python_command_line({"-uB", "-X", "dev", "-Werror", "-m", "pkg", "a"});
  EXPECT_THAT(line.flags, ElementsAre("-u", "-B", "-Xdev", "-Werror"));
  EXPECT_THAT(line.program, ElementsAre("-m", "pkg", "a"));
}

TEST(PythonCommandLine, CodeMayBeJoinedToItsFlag) {
  EXPECT_THAT(parse_python_command_line({"-Ocpass", "x"}).program, ElementsAre("-c", "pass", "x"));
  EXPECT_THAT(parse_python_command_line({"-O", "-c", "pass"}).flags, ElementsAre("-O"));
}

TEST(PythonCommandLine, NothingOrADashIsStdinOrTheRepl) {
  EXPECT_TRUE(parse_python_command_line({}).program.empty());
  EXPECT_THAT(parse_python_command_line({"-q", "-", "a"}).program, ElementsAre("-", "a"));
  EXPECT_THAT(parse_python_command_line({"-s", "--", "-odd.py"}).program, ElementsAre("-odd.py"));
}

TEST(PythonCommandLine, RefusesWhatAForkCannotHonour) {
  for (const Args& args :
       {Args{"-i", "x.py"}, Args{"-v"}, Args{"--version"}, Args{"-Z"}, Args{"-c"}, Args{"-X"}}) {
    try {
      parse_python_command_line(args);
      ADD_FAILURE() << "accepted " << args.front();
    } catch (const UserError& error) {
      EXPECT_EQ(error.status(), kStatusUsage);
    }
  }
}

}  // namespace
}  // namespace pyattach
