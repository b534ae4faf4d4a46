// `pyattach run` from the real command line: the same output, status and environment as
// python3, with pipes and on a terminal. (tests/conformance compares a whole corpus.)

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "broker_test.hpp"
#include "proc_scan.hpp"
#include "protocol.hpp"

namespace pyattach::e2e {
namespace {

class RunTest : public BrokerTest {
 protected:
  CommandResult python(const std::vector<std::string>& args, const CommandOptions& options) const {
    std::vector<std::string> argv = {"/usr/bin/python3"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, env_with({"RUN_PROBE=only-here"}), options);
  }
  // `bash -i` on a PTY, showing its first prompt ("PROMPT$ "): job control as users have it.
  std::unique_ptr<PtyProcess> interactive_shell() const {
    auto shell = std::make_unique<PtyProcess>(
        std::vector<std::string>{"/bin/bash", "--norc", "--noprofile", "-i"},
        env_with({"PS1=PROMPT$ ", "HISTFILE=/dev/null"}));
    if (!shell->wait_for("PROMPT$ ")) return nullptr;
    return shell;
  }
  static std::string pyattach_run() {
    return std::string(PYATTACH_BIN) + " run --python /usr/bin/python3 --";
  }
  CommandResult run(const std::vector<std::string>& args, const CommandOptions& options) const {
    std::vector<std::string> argv = {"run", "--python", "/usr/bin/python3", "--"};
    argv.insert(argv.end(), args.begin(), args.end());
    return pyattach_with_env(argv, env_with({"RUN_PROBE=only-here"}), options);
  }
};

TEST_F(RunTest, PipesGiveTheSameOutputStatusAndEnvironmentAsPython) {
  CommandOptions options;
  options.stdin_data = "some input\nmore\n";
  for (const char* how : {"0", "3"}) {
    const auto expected = python({script("run_probe.py"), how, "two words", ""}, options);
    const auto got = run({script("run_probe.py"), how, "two words", ""}, options);
    EXPECT_EQ(got.out, expected.out) << got.describe();
    EXPECT_EQ(got.err, expected.err) << got.describe();
    EXPECT_EQ(got.raw_status, expected.raw_status) << got.describe();
  }
}

TEST_F(RunTest, DeathBySignalIsPassedOn) {
  const auto got = run({script("run_probe.py"), "signal" + std::to_string(SIGTERM)}, {});
  ASSERT_TRUE(got.raw_status) << got.describe();
  EXPECT_TRUE(WIFSIGNALED(*got.raw_status)) << got.describe();
  EXPECT_EQ(WTERMSIG(*got.raw_status), SIGTERM) << got.describe();
}

TEST_F(RunTest, CodeAndModuleFormsWorkLikePython) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-c", "import sys; print(sys.argv, sys.path[0] == '')", "x"},
        std::vector<std::string>{"-m", "json.tool", "--help"},
        std::vector<std::string>{"-B", "-c", "import sys; print(sys.flags.dont_write_bytecode)"}}) {
    const auto expected = python(args, {});
    const auto got = run(args, {});
    EXPECT_EQ(got.out, expected.out) << got.describe();
    EXPECT_EQ(got.raw_status, expected.raw_status) << got.describe();
  }
}

TEST_F(RunTest, RefusedInterpreterOptionIsAOneLineUsageError) {
  EXPECT_TRUE(is_one_line_error(run({"-i", "-c", "pass"}, {}), 2));
}

// python3 would inherit every fd its caller left open; one request carries at most
// kMaxInheritedFds of them, so more is refused rather than dropped. Both the fast path
// (a script) and the client's own code (-c) say so.
TEST_F(RunTest, MoreOpenFdsThanARequestCarriesIsAOneLineError) {
  const std::string opener =
      "import os, sys\n"
      "for _ in range(int(sys.argv[1])):\n"
      "    os.set_inheritable(os.open('/dev/null', os.O_RDONLY), True)\n"
      "os.execv(sys.argv[2], sys.argv[2:])\n";
  for (const std::vector<std::string>& program :
       {std::vector<std::string>{script("run_probe.py"), "0"}, {"-c", "pass"}}) {
    std::vector<std::string> argv = {
        "/usr/bin/python3", "-c", opener, "", PYATTACH_BIN, "run", "--python",
        "/usr/bin/python3", "--"};
    argv.insert(argv.end(), program.begin(), program.end());
    argv[3] = std::to_string(kMaxInheritedFds);
    EXPECT_EQ(run_command(argv, env(), CommandOptions{}).code(), 0) << "at the limit";
    argv[3] = std::to_string(kMaxInheritedFds + 1);
    const CommandResult refused = run_command(argv, env(), CommandOptions{});
    EXPECT_TRUE(is_one_line_error(refused, 1)) << refused.describe();
    EXPECT_NE(refused.err.find("too many open file descriptors"), std::string::npos);
  }
}

