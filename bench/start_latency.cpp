// start_latency: how long it takes to start a Python program, side by side in one run.
//
// Every row times one command from just before fork() to the moment waitpid() returns its
// exit status (CLOCK_MONOTONIC), with stdin, stdout and stderr on /dev/null ("pipes mode":
// `pyattach run` hands its own fds to the program instead of using a PTY). Rows:
//   /bin/true                          process spawn floor
//   pyattach --help                    the client's own start (exec, dynamic linking, init)
//   python3 -c pass                    bare interpreter
//   python3 hello.py numpy|torch       cold start with the library
//   pyattach run ... hello.py LIB      warm start from the broker's zygote (own PYATTACH_DIR)
//   python-LIB hello.py LIB            the same through a starter written by `pyattach bundle`
//   fork_probe.py LIB                  fork+exit+wait of a loaded python, timed inside Python
//   20 back-to-back pyattach runs      does the zygote keep up without a pause?
//   tmux new-session ... hello.py      a multiplexer session of a cold python, for reference
// It prints a Markdown table; it asserts nothing. See bench/README-section.md.
//
//   start_latency [--pyattach PATH] [--python PATH] [--runs N] [--burst N] [--gap-ms MS]
//                 [--scripts DIR] [--no-torch] [--no-tmux]

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

// ------------------------------------------------------------------ options

struct Options {
  std::string pyattach;  // empty: not found, pyattach rows are skipped
  std::string python = "/usr/bin/python3";
  std::string scripts;  // directory with hello.py and fork_probe.py
  int runs = 30;
  int burst = 20;
  int gap_ms = 100;
  bool torch = true;
  bool tmux = true;
};

[[noreturn]] void usage(int status) {
  std::fprintf(status ? stderr : stdout,
               "usage: start_latency [--pyattach PATH] [--python PATH] [--runs N] [--burst N]\n"
               "                     [--gap-ms MS] [--scripts DIR] [--no-torch] [--no-tmux]\n"
               "  --pyattach PATH  the pyattach client (default: $PYATTACH_BIN, else next to\n"
               "                   this program, else on PATH)\n"
               "  --python PATH    the interpreter (default: $PYTHON, else /usr/bin/python3)\n"
               "  --runs N         timed runs per row (default 30)\n"
               "  --burst N        pyattach runs in the back-to-back rows (default 20)\n"
               "  --gap-ms MS      pause before each timed run, except back-to-back (default 100)\n"
               "  --scripts DIR    where hello.py and fork_probe.py are (default: the source\n"
               "                   bench/ directory)\n"
               "  --no-torch       skip the torch rows (they are skipped anyway if\n"
               "                   `python -c 'import torch'` fails)\n"
               "  --no-tmux        skip the tmux reference row\n");
  std::exit(status);
}

std::string self_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

bool is_executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0 && !fs::is_directory(path);
}

std::string find_on_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return is_executable(name) ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate =
        (end > start ? dirs.substr(start, end - start) : std::string(".")) + "/" + name;
    if (is_executable(candidate)) return candidate;
    start = end + 1;
  }
  return "";
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  const auto abs = fs::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

