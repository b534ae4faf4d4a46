// multiplexer: pyattach, tmux, screen and dtach side by side in one run, with a plain PTY
// (no multiplexer) as the floor. Real clients on real PTYs; this process reads each
// client's terminal (bench/drain.cpp) and types into it; every session runs the same
// compiled program (bench/multiplexer_child.cpp). Measured:
//   throughput   MB/s of N MB of 100-byte lines, from the keystroke that starts the writer
//                until the drain has read the end marker
//   server CPU   utime+stime of the tool's server during that (pyattachd, tmux server,
//                SCREEN, dtach master), and of the client, scaled to 200 MB
//   keystroke    a byte typed into the client's terminal, echoed by the program, until it
//                is back on the client's terminal
//   attach       from fork+exec of the attach command until the session's marker line is
//                on the client's terminal
//   memory       server RSS/PSS with 1 idle session and with N (per extra session), and
//                the growth for a session with a full 120x40 screen + 2000 lines
//   ls           wall time of the list command with N sessions
// Tools that are not installed are skipped with a note. Nothing is asserted: the targets
// are reported as met or not met. See bench/multiplexer.md.

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "drain.hpp"
#include "multiplexer_process.hpp"
#include "multiplexer_tools.hpp"

namespace {

namespace fs = std::filesystem;
using namespace muxbench;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kCols = 120;
constexpr int kRows = 40;

struct Options {
  Paths paths;
  int megabytes = 200;
  int repeat = 5;
  int rounds = 200;   // keystroke round trips per tool per repetition
  int attaches = 6;   // attaches per tool per repetition
  int sessions = 50;  // idle sessions for memory and ls
  int fill_lines = 2000;
  int fill_sessions = 3;
  int ls_runs = 30;
  std::vector<std::string> tools;  // empty: all
  bool plain = true;
};

[[noreturn]] void usage(int status) {
  std::fprintf(
      status ? stderr : stdout,
      "usage: multiplexer [--megabytes N] [--repeat N] [--rounds N] [--attaches N]\n"
      "                   [--sessions N] [--fill-lines N] [--fill-sessions N] [--ls-runs N]\n"
      "                   [--tools LIST] [--no-plain] [--pyattach PATH] [--python PATH]\n"
      "                   [--child PATH] [--scripts DIR]\n"
      "  --megabytes N     output per throughput run (default 200)\n"
      "  --repeat N        throughput runs per tool; keystroke and attach samples are\n"
      "                    taken in every repetition too (default 5)\n"
      "  --rounds N        keystroke round trips per tool per repetition (default 200)\n"
      "  --attaches N      timed attaches per tool per repetition (default 6)\n"
      "  --sessions N      idle sessions for the memory and ls rows (default 50)\n"
      "  --fill-lines N    scrollback lines of the full-screen session (default 2000)\n"
      "  --fill-sessions N full-screen sessions measured (default 3)\n"
      "  --ls-runs N       timed runs of each ls command (default 30)\n"
      "  --tools LIST      comma-separated subset of pyattach,tmux,screen,dtach\n"
      "  --no-plain        skip the plain PTY row\n"
      "  --pyattach PATH   the client (default: $PYATTACH_BIN, else next to this program)\n"
      "  --python PATH     interpreter of the pyattach sessions (default /usr/bin/python3)\n"
      "  --child PATH      multiplexer_child (default: next to this program)\n"
      "  --scripts DIR     where multiplexer_exec.py is (default: the source bench/)\n"
      "A quick run: multiplexer --megabytes 20 --repeat 2 --rounds 100 --attaches 3\n");
  std::exit(status);
}

std::string self_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

Options parse_options(int argc, char** argv) {
  Options o;
  const std::string here = self_dir();
  o.paths.python = "/usr/bin/python3";
  o.paths.child = here + "/multiplexer_child";
  o.paths.pyattach = here + "/pyattach";
  if (const char* env = std::getenv("PYATTACH_BIN"); env && *env) o.paths.pyattach = env;
#ifdef PYATTACH_BENCH_DIR
  std::string scripts = PYATTACH_BENCH_DIR;
#else
  std::string scripts = here + "/../../bench";
#endif
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage(2);
    return argv[++i];
  };
  auto number = [&](int& i, int min) {
    const std::string text = value(i);
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || n < min || n > 1000000) usage(2);
    return static_cast<int>(n);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help")
      usage(0);
    else if (arg == "--megabytes")
      o.megabytes = number(i, 1);
    else if (arg == "--repeat")
      o.repeat = number(i, 1);
    else if (arg == "--rounds")
      o.rounds = number(i, 1);
    else if (arg == "--attaches")
      o.attaches = number(i, 1);
    else if (arg == "--sessions")
      o.sessions = number(i, 2);
    else if (arg == "--fill-lines")
      o.fill_lines = number(i, 0);
    else if (arg == "--fill-sessions")
      o.fill_sessions = number(i, 0);
    else if (arg == "--ls-runs")
      o.ls_runs = number(i, 1);
    else if (arg == "--no-plain")
      o.plain = false;
    else if (arg == "--pyattach")
      o.paths.pyattach = value(i);
    else if (arg == "--python")
      o.paths.python = value(i);
    else if (arg == "--child")
      o.paths.child = value(i);
    else if (arg == "--scripts")
      scripts = value(i);
    else if (arg == "--tools") {
      std::istringstream list(value(i));
      for (std::string name; std::getline(list, name, ',');) o.tools.push_back(name);
    } else {
      std::fprintf(stderr, "multiplexer: unknown option '%s'\n", arg.c_str());
      usage(2);
    }
  }
  o.paths.exec_py = scripts + "/multiplexer_exec.py";
  for (std::string* path : {&o.paths.pyattach, &o.paths.child, &o.paths.exec_py})
    if (fs::exists(*path)) *path = fs::absolute(*path).lexically_normal().string();
  if (find_on_path(o.paths.child).empty()) {
    std::fprintf(stderr, "multiplexer: %s not found (build the multiplexer_child target)\n",
                 o.paths.child.c_str());
    std::exit(2);
  }
  return o;
}