// A pipe's write end handed to the program (pass_fds): once the program closes it, the
// reader sees EOF while the program still runs, as under python3; a copy kept by `run`
// would hold it open. A script goes through the fast path, -c through the client's code.
TEST_F(RunTest, AnInheritedPipeEndsWhenTheProgramClosesIt) {
  const std::string closer = dir() + "/closer.py";
  std::ofstream(closer) << "import os, sys\n"
                           "fd = int(sys.argv[-1])\n"
                           "os.write(fd, b'hi')\n"
                           "os.close(fd)\n"
                           "sys.stdin.read()\n";
  const std::string caller =
      "import os, select, subprocess, sys\n"
      "r, w = os.pipe()\n"
      "p = subprocess.Popen(sys.argv[1:] + [str(w)], stdin=subprocess.PIPE, pass_fds=[w])\n"
      "os.close(w)\n"
      "got = b''\n"
      "while select.select([r], [], [], 20)[0]:\n"
      "    chunk = os.read(r, 100)\n"
      "    if not chunk:\n"
      "        break\n"
      "    got += chunk\n"
      "print(got, 'EOF while running' if p.poll() is None else 'no EOF before the end')\n"
      "p.communicate(b'')\n";
  const std::string closer_code = "exec(open(" + nlohmann::json(closer).dump() + ").read())";
  const std::vector<std::string> head = {"/usr/bin/python3", "-c", caller};
  for (const std::vector<std::string>& program :
       {std::vector<std::string>{closer}, {"-c", closer_code}}) {
    std::vector<std::string> python = head, pyattach = head;
    python.push_back("/usr/bin/python3");
    for (const char* arg : {PYATTACH_BIN, "run", "--python", "/usr/bin/python3", "--"})
      pyattach.push_back(arg);
    python.insert(python.end(), program.begin(), program.end());
    pyattach.insert(pyattach.end(), program.begin(), program.end());
    const auto expected = run_command(python, env(), CommandOptions{});
    EXPECT_EQ(expected.out, "b'hi' EOF while running\n") << expected.describe();
    const auto got = run_command(pyattach, env(), CommandOptions{});
    EXPECT_EQ(got.out, expected.out) << got.describe();
  }
}

// A caller with a higher open-file limit than the broker's can hold an fd numbered above
// the broker's (and its zygote's) limit: the program still gets it at that number.
TEST_F(RunTest, AnInheritedFdAboveTheBrokersFileLimitArrives) {
  const std::string caller =
      "import os, resource, sys\n"
      "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
      "resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))\n"
      "os.dup2(os.open('/dev/null', os.O_WRONLY), 5000)\n"
      "os.execv(sys.argv[1], sys.argv[1:])\n";
  const std::string probe = "import os; print(os.write(5000, b'x'), os.get_inheritable(5000))";
  // The broker and its zygote start with a limit of 1024.
  const std::string low_limit =
      "import os, resource, sys\n"
      "resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(7)[1]))\n"
      "os.execv(sys.argv[1], sys.argv[1:])\n";
  ASSERT_EQ(run_command({"/usr/bin/python3", "-c", low_limit, PYATTACH_BIN, "run", "--python",
                         "/usr/bin/python3", "--", "-c", "pass"},
                        env(), CommandOptions{})
                .code(),
            0);
  const auto expected = run_command(
      {"/usr/bin/python3", "-c", caller, "/usr/bin/python3", "-c", probe}, env(), CommandOptions{});
  EXPECT_EQ(expected.out, "1 True\n") << expected.describe();
  const auto got = run_command({"/usr/bin/python3", "-c", caller, PYATTACH_BIN, "run", "--python",
                                "/usr/bin/python3", "--", "-c", probe},
                               env(), CommandOptions{});
  EXPECT_EQ(got.out, expected.out) << got.describe();
}

TEST_F(RunTest, OnATerminalOutputIsInlineAndTheSessionGoesAway) {
  auto client =
      attach_on_pty({"run", "--python", "/usr/bin/python3", "--", script("run_probe.py"), "5"},
                    WindowSize{30, 100});
  ASSERT_TRUE(client->wait_for("tty True True True"));
  EXPECT_TRUE(client->exits_with(5));
  // Nothing but the program's own bytes: no clear screen, no redraw.
  EXPECT_EQ(client->output().find("\x1b[2J"), std::string::npos);
  EXPECT_EQ(client->output().rfind("argv", 0), 0u) << client->describe();
  EXPECT_EQ(list_json()["sessions"].size(), 0u) << list_json().dump(2);
}