Options parse_options(int argc, char** argv) {
  Options o;
  if (const char* env = std::getenv("PYTHON"); env && *env) o.python = env;
  std::string pyattach;
  if (const char* env = std::getenv("PYATTACH_BIN"); env && *env) pyattach = env;
#ifdef PYATTACH_BENCH_DIR
  o.scripts = PYATTACH_BENCH_DIR;
#else
  o.scripts = self_dir() + "/../../bench";
#endif
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage(2);
    return argv[++i];
  };
  auto number = [&](int& i, int min) {
    const std::string text = value(i);
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || n < min || n > 100000) usage(2);
    return static_cast<int>(n);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help")
      usage(0);
    else if (arg == "--pyattach")
      pyattach = value(i);
    else if (arg == "--python")
      o.python = value(i);
    else if (arg == "--scripts")
      o.scripts = value(i);
    else if (arg == "--runs")
      o.runs = number(i, 1);
    else if (arg == "--burst")
      o.burst = number(i, 1);
    else if (arg == "--gap-ms")
      o.gap_ms = number(i, 0);
    else if (arg == "--no-torch")
      o.torch = false;
    else if (arg == "--no-tmux")
      o.tmux = false;
    else
      usage(2);
  }
  if (pyattach.empty()) {
    pyattach = self_dir() + "/pyattach";
    if (!is_executable(pyattach)) pyattach = find_on_path("pyattach");
  }
  o.pyattach = is_executable(pyattach) ? absolute(pyattach) : "";
  const std::string python = find_on_path(o.python);
  if (python.empty()) {
    std::fprintf(stderr, "start_latency: no executable python at %s\n", o.python.c_str());
    std::exit(2);
  }
  o.python = python.find('/') == 0 ? python : absolute(python);
  o.scripts = absolute(o.scripts);
  if (!fs::exists(o.scripts + "/hello.py") || !fs::exists(o.scripts + "/fork_probe.py")) {
    std::fprintf(stderr, "start_latency: no hello.py/fork_probe.py in %s (use --scripts)\n",
                 o.scripts.c_str());
    std::exit(2);
  }
  return o;
}

// ------------------------------------------------------------------ spawning and timing

double now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

void sleep_ms(int ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// A command with its argv and environment built once, so nothing is allocated between the
// start of the clock and exec.
class Command {
 public:
  Command(std::vector<std::string> argv, const std::map<std::string, std::string>& set_env = {},
          const std::vector<std::string>& unset_env = {})
      : args_(std::move(argv)) {
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      const std::string name = entry.substr(0, entry.find('='));
      if (set_env.count(name) ||
          std::find(unset_env.begin(), unset_env.end(), name) != unset_env.end())
        continue;
      env_.push_back(entry);
    }
    for (const auto& [name, value] : set_env) env_.push_back(name + "=" + value);
    for (auto& a : args_) argp_.push_back(a.data());
    argp_.push_back(nullptr);
    for (auto& e : env_) envp_.push_back(e.data());
    envp_.push_back(nullptr);
  }

  // Forks and execs with stdin/stdout/stderr on /dev/null (stdout on out_fd and stderr on
  // err_fd if given); returns the child's pid.
  pid_t start(int null_fd, int out_fd = -1, int err_fd = -1) const {
    const pid_t pid = ::fork();
    if (pid < 0) {
      std::perror("start_latency: fork");
      std::exit(1);
    }
    if (pid == 0) {
      ::dup2(null_fd, 0);
      ::dup2(out_fd >= 0 ? out_fd : null_fd, 1);
      ::dup2(err_fd >= 0 ? err_fd : null_fd, 2);
      ::execve(argp_[0], argp_.data(), envp_.data());
      ::_exit(127);
    }
    return pid;
  }

  std::string text() const {
    std::string s;
    for (const auto& a : args_) {
      if (!s.empty()) s += ' ';
      const bool plain = !a.empty() && a.find_first_of(" '\"\\$;&|<>()*?") == std::string::npos;
      s += plain ? a : "'" + a + "'";
    }
    return s;
  }

 private:
  std::vector<std::string> args_, env_;
  std::vector<char*> argp_, envp_;
};

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("start_latency: waitpid");
      std::exit(1);
    }
  }
  return status;
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

struct Timed {
  double ms;
  int status;
};

// One run of a sequence of commands (each waited for before the next starts), timed from
// before the first fork to the last exit status.
Timed time_run(const std::vector<const Command*>& steps, int null_fd) {
  const double t0 = now_ms();
  int status = 0;
  for (const Command* c : steps) status = wait_status(c->start(null_fd));
  return {now_ms() - t0, status};
}

// Runs a command and returns its stdout (and its stderr if asked, else that goes to
// /dev/null) and exit status.
std::pair<std::string, int> capture(const Command& c, int null_fd, bool with_stderr = false) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) {
    std::perror("start_latency: pipe");
    std::exit(1);
  }
  const pid_t pid = c.start(null_fd, fds[1], with_stderr ? fds[1] : -1);
  ::close(fds[1]);
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0)
      out.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(fds[0]);
  return {out, wait_status(pid)};
}

// ------------------------------------------------------------------ statistics and rows

