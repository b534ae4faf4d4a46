// pyattachd: the broker. Owns every session's PTY and screen, and one zygote per profile.
//
// Normally it runs under a keeper (pyattach-keeper, keeper.hpp) that holds a copy of
// every session's terminal, so a crashed broker loses no session and `--upgrade`
// replaces the broker without ending any. The first pyattachd of a directory becomes
// the keeper, which then starts the broker; later ones ask the keeper for a broker.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <uv.h>

#include <cxxopts.hpp>
#include <iostream>

#include "broker.hpp"
#include "daemon.hpp"
#include "keeper_channel.hpp"
#include "runtime_dir.hpp"

namespace {

// `pyattachd --upgrade`: the keeper stops the running broker and starts this binary,
// which takes every session over. Prints the outcome; the exit status says it too.
int upgrade(const std::string& dir) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("pyattachd: pipe");
    return 1;
  }
  pyattach::UniqueFd read_end(fds[0]);
  pyattach::UniqueFd write_end(fds[1]);
  std::string error;
  if (!pyattach::ask_keeper(dir, "upgrade", pyattach::own_program(), write_end.get(), error)) {
    std::cerr << "pyattachd: no broker to upgrade in " << dir << " (" << error << ")\n";
    return 1;
  }
  write_end.reset();
  std::string answer;
  char chunk[512];
  ssize_t got;
  while ((got = ::read(read_end.get(), chunk, sizeof chunk)) > 0) answer.append(chunk, got);
  if (answer != "ok") {
    std::cerr << "pyattachd: upgrade failed: "
              << (answer.empty() ? "the keeper did not answer" : answer) << "\n";
    return 1;
  }
  std::cout << "pyattachd: upgraded; every session kept\n";
  return 0;
}

// In the daemon: let the keeper start the broker, or become the keeper, which starts it.
// Returns only if there is no keeper to be had (the broker then runs without one).
void start_through_keeper(const std::string& dir, const pyattach::Readiness& readiness) {
  const std::string self = pyattach::own_program();
  std::string error;
  if (!self.empty() && pyattach::ask_keeper(dir, "start", self, readiness.fd(), error))
    std::exit(0);  // the keeper reports readiness to our starter
  const std::string keeper = pyattach::sibling_program("pyattach-keeper");
  if (self.empty()) return;
  ::fcntl(readiness.fd(), F_SETFD, 0);  // inherited by the keeper
  const std::string fd = std::to_string(readiness.fd());
  ::execlp(keeper.c_str(), keeper.c_str(), "--broker", self.c_str(), "--ready-fd", fd.c_str(),
           static_cast<char*>(nullptr));
  std::cerr << "pyattachd: cannot run " << keeper << " (" << std::strerror(errno)
            << "); sessions will not survive a broker crash\n";
  ::fcntl(readiness.fd(), F_SETFD, FD_CLOEXEC);
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options options("pyattachd", "pyattach's broker; normally started by pyattach itself");
  options.add_options()("foreground", "do not daemonise; log to stderr; no keeper")(
      "upgrade", "replace the running broker with this binary, keeping every session")(
      "keeper-fd", "(internal) channel to the keeper that started this broker",
      cxxopts::value<int>())("ready-fd", "(internal) where to report readiness",
                             cxxopts::value<int>())("version", "print the version and exit")(
      "h,help", "show this help");
  bool foreground = false;
  int keeper_fd = -1;
  int ready_fd = -1;
  bool upgrading = false;
  try {
    const auto parsed = options.parse(argc, argv);
    if (parsed.count("help")) {
      std::cout << options.help();
      return 0;
    }
    if (parsed.count("version")) {
      std::cout << "pyattachd " << PYATTACH_VERSION << "\n";
      return 0;
    }
    foreground = parsed.count("foreground") > 0;
    upgrading = parsed.count("upgrade") > 0;
    if (parsed.count("keeper-fd")) keeper_fd = parsed["keeper-fd"].as<int>();
    if (parsed.count("ready-fd")) ready_fd = parsed["ready-fd"].as<int>();
    if ((keeper_fd >= 0) != (ready_fd >= 0) || (keeper_fd >= 0 && keeper_fd < 3) ||
        (ready_fd >= 0 && ready_fd < 3))
      throw cxxopts::exceptions::exception("--keeper-fd and --ready-fd go together (fds >= 3)");
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "pyattachd: " << e.what() << "\n";
    return 2;
  }

  const std::string dir = pyattach::runtime_dir_path();
  std::string error;
  if (!pyattach::ensure_private_dir(dir, error)) {
    std::cerr << "pyattachd: " << error << "\n";
    return 1;
  }
  if (upgrading) return upgrade(dir);

  pyattach::UniqueFd keeper_channel(keeper_fd);
  auto readiness = [&] {
    if (keeper_channel) return pyattach::Readiness::from_fd(pyattach::UniqueFd(ready_fd));
    if (foreground) return pyattach::Readiness::foreground();
    auto daemon = pyattach::Readiness::daemonize(pyattach::broker_log_path(dir));
    start_through_keeper(dir, daemon);
    return daemon;
  }();
  const auto fail = [&](const std::string& message) {
    std::cerr << "pyattachd: " << message << "\n";
    readiness.failed(message + " (" + dir + ")");
    return 1;
  };

  const pyattach::UniqueFd lock = pyattach::take_broker_lock(
      pyattach::broker_lock_path(dir), pyattach::broker_socket_path(dir), error);
  if (!lock) return fail(error);

  ::signal(SIGPIPE, SIG_IGN);
  // Session programs outlive a killed zygote; as subreaper we still get their status.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  uv_loop_t loop;
  uv_loop_init(&loop);
  int status = 0;
  {
    pyattach::Broker broker(&loop, dir);
    if (keeper_channel && !broker.recover_from_keeper(std::move(keeper_channel), error)) {
      status = fail("cannot take the sessions over from the keeper: " + error);
      broker.hand_over();  // they stay with the keeper for a broker that can
    } else if (!broker.start(error)) {
      status = fail(error);
      broker.hand_over();
    } else {
      readiness.ready();
      std::cerr << "pyattachd: serving " << dir << " (pid " << ::getpid() << ")\n";
    }
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // let handles closed by the destructors finish closing
  if (uv_loop_close(&loop) != 0) std::cerr << "pyattachd: handles left open at exit\n";
  return status;
}