TEST_F(RunTest, OnATerminalCtrlCReachesTheProgramAndSignalsAreForwarded) {
  auto client = attach_on_pty(
      {"run", "--python", "/usr/bin/python3", "--", script("interrupt_then_wait.py")});
  ASSERT_TRUE(client->wait_for("ready"));
  client->write("\x03");
  ASSERT_TRUE(client->wait_for("caught"));
  client->kill(SIGTERM);  // sent to the client: the program must get it and die of it
  const auto status = client->wait_exit();
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM) << client->describe();
}

// Job control from a real interactive shell, as with python3: Ctrl-Z stops the program
// and gives the shell its prompt with the job stopped; `fg` continues both.
TEST_F(RunTest, OnATerminalCtrlZStopsTheJobAndFgContinuesIt) {
  for (const std::string& python : {std::string("/usr/bin/python3"), pyattach_run()}) {
    SCOPED_TRACE(python);
    auto shell_at_prompt = interactive_shell();
    ASSERT_TRUE(shell_at_prompt);
    PtyProcess& shell = *shell_at_prompt;
    shell.write(python + " " + script("interactive.py") + "\r");
    ASSERT_TRUE(shell.wait_for("ready")) << shell.describe();
    shell.write("\x1a");
    ASSERT_TRUE(shell.wait_for("Stopped")) << shell.describe();
    ASSERT_TRUE(shell.wait_for("PROMPT$ ")) << shell.describe();
    if (python == pyattach_run()) {
      const auto sessions = list_json()["sessions"];
      ASSERT_EQ(sessions.size(), 1u);
      EXPECT_EQ(proc_state(sessions[0]["pid"].get<pid_t>()), 'T') << "the program runs on";
    }
    shell.write("fg\r");
    // Typed before then, keys would reach the shell's line editor, not the program.
    ASSERT_TRUE(shell.wait_for("continued")) << shell.describe();
    shell.write("after fg\r");
    EXPECT_TRUE(shell.wait_for("got: after fg")) << shell.describe();
    shell.write("exit 3\r");
    ASSERT_TRUE(shell.wait_for("bye")) << shell.describe();
    ASSERT_TRUE(shell.wait_for("PROMPT$ ")) << shell.describe();
    shell.write("echo status=$?\r");
    EXPECT_TRUE(shell.wait_for("status=3")) << shell.describe();
    shell.write("exit\r");
    EXPECT_TRUE(shell.wait_exit());
  }
}

// The same in a pipeline (the fast path): Ctrl-Z stops the whole job, program included,
// though it runs in a process group of its own; `fg` continues it.
TEST_F(RunTest, CtrlZStopsAPipelineWithItsProgramAndFgContinuesIt) {
  for (const std::string& python : {std::string("/usr/bin/python3"), pyattach_run()}) {
    SCOPED_TRACE(python);
    auto shell_at_prompt = interactive_shell();
    ASSERT_TRUE(shell_at_prompt);
    PtyProcess& shell = *shell_at_prompt;
    // Long enough that it is still ticking when Ctrl-Z comes, however slow the machine.
    shell.write(python + " " + script("ticker.py") + " 80 | cat\r");
    ASSERT_TRUE(shell.wait_for("started pid=")) << shell.describe();
    ASSERT_TRUE(shell.wait_for("tick 1")) << shell.describe();
    const auto pid_at = shell.output().find("started pid=") + std::string("started pid=").size();
    const pid_t program = std::stoi(shell.output().substr(pid_at));
    shell.write("\x1a");
    ASSERT_TRUE(shell.wait_for("Stopped")) << shell.describe();
    ASSERT_TRUE(shell.wait_for("PROMPT$ ")) << shell.describe();
    // A stop has no event to wait on from outside the parent: read its state until it
    // shows (the signal is sent before the shell hears of the stop).
    const Deadline deadline(kTimeout);
    while (proc_state(program) != 'T' && !deadline.passed()) ::usleep(1000);
    EXPECT_EQ(proc_state(program), 'T') << "the program runs on";
    shell.write("fg\r");
    ASSERT_TRUE(shell.wait_for("\r\ntick ")) << shell.describe();  // not "ticker.py"
    EXPECT_NE(proc_state(program), 'T');
    // It ends by itself: Ctrl-C would race SIGINT to the program against cat's death.
    EXPECT_TRUE(shell.wait_for("tick 79\r\ndone")) << shell.describe();
    ASSERT_TRUE(shell.wait_for("PROMPT$ ")) << shell.describe();
    shell.write("exit\r");
    EXPECT_TRUE(shell.wait_exit());
  }
}