struct Stats {
  size_t n = 0;
  double median = 0, p99 = 0, mean = 0, max = 0;
};

Stats stats_of(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = v.size();
  s.median = s.n % 2 ? v[s.n / 2] : (v[s.n / 2 - 1] + v[s.n / 2]) / 2;
  // Nearest rank: with fewer than 100 samples the 99th percentile is the maximum.
  const size_t rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(s.n)));
  s.p99 = v[std::max<size_t>(rank, 1) - 1];
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(s.n);
  s.max = v.back();
  return s;
}

struct Row {
  std::string what;
  std::string lib;  // "numpy"/"torch": compared with the cold hello of that library
  std::vector<double> samples;
  std::string skipped;  // reason, if the row was not measured
  int failures = 0;     // runs whose exit status was not 0
};

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

std::string fmt_ms(double ms) {
  return fmt(ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms);
}

void progress(const std::string& what) {
  std::fprintf(stderr, "start_latency: %s\n", what.c_str());
}

// ------------------------------------------------------------------ the machine

std::string first_line(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) {
      const auto colon = line.find(':');
      std::string v = colon == std::string::npos ? line : line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return "?";
}

// The 1, 5 and 15 minute load averages: other work on the machine skews every row.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// ------------------------------------------------------------------ cleanup on signals

// Prebuilt so the handler only forks, execs and waits.
const Command* g_cleanup[3] = {nullptr, nullptr, nullptr};  // pyattach, tmux, rm -rf
int g_null_fd = -1;

void cleanup_now() {
  for (const Command*& c : g_cleanup)
    if (c) {
      int status;
      const pid_t pid = c->start(g_null_fd);
      if (pid > 0) ::waitpid(pid, &status, 0);
      c = nullptr;
    }
}