// ------------------------------------------------------------------ statistics

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}
double median(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  const size_t n = s.size();
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

std::string fmt(double x, int digits = 3) {
  if (std::isnan(x)) return "–";
  char buf[64];
  // `digits` significant digits, never in exponent form.
  const double mag = x == 0 ? 0 : std::floor(std::log10(std::fabs(x)));
  const int decimals = std::max(0, digits - 1 - static_cast<int>(mag));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

// ------------------------------------------------------------------ results

struct Memory {
  double rss_kb = 0;
  double pss_kb = 0;
};

struct Row {
  explicit Row(std::string row_name) : name(std::move(row_name)) {}
  std::string name;
  std::vector<double> mbps, received_mb, server_cpu, client_cpu;  // CPU s per 200 MB
  std::vector<double> rtt_us, attach_ms, ls_ms;
  std::optional<Memory> one_session, per_session;
  std::optional<int> server_processes_one, server_processes_all;
  std::vector<double> fill_rss_kb, fill_pss_kb;
  std::vector<std::string> notes;
};

std::string make_nonce(std::mt19937_64& rng) {
  static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s;
  for (int i = 0; i < 10; ++i) s += digits[rng() % 36];
  return s;
}

Memory memory_of(const std::vector<pid_t>& pids) {
  Memory m;
  for (pid_t pid : pids)
    if (auto info = process_info(pid)) {
      m.rss_kb += static_cast<double>(info->rss_kb);
      m.pss_kb += static_cast<double>(info->pss_kb);
    }
  return m;
}

double cpu_of(const std::vector<pid_t>& pids) {
  double total = 0;
  for (pid_t pid : pids)
    if (auto info = process_info(pid)) total += info->cpu_seconds;
  return total;
}

// A client attached to a session, or (tool == nullptr) the program itself on a PTY.
struct Attached {
  std::unique_ptr<PtyProcess> terminal;
  SessionProgram program;
  std::vector<pid_t> servers;
};

class Bench {
 public:
  Bench(const Options& options, const std::string& work_dir)
      : o_(options), work_dir_(work_dir), rng_(std::random_device{}()) {}

  // Starts a session running `mode` and attaches a client to it (or runs the program on
  // a PTY directly), and waits until the client shows READY.
  Attached attach_new(Tool* tool, const std::string& id, const std::string& mode,
                      const std::string& nonce, long count) {
    Attached a;
    if (tool) {
      a.program = tool->create(id, mode, nonce, count);
      a.terminal =
          std::make_unique<PtyProcess>(tool->attach_command(id), tool->env(), kCols, kRows);
      a.servers = tool->server_pids({a.program});
    } else {
      const std::string info = work_dir_ + "/plain-" + id;
      std::vector<std::string> argv = {o_.paths.child, mode, info, nonce};
      if (count) argv.push_back(std::to_string(count));
      a.terminal = std::make_unique<PtyProcess>(argv, Environment(), kCols, kRows);
      a.program.pid = a.terminal->pid();
    }
    Drain drain(a.terminal->master());
    if (!drain.until("READY-" + nonce, Clock::now() + seconds(30)))
      throw std::runtime_error("the client never showed the session's screen");
    // Let the attach's redraw finish so it is not counted in what follows.
    drain.settle(milliseconds(30), milliseconds(2000));
    return a;
  }

  void end(Tool* tool, const std::string& id, Attached& a) {
    a.terminal->stop();
    if (tool) tool->kill_session(id, a.program);
  }

  void throughput(Tool* tool, Row& row, int rep) {
    const std::string id = "flood" + std::to_string(rep);
    const std::string nonce = make_nonce(rng_);
    Attached a = attach_new(tool, id, "flood", nonce, o_.megabytes);
    Drain drain(a.terminal->master());
    const double server0 = cpu_of(a.servers);
    const double client0 = tool ? cpu_of({a.terminal->pid()}) : 0;
    const auto start = Clock::now();
    a.terminal->write_byte('g');
    const bool done = drain.until("END-" + nonce, start + seconds(60 + o_.megabytes));
    const double elapsed = seconds_since(start);
    const double scale = 200.0 / o_.megabytes;
    if (done) {
      row.mbps.push_back(o_.megabytes / elapsed);
      row.received_mb.push_back(static_cast<double>(drain.bytes()) / 1e6);
      if (tool) {
        row.server_cpu.push_back((cpu_of(a.servers) - server0) * scale);
        row.client_cpu.push_back((cpu_of({a.terminal->pid()}) - client0) * scale);
      }
    } else {
      row.notes.push_back("throughput run " + std::to_string(rep) + ": no end marker after " +
                          fmt(elapsed) + " s");
    }
    end(tool, id, a);
  }

  void keystrokes(Tool* tool, Row& row, int rep) {
    const std::string id = "echo" + std::to_string(rep);
    Attached a = attach_new(tool, id, "echo", make_nonce(rng_), 0);
    Drain drain(a.terminal->master());
    static const char keys[] = "xyz";  // never the final byte of what the tools emit
    const int warmup = 20;
    for (int i = 0; i < warmup + o_.rounds; ++i) {
      const char key = keys[i % 3];
      const auto start = Clock::now();
      a.terminal->write_byte(key);
      if (!drain.until(std::string(1, key), start + seconds(5))) {
        row.notes.push_back("keystroke: no echo within 5 s");
        break;
      }
      if (i >= warmup) row.rtt_us.push_back(seconds_since(start) * 1e6);
    }
    end(tool, id, a);
  }

  // One session per tool for all repetitions; every attach is a new client.
  void attaches(Tool& tool, Row& row) {
    auto& [id, nonce] = attach_sessions_[&tool];
    if (id.empty()) {
      id = "attach";
      nonce = make_nonce(rng_);
      Attached first = attach_new(&tool, id, "echo", nonce, 0);  // untimed warm-up
      first.terminal->stop();
    }
    for (int i = 0; i < o_.attaches; ++i) {
      const auto start = Clock::now();
      PtyProcess client(tool.attach_command(id), tool.env(), kCols, kRows);
      Drain drain(client.master());
      const bool shown = drain.until("READY-" + nonce, start + seconds(10));
      const double elapsed = seconds_since(start);
      client.stop();
      if (!shown) {
        row.notes.push_back("attach: screen not shown within 10 s");
        return;
      }
      row.attach_ms.push_back(elapsed * 1e3);
      // Give the server a moment to forget the client before the next attach.
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  // Until the server's copy of the screen shows `marker`: asked without a client where
  // the tool can print its screen, else seen through a client that attaches and leaves.
  bool wait_until_screen_shows(Tool& tool, const std::string& id, const std::string& marker) {
    const auto deadline = Clock::now() + seconds(30);
    while (Clock::now() < deadline) {
      const auto shown = tool.screen_shows(id, marker);
      if (!shown) {
        PtyProcess client(tool.attach_command(id), tool.env(), kCols, kRows);
        Drain drain(client.master());
        const bool seen = drain.until(marker, deadline);
        client.stop();
        std::this_thread::sleep_for(milliseconds(200));  // the server forgets the client
        return seen;
      }
      if (*shown) return true;
      throw_if_interrupted();
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }

  // Memory with 1 and N idle sessions, ls with N, then full-screen sessions.
  void sessions(Tool& tool, Row& row) {
    tool.shutdown();  // a fresh server: nothing left from the throughput runs
    auto name = [](const char* prefix, int k) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%03d", prefix, k);
      return std::string(buf);
    };
    std::vector<SessionProgram> programs = {tool.create(name("i", 0), "echo", make_nonce(rng_))};
    auto servers = [&] { return tool.server_pids(programs); };
    std::this_thread::sleep_for(milliseconds(200));
    const Memory one = memory_of(servers());
    row.one_session = one;
    row.server_processes_one = static_cast<int>(servers().size());
    for (int k = 1; k < o_.sessions; ++k)
      programs.push_back(tool.create(name("i", k), "echo", make_nonce(rng_)));
    std::this_thread::sleep_for(milliseconds(200));
    const Memory all = memory_of(servers());
    row.server_processes_all = static_cast<int>(servers().size());
    const double extra = o_.sessions - 1;
    row.per_session = Memory{(all.rss_kb - one.rss_kb) / extra, (all.pss_kb - one.pss_kb) / extra};

    if (auto ls = tool.ls_command()) {
      for (int i = 0; i < 2; ++i) time_command(*ls, tool.env());  // warm-up
      for (int i = 0; i < o_.ls_runs; ++i) {
        throw_if_interrupted();
        row.ls_ms.push_back(time_command(*ls, tool.env()) * 1e3);
      }
    }

    if (const std::string why = tool.fill_skip_reason(); !why.empty()) {
      row.notes.push_back("full screen + scrollback not measured: " + why);
      return;
    }
    for (int k = 0; k < o_.fill_sessions; ++k) {
      const Memory before = memory_of(servers());
      const std::string id = name("f", k);
      const std::string nonce = make_nonce(rng_);
      programs.push_back(tool.create(id, "fill", nonce, o_.fill_lines));
      if (!wait_until_screen_shows(tool, id, "END-" + nonce)) {
        row.notes.push_back("fill: the end marker never reached the server's screen");
        return;
      }
      const Memory after = memory_of(servers());
      row.fill_rss_kb.push_back(after.rss_kb - before.rss_kb);
      row.fill_pss_kb.push_back(after.pss_kb - before.pss_kb);
    }
  }

 private:
  const Options& o_;
  std::string work_dir_;
  std::mt19937_64 rng_;
  std::map<Tool*, std::pair<std::string, std::string>> attach_sessions_;
};

// ------------------------------------------------------------------ output

void print_tables(const std::vector<Row>& rows, const Options& o) {
  const Row* plain = nullptr;
  for (const auto& r : rows)
    if (r.name == "plain PTY") plain = &r;
  std::printf(
      "\n| tool | MB/s median | MB/s min–max | vs plain | MB reaching the client | "
      "server CPU s / 200 MB | client CPU s / 200 MB | keystroke µs median | p90 | "
      "attach→visible ms median | p90 |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : rows) {
    const double mbps = median(r.mbps);
    std::string vs = "–";
    if (plain && !plain->mbps.empty() && !r.mbps.empty())
      vs = fmt(100 * mbps / median(plain->mbps), 3) + " %";
    std::string range = r.mbps.empty()
                            ? "–"
                            : fmt(*std::min_element(r.mbps.begin(), r.mbps.end())) + "–" +
                                  fmt(*std::max_element(r.mbps.begin(), r.mbps.end()));
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.name.c_str(),
                fmt(mbps).c_str(), range.c_str(), vs.c_str(), fmt(median(r.received_mb)).c_str(),
                fmt(median(r.server_cpu)).c_str(), fmt(median(r.client_cpu)).c_str(),
                fmt(median(r.rtt_us)).c_str(), fmt(percentile(r.rtt_us, 0.9)).c_str(),
                fmt(median(r.attach_ms)).c_str(), fmt(percentile(r.attach_ms, 0.9)).c_str());
  }
  std::printf(
      "\n| tool | server processes (1 / %d sessions) | server RSS KB, 1 session | "
      "per extra idle session RSS KB | PSS KB | full screen + %d lines RSS KB | PSS KB "
      "| ls of %d ms median | p90 |\n",
      o.sessions, o.fill_lines, o.sessions);
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : rows) {
    if (!r.one_session) continue;
    std::printf("| %s | %d / %d | %s | %s | %s | %s | %s | %s | %s |\n", r.name.c_str(),
                r.server_processes_one.value_or(0), r.server_processes_all.value_or(0),
                fmt(r.one_session->rss_kb, 4).c_str(), fmt(r.per_session->rss_kb).c_str(),
                fmt(r.per_session->pss_kb).c_str(), fmt(median(r.fill_rss_kb)).c_str(),
                fmt(median(r.fill_pss_kb)).c_str(), fmt(median(r.ls_ms)).c_str(),
                fmt(percentile(r.ls_ms, 0.9)).c_str());
  }
  for (const auto& r : rows)
    for (const auto& note : r.notes) std::printf("\nnote: %s: %s\n", r.name.c_str(), note.c_str());
}

void print_targets(const std::vector<Row>& rows) {
  const Row *py = nullptr, *plain = nullptr, *tmux = nullptr;
  for (const auto& r : rows) {
    if (r.name == "pyattach") py = &r;
    if (r.name == "plain PTY") plain = &r;
    if (r.name == "tmux") tmux = &r;
  }
  if (!py) return;
  auto verdict = [](double value, double limit, bool below) {
    if (std::isnan(value) || std::isnan(limit)) return std::string("not measured");
    return std::string((below ? value <= limit : value >= limit) ? "met" : "NOT met");
  };
  const double plain_mbps = plain ? median(plain->mbps) : NAN;
  const double plain_rtt = plain ? median(plain->rtt_us) : NAN;
  const double tmux_cpu = tmux ? median(tmux->server_cpu) : NAN;
  std::printf("\n| pyattach target | measured | limit | |\n|---|---:|---:|---|\n");
  auto line = [&](const char* what, double value, double limit, bool below, const char* unit) {
    std::printf("| %s | %s %s | %s %s | %s |\n", what, fmt(value).c_str(), unit, fmt(limit).c_str(),
                unit, verdict(value, limit, below).c_str());
  };
  line("throughput ≥ 90 % of plain PTY", median(py->mbps), 0.9 * plain_mbps, false, "MB/s");
  line("server CPU ≤ 1/3 of tmux's", median(py->server_cpu), tmux_cpu / 3, true, "s");
  line("keystroke ≤ plain + 60 µs", median(py->rtt_us), plain_rtt + 60, true, "µs");
  line("attach→visible < 3 ms", median(py->attach_ms), 3, true, "ms");
  line("full screen + scrollback < 1 MiB", median(py->fill_rss_kb), 1024, true, "KB");
  line("ls of 50 sessions < 2 ms", median(py->ls_ms), 2, true, "ms");
}

struct WorkDir {
  std::string path;
  WorkDir() {
    char templ[] = "/tmp/muxbench-XXXXXX";
    if (!::mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
    path = templ;
  }
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  install_interrupt_handlers();
  std::vector<std::string> notes;
  try {
    WorkDir work;
    auto tools = make_tools(o.paths, work.path, o.tools, notes);
    Bench bench(o, work.path);
    std::vector<Row> rows;
    std::map<const Tool*, size_t> row_of;
    if (o.plain) rows.emplace_back("plain PTY");
    for (auto& tool : tools) {
      row_of[tool.get()] = rows.size();
      rows.emplace_back(tool->name());
    }
    const std::string load_before = load_average();
    const auto started = Clock::now();
    // Rounds: each repetition measures every row once, so load from other work on the
    // machine hits every row alike.
    auto guarded = [&](Row& row, auto&& measure) {
      try {
        measure();
      } catch (const Interrupted&) {
        throw;
      } catch (const std::exception& e) {
        row.notes.push_back(e.what());
      }
    };
    for (int rep = 0; rep < o.repeat; ++rep) {
      std::fprintf(stderr, "repetition %d/%d (%.0f s)\n", rep + 1, o.repeat,
                   seconds_since(started));
      if (o.plain) guarded(rows[0], [&] { bench.throughput(nullptr, rows[0], rep); });
      for (auto& tool : tools) {
        Row& row = rows[row_of[tool.get()]];
        guarded(row, [&] { bench.throughput(tool.get(), row, rep); });
      }
      if (o.plain) guarded(rows[0], [&] { bench.keystrokes(nullptr, rows[0], rep); });
      for (auto& tool : tools) {
        Row& row = rows[row_of[tool.get()]];
        guarded(row, [&] { bench.keystrokes(tool.get(), row, rep); });
        guarded(row, [&] { bench.attaches(*tool, row); });
      }
    }
    for (auto& tool : tools) {
      std::fprintf(stderr, "sessions: %s (%.0f s)\n", tool->name().c_str(), seconds_since(started));
      Row& row = rows[row_of[tool.get()]];
      guarded(row, [&] { bench.sessions(*tool, row); });
      tool->shutdown();
    }
    const std::string load_after = load_average();
    struct utsname u {};
    ::uname(&u);
    std::printf("multiplexer:");
    for (int i = 1; i < argc; ++i) std::printf(" %s", argv[i]);
    std::printf("\nmachine: nproc %ld, %s %s; load average before %s, after %s; %.0f s\n",
                ::sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, load_before.c_str(),
                load_after.c_str(), seconds_since(started));
    print_tables(rows, o);
    print_targets(rows);
    for (const auto& note : notes) std::printf("\nnote: %s\n", note.c_str());
  } catch (const Interrupted&) {
    std::fprintf(stderr, "multiplexer: interrupted; every process it started is gone\n");
    return 130;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "multiplexer: %s\n", e.what());
    return 1;
  }
  return 0;
}