TEST_F(RunTest, AClientKilledOnATerminalDoesNotLeaveItsProgramRunning) {
  auto client = attach_on_pty(
      {"run", "--python", "/usr/bin/python3", "--", script("interrupt_then_wait.py")});
  ASSERT_TRUE(client->wait_for("ready"));
  const auto sessions = list_json()["sessions"];
  ASSERT_EQ(sessions.size(), 1u);
  const pid_t program = sessions[0]["pid"].get<pid_t>();
  // Opened while the program surely runs, so its end is seen however quickly it comes.
  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, program, 0)));
  ASSERT_TRUE(pidfd) << "pidfd_open failed";
  client->kill(SIGKILL);
  ASSERT_TRUE(client->wait_exit());
  // The broker hangs up the program's terminal: it ends (SIGHUP) and is then removed.
  pollfd gone{pidfd.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&gone, 1, 20000), 1) << "the program is still running";
}

TEST_F(RunTest, AClientKilledBeforeItsProgramStartedLeavesNothingRunning) {
  // A preload that takes a while: the client dies while its session waits for the zygote.
  const std::string modules = dir() + "/slow";
  std::filesystem::create_directories(modules);
  {
    std::ofstream slow(modules + "/slow_import.py");
    slow << "import time\ntime.sleep(0.5)\n";
  }
  PtyProcess client({PYATTACH_BIN, "run", "--python", "/usr/bin/python3", "--preload",
                     "slow_import", "--", "-c", "import time; time.sleep(300)"},
                    env_with({"PYTHONPATH=" + modules}), WindowSize{24, 80});
  const Deadline deadline(kTimeout);
  while (list_json()["sessions"].empty() && !deadline.passed()) ::poll(nullptr, 0, 10);
  const auto sessions = list_json()["sessions"];
  ASSERT_EQ(sessions.size(), 1u) << sessions.dump(2);
  ASSERT_EQ(sessions[0]["pid"], 0) << "started already: " << sessions.dump(2);
  client.kill(SIGKILL);
  ASSERT_TRUE(client.wait_exit());
  // Once started, the program is hung up like one whose client died later; then its
  // session is gone. Before, it slept on unattended, its session and terminal kept.
  while (!list_json()["sessions"].empty() && !deadline.passed()) ::poll(nullptr, 0, 20);
  EXPECT_TRUE(list_json()["sessions"].empty()) << list_json().dump(2);
}

TEST_F(RunTest, TheStatusComesStraightFromTheProgramNotThroughItsZygote) {
  // The program stops its zygote (its parent), then ends: its status still reaches the
  // caller, because a program reports it to the broker itself. Through the zygote, as
  // before, the caller waited for as long as the zygote was busy.
  CommandOptions options;
  options.timeout = std::chrono::seconds(10);
  const auto got =
      run({"-c", "import os, signal; os.kill(os.getppid(), signal.SIGSTOP); raise SystemExit(7)"},
          options);
  for (const pid_t zygote : zygote_pids()) ::kill(zygote, SIGCONT);
  EXPECT_EQ(got.code(), 7) << got.describe();
}

TEST_F(RunTest, BundleWritesAStarterThatPassesEveryArgumentThrough) {
  const std::string starter = dir() + "/python-numpy";
  const auto bundled =
      pyattach({"bundle", "--python", "/usr/bin/python3", "--preload", "numpy", "-o", starter});
  ASSERT_EQ(bundled.code(), 0) << bundled.describe();
  const std::vector<std::string> argv = {
      starter, "-c", "import sys; print('numpy' in sys.modules, sys.argv)", "a", "b c", ""};
  const auto got = run_command(argv, env(), CommandOptions{});
  EXPECT_EQ(got.out, "True ['-c', 'a', 'b c', '']\n") << got.describe();
  EXPECT_EQ(got.code(), 0) << got.describe();
}

TEST_F(RunTest, TheStatusIsTheProgramsNotThatOfAProcessItForked) {
  // Both processes leave through the same code; only the program's status may be reported.
  const std::vector<std::string> args = {
      "-c",
      "import os, sys\npid = os.fork()\nif pid: os.waitpid(pid, 0)\nsys.exit(5 if pid else 9)"};
  const auto expected = python(args, {});
  const auto got = run(args, {});
  ASSERT_TRUE(expected.raw_status);
  EXPECT_EQ(got.raw_status, expected.raw_status) << got.describe();
  EXPECT_EQ(got.code(), 5) << got.describe();
}

}  // namespace
}  // namespace pyattach::e2e