extern "C" void on_signal(int sig) {
  cleanup_now();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_options(argc, argv);
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  g_null_fd = null_fd;
  const double started = now_ms();
  const std::string load_before = load_average();
  const std::string hello = opt.scripts + "/hello.py";
  const std::string probe = opt.scripts + "/fork_probe.py";

  // What this machine and interpreter are.
  utsname un{};
  ::uname(&un);
  const auto [versions, vstatus] =
      capture(Command({opt.python, "-c",
                       "import sys, numpy; print(sys.version.split()[0], numpy.__version__)"}),
              null_fd);
  if (vstatus != 0) {
    std::fprintf(stderr, "start_latency: %s cannot import numpy\n", opt.python.c_str());
    return 2;
  }
  bool torch = opt.torch;
  std::string torch_version = opt.torch ? "not installed" : "skipped (--no-torch)";
  if (torch) {
    progress("checking for torch");
    const auto [out, status] =
        capture(Command({opt.python, "-c", "import torch; print(torch.__version__)"}), null_fd);
    torch = status == 0;
    if (torch) torch_version = trim(out);
  }
  const std::string tmux = opt.tmux ? find_on_path("tmux") : "";

  // Every row, in the order of the table; `timed` are measured interleaved (one run of each
  // per round, so drifting load from elsewhere on the machine hits every row alike).
  std::vector<Row> rows;
  std::vector<Row> bursts;
  std::vector<std::string> notes;  // anything odd, printed under the tables
  std::deque<Command> commands;    // stable addresses for the steps below
  std::vector<std::pair<size_t, std::vector<const Command*>>> timed;
  const auto command = [&](std::vector<std::string> args,
                           const std::map<std::string, std::string>& set_env = {},
                           const std::vector<std::string>& unset_env = {}) -> const Command* {
    return &commands.emplace_back(std::move(args), set_env, unset_env);
  };
  const auto add_row = [&](std::string what, std::string lib, std::string skipped = {}) {
    rows.push_back({std::move(what), std::move(lib), {}, std::move(skipped), 0});
    return rows.size() - 1;
  };
  const auto add_timed = [&](std::string what, std::string lib, std::vector<const Command*> steps) {
    timed.emplace_back(add_row(std::move(what), std::move(lib)), std::move(steps));
  };
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, on_signal);

  // 1-4: floors and cold starts.
  add_timed("`/bin/true` (spawn floor)", "", {command({"/bin/true"})});
  if (!opt.pyattach.empty())
    add_timed("`pyattach --help` (client start floor)", "", {command({opt.pyattach, "--help"})});
  add_timed("`python3 -c pass`", "", {command({opt.python, "-c", "pass"})});
  add_timed("`python3 hello.py numpy` cold", "numpy", {command({opt.python, hello, "numpy"})});
  if (torch)
    add_timed("`python3 hello.py torch` cold", "torch", {command({opt.python, hello, "torch"})});
  else
    add_row("`python3 hello.py torch` cold", "torch", "torch " + torch_version);

  // A private directory for the broker's and tmux's sockets, removed at the end.
  char templ[] = "/tmp/pyattach-bench-XXXXXX";
  if (!::mkdtemp(templ)) {
    std::perror("start_latency: mkdtemp");
    return 1;
  }
  const std::string tmpdir = templ;
  g_cleanup[2] = command({"/bin/rm", "-rf", "--", tmpdir});

  // 5, 6: pyattach warm, with its own broker directory. The first run of each profile starts
  // the broker and that profile's zygote.
  std::vector<std::pair<size_t, const Command*>> burst_runs;
  if (!opt.pyattach.empty()) {
    const std::string dir = tmpdir + "/broker";  // the broker makes it, 0700
    const std::map<std::string, std::string> env{{"PYATTACH_DIR", dir}};
    const std::vector<std::string> unset{"PYATTACH_PRELOAD"};
    g_cleanup[0] = command({opt.pyattach, "kill-server"}, env, unset);
    for (const std::string lib : {"numpy", "torch"}) {
      const std::string what = "`pyattach run --preload " + lib + " -- hello.py " + lib + "` warm";
      const std::string bwhat =
          "back-to-back: " + std::to_string(opt.burst) + " × `pyattach run` (" + lib + ")";
      if (lib == "torch" && !torch) {
        add_row(what, lib, "torch " + torch_version);
        bursts.push_back({bwhat, lib, {}, "torch " + torch_version, 0});
        continue;
      }
      const Command* run =
          command({opt.pyattach, "run", "--python", opt.python, "--preload", lib, "--", hello, lib},
                  env, unset);
      progress("starting the " + lib + " zygote");
      const Timed first = time_run({run}, null_fd);
      if (first.status != 0) {
        // Say what went wrong (the timed runs send stderr to /dev/null), then try once more.
        const auto [output, status] = capture(*run, null_fd, true);
        std::ifstream log(dir + "/broker.log");
        const std::string broker_log{std::istreambuf_iterator<char>(log), {}};
        notes.push_back("the first `pyattach run` of the " + lib + " profile failed (" +
                        describe(first.status) + "); a second one " +
                        (status == 0 ? "succeeded" : "failed too: " + trim(output)) +
                        ". broker.log: " + trim(broker_log));
        std::fprintf(stderr, "start_latency: %s\n", notes.back().c_str());
        if (status != 0) {
          add_row(what, lib, "`pyattach run` failed");
          bursts.push_back({bwhat, lib, {}, "`pyattach run` failed", 0});
          continue;
        }
      }
      add_timed(what, lib, {run});
      bursts.push_back({bwhat, lib, {}, {}, 0});
      burst_runs.emplace_back(bursts.size() - 1, run);

      // The same run through a starter from `pyattach bundle` (a drop-in `python`).
      const std::string starter = tmpdir + "/python-" + lib;
      const std::string swhat = "`python-" + lib + " hello.py " + lib + "` warm (bundle starter)";
      const auto [bundle_output, bundle_status] =
          capture(Command({opt.pyattach, "bundle", "--python", opt.python, "--preload", lib, "-o",
                           starter}),
                  null_fd, true);
      if (bundle_status != 0)
        add_row(swhat, lib, "`pyattach bundle` failed: " + trim(bundle_output));
      else
        add_timed(swhat, lib, {command({starter, hello, lib}, env, unset)});
    }
  } else {
    for (const std::string lib : {"numpy", "torch"}) {
      add_row("`pyattach run --preload " + lib + " -- hello.py " + lib + "` warm", lib,
              "pyattach not found (--pyattach)");
      bursts.push_back({"back-to-back `pyattach run` (" + lib + ")",
                        lib,
                        {},
                        "pyattach not found (--pyattach)",
                        0});
    }
  }

  // 7: the fork floor, measured by fork_probe.py after the other rows (filled in below).
  std::vector<std::pair<std::string, size_t>> probe_rows;
  for (const std::string lib : {"numpy", "torch"}) {
    if (lib == "torch" && !torch) {
      add_row("fork+exit+wait of a torch-loaded python", lib, "torch " + torch_version);
      continue;
    }
    probe_rows.emplace_back(lib, add_row("", lib));
    add_row("fork until the " + lib + "-loaded child runs (in Python)", lib);
  }

  // 9: a cold python in a tmux session, for reference: a private tmux server kept up by a
  // placeholder session; each run is `new-session -d` plus `wait-for` the command's signal.
  if (!tmux.empty()) {
    const std::string sock = tmpdir + "/tmux.sock";
    const std::vector<std::string> unset{"TMUX", "TMUX_PANE"};
    const Command* keep = command({tmux, "-S", sock, "-f", "/dev/null", "new-session", "-d", "-s",
                                   "keep", "-x", "80", "-y", "24", "sleep 3600"},
                                  {}, unset);
    const Command* fresh = command({tmux, "-S", sock, "new-session", "-d", "-x", "80", "-y", "24",
                                    "'" + opt.python + "' '" + hello + "' numpy; '" + tmux +
                                        "' -S '" + sock + "'" + " wait-for -S bench-done"},
                                   {}, unset);
    const Command* wait = command({tmux, "-S", sock, "wait-for", "bench-done"}, {}, unset);
    if (wait_status(keep->start(null_fd)) == 0) {
      g_cleanup[1] = command({tmux, "-S", sock, "kill-server"}, {}, unset);
      add_timed("`tmux new-session -d 'python3 hello.py numpy'` until it ends", "numpy",
                {fresh, wait});
    } else {
      add_row("tmux new-session (numpy hello)", "numpy", "tmux failed to start");
    }
  } else {
    add_row("tmux new-session (numpy hello)", "numpy",
            opt.tmux ? "tmux not installed" : "--no-tmux");
  }

  // One untimed warm-up of every row, a pause so the zygotes settle, then the rounds.
  progress("warm-up");
  for (const auto& [index, steps] : timed) time_run(steps, null_fd);
  sleep_ms(std::max(opt.gap_ms, 500));
  for (int round = 0; round < opt.runs; ++round) {
    progress("round " + std::to_string(round + 1) + "/" + std::to_string(opt.runs));
    for (const auto& [index, steps] : timed) {
      sleep_ms(opt.gap_ms);
      const Timed t = time_run(steps, null_fd);
      rows[index].samples.push_back(t.ms);
      if (t.status != 0) ++rows[index].failures;
    }
  }

  // 8: back-to-back pyattach runs, no pause.
  for (const auto& [index, run] : burst_runs) {
    progress(bursts[index].what);
    sleep_ms(std::max(opt.gap_ms, 500));
    for (int i = 0; i < opt.burst; ++i) {
      const Timed t = time_run({run}, null_fd);
      bursts[index].samples.push_back(t.ms);
      if (t.status != 0) ++bursts[index].failures;
    }
  }

  progress("stopping the pyattach broker and tmux");
  cleanup_now();  // kill-server waits for the broker to go; then the directory is removed

  for (const auto& [lib, index] : probe_rows) {
    progress("fork probe (" + lib + ")");
    const auto [out, status] =
        capture(Command({opt.python, probe, "--runs", std::to_string(opt.runs), lib}), null_fd);
    Row& exit_row = rows[index];
    Row& child_row = rows[index + 1];
    exit_row.what = "fork+exit+wait of a " + lib + "-loaded python (in Python)";
    if (status != 0) {
      exit_row.skipped = child_row.skipped = "fork_probe.py failed";
      continue;
    }
    const auto j = nlohmann::json::parse(out);
    exit_row.what = "fork+exit+wait of a " + lib + "-loaded python (" +
                    fmt("%.0f", j.at("rss_kb").get<double>() / 1024.0) + " MB RSS, in Python)";
    exit_row.samples = j.at("fork_exit_wait_ms").get<std::vector<double>>();
    child_row.samples = j.at("fork_to_child_ms").get<std::vector<double>>();
  }

  // ---------------------------------------------------------------- the report
  std::map<std::string, double> cold;
  for (const Row& r : rows)
    if (!r.samples.empty() && r.what.find("cold") != std::string::npos)
      cold[r.lib] = stats_of(r.samples).median;

  std::string cpu = first_line("/proc/cpuinfo", "model name");
  std::string python_numpy = trim(versions);
  if (const auto space = python_numpy.find(' '); space != std::string::npos)
    python_numpy.replace(space, 1, ", numpy ");
  std::printf("## Start latency\n\n");
  const double mem_gib = std::atof(first_line("/proc/meminfo", "MemTotal").c_str()) / 1048576.0;
  std::printf(
      "Machine: nproc %ld (%s), %.1f GiB RAM, Linux %s %s; python %s, torch %s; "
      "load average before %s, after %s\n\n",
      ::sysconf(_SC_NPROCESSORS_ONLN), cpu.c_str(), mem_gib, un.release, un.machine,
      python_numpy.c_str(), torch_version.c_str(), load_before.c_str(), load_average().c_str());
  std::printf("Command: `");
  for (int i = 0; i < argc; ++i) std::printf(i ? " %s" : "%s", argv[i]);
  std::printf(
      "`  \n%d timed runs per row, interleaved: every round runs each row once in "
      "table order (a pause of %d ms before each run), after one untimed warm-up run "
      "of each (and, for pyattach, the run that started its zygote). Time = fork → "
      "exec → exit status (CLOCK_MONOTONIC), stdio on /dev/null. The fork rows are "
      "timed inside Python by fork_probe.py, after the others; the back-to-back rows "
      "have no pause. p99 is nearest-rank (the maximum when there are fewer than 100 "
      "runs).\n\n",
      opt.runs, opt.gap_ms);

  const auto print_table = [&](const std::vector<Row>& table) {
    std::printf("| what | runs | median ms | p99 ms | mean ms | max ms | vs cold python |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
    for (const Row& r : table) {
      if (r.samples.empty()) {
        std::printf("| %s | – | – | – | – | – | skipped: %s |\n", r.what.c_str(),
                    r.skipped.c_str());
        continue;
      }
      const Stats s = stats_of(r.samples);
      std::string vs = "–";
      if (const auto c = cold.find(r.lib); c != cold.end()) {
        const double ratio = c->second / s.median;
        vs = r.what.find("cold") != std::string::npos
                 ? std::string("1× (baseline)")
                 : fmt(ratio >= 10 ? "%.0f× faster" : "%.1f× faster", ratio);
        if (ratio < 1) vs = fmt("%.1f× slower", 1 / ratio);
      }
      if (r.failures) vs += " (" + std::to_string(r.failures) + " runs failed!)";
      std::printf("| %s | %zu | %s | %s | %s | %s | %s |\n", r.what.c_str(), s.n,
                  fmt_ms(s.median).c_str(), fmt_ms(s.p99).c_str(), fmt_ms(s.mean).c_str(),
                  fmt_ms(s.max).c_str(), vs.c_str());
    }
  };
  print_table(rows);

  std::printf("\nBack-to-back (no pause between runs: can the zygote keep up?):\n\n");
  print_table(bursts);
  for (const Row& b : bursts) {
    if (b.samples.empty()) continue;
    std::printf("\n%s, each run in order (ms):", b.what.c_str());
    for (double ms : b.samples) std::printf(" %s", fmt_ms(ms).c_str());
    std::printf("\n");
  }
  for (const std::string& note : notes) std::printf("\nNote: %s\n", note.c_str());
  std::printf(
      "\n(vs cold python = median of the cold `python3 hello.py` with the same library "
      "÷ this row's median.) Total benchmark time: %.0f s.\n",
      (now_ms() - started) / 1e3);
  return 0;
}
