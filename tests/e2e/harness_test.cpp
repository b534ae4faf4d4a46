// Proves the e2e harness itself on programs that exist without pyattach: /bin/sh,
// stty and the system Python, on real PTYs.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <stdexcept>

#include "broker_test.hpp"
#include "proc_scan.hpp"

namespace pyattach::e2e {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kEnv = test_environment();

TEST(PtyProcessTest, ShellReadsTypedLineAndExitStatusIsReported) {
  PtyProcess sh({"/bin/sh", "-c", "echo prompt; read line; echo \"got:$line\"; exit 7"}, kEnv);
  ASSERT_TRUE(sh.wait_for("prompt"));
  sh.write("hello world\r");
  EXPECT_TRUE(sh.wait_for("got:hello world"));
  EXPECT_TRUE(sh.exits_with(7));
}

TEST(PtyProcessTest, WaitForConsumesEachMatchAndReportsWhatItSawOnTimeout) {
  PtyProcess sh({"/bin/sh", "-c", "echo one; echo one; read x"}, kEnv);
  EXPECT_TRUE(sh.wait_for("one"));
  EXPECT_TRUE(sh.wait_for("one"));
  testing::AssertionResult third = sh.wait_for("one", 300ms);
  EXPECT_FALSE(third);
  std::string message = third.message();
  EXPECT_NE(message.find("did not appear"), std::string::npos) << message;
  EXPECT_NE(message.find("one\\r\\n"), std::string::npos) << message;
  EXPECT_NE(message.find("--- screen:"), std::string::npos) << message;
}

TEST(PtyProcessTest, SttySizeFollowsResize) {
  PtyProcess sh({"/bin/sh", "-c", "stty size; read x; stty size; read x"}, kEnv, {40, 120});
  ASSERT_TRUE(sh.wait_for("40 120"));
  sh.resize({30, 100});
  sh.write("\r");
  EXPECT_TRUE(sh.wait_for("30 100"));
}

TEST(PtyProcessTest, PythonSeesWindowSizeAndGetsSigwinchOnResize) {
  PtyProcess py({"python3", script("winsize.py")}, kEnv, {40, 120});
  ASSERT_TRUE(py.wait_for("size 120x40"));
  ASSERT_TRUE(py.wait_for("ready"));
  py.resize({30, 100});
  EXPECT_TRUE(py.wait_for("winch 100x30"));
  py.write("\r");
  EXPECT_TRUE(py.wait_for("size 100x30"));
}

TEST(PtyProcessTest, CtrlCReachesPythonAsKeyboardInterrupt) {
  PtyProcess py({"python3", script("ctrl_c.py")}, kEnv);
  ASSERT_TRUE(py.wait_for("ready"));
  py.write("\x03");
  EXPECT_TRUE(py.wait_for("caught KeyboardInterrupt"));
  EXPECT_TRUE(py.exits_with(0));
}

TEST(PtyProcessTest, ScreenModelShowsFullScreenDrawingAndPrimaryScreenAfter) {
  PtyProcess py({"python3", script("fullscreen.py")}, kEnv, {24, 80});
  ASSERT_TRUE(py.wait_for_screen("fullscreen ready"));
  EXPECT_TRUE(py.screen().alternate_screen());
  std::string text = py.screen_text();
  EXPECT_NE(text.find("\n\n\n\n         RED TEXT\n"), std::string::npos) << text;
  VTermScreenCell red = py.screen().cell(4, 9);
  EXPECT_EQ(red.chars[0], static_cast<uint32_t>('R'));
  ASSERT_TRUE(VTERM_COLOR_IS_INDEXED(&red.fg));
  EXPECT_EQ(red.fg.indexed.idx, 1);
  VTermScreenCell green = py.screen().cell(6, 19);
  EXPECT_TRUE(green.attrs.bold);
  EXPECT_EQ(py.screen_text().find("primary screen"), std::string::npos);
  py.write("\r");
  EXPECT_TRUE(py.wait_for_screen("left fullscreen"));
  EXPECT_FALSE(py.screen().alternate_screen());
  EXPECT_NE(py.screen_text().find("primary screen: printed before"), std::string::npos)
      << py.describe();
}

TEST(PtyProcessTest, DeathBySignalIsReportedAsShellStatus) {
  PtyProcess cat({"/bin/cat"}, kEnv);
  cat.write("x\r");
  ASSERT_TRUE(cat.wait_for("x\r\n"));
  ASSERT_TRUE(cat.kill(SIGTERM));
  EXPECT_TRUE(cat.exits_with(128 + SIGTERM));
}

TEST(PtyProcessTest, KeepsReadingWhileWaitingForExitSoTheProgramNeverBlocks) {
  // Far more than a terminal buffers: the program could not end if nobody read it.
  PtyProcess py({"python3", "-c",
                 "import sys\nfor i in range(20000): print('%05d' % i + 'x' * 90)\nsys.exit(5)"},
                kEnv);
  EXPECT_TRUE(py.exits_with(5));
  EXPECT_NE(py.output().find("19999xxx"), std::string::npos);
  EXPECT_GT(py.output().size(), 20000u * 96);
}

TEST(RunCommandTest, CollectsStdoutStderrAndStatusSeparately) {
  CommandResult r =
      run_command({"/bin/sh", "-c", "cat; echo oops >&2; exit 4"}, kEnv, "from stdin\n");
  EXPECT_EQ(r.out, "from stdin\n");
  EXPECT_EQ(r.err, "oops\n");
  EXPECT_EQ(r.code(), 4) << r.describe();
  EXPECT_TRUE(r.pipes_closed);
  EXPECT_FALSE(r.timed_out);
}

TEST(RunCommandTest, KillsTheProgramOnTimeout) {
  CommandResult r = run_command({"/bin/sh", "-c", "echo started; exec sleep 1000"}, kEnv,
                                CommandOptions{"", 300ms});
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.code(), -1);
  EXPECT_EQ(r.out, "started\n");
}

TEST(RunCommandTest, ReturnsWhenTheProgramEndsEvenIfAGrandchildHoldsThePipes) {
  CommandResult r = run_command({"/bin/sh", "-c", "sleep 1000 & echo $!"}, kEnv);
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_FALSE(r.pipes_closed);
  pid_t background = std::atoi(r.out.c_str());
  ASSERT_GT(background, 0) << r.describe();
  ::kill(background, SIGKILL);
  EXPECT_TRUE(wait_process_gone(background, kTimeout));
}

TEST(RunCommandTest, ExecFailureIsAnExceptionNamingTheProgram) {
  try {
    run_command({"/nonexistent/program"}, kEnv);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/program"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
}

// The fixture's own promises, before any pyattach runs.
class BrokerFixtureTest : public BrokerTest {};

TEST_F(BrokerFixtureTest, PrivateDirectoryAndEnvironmentWithSystemPython) {
  struct stat st {};
  ASSERT_EQ(::stat(dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, ::getuid());
  CommandResult r = run_command({"/bin/sh", "-c",
                                 "echo \"dir=$PYATTACH_DIR\"; command -v python3; "
                                 "python3 -c 'import numpy; print(\"numpy ok\")'"},
                                env());
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_EQ(r.out, "dir=" + dir() + "\n/usr/bin/python3\nnumpy ok\n") << r.describe();
}

TEST_F(BrokerFixtureTest, FindsProcessesCarryingItsDirectory) {
  PtyProcess child({"/bin/cat"}, env());
  auto mine = processes_of_this_test();
  EXPECT_EQ(mine, std::vector<pid_t>{child.pid()}) << describe_processes(mine);
}

}  // namespace
}  // namespace pyattach::e2e
