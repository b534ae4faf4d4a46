// pyattachd: the broker. Owns every session's PTY and screen, and one zygote per profile.

#include <signal.h>
#include <sys/prctl.h>
#include <uv.h>

#include <cxxopts.hpp>
#include <iostream>

#include "broker.hpp"
#include "daemon.hpp"
#include "runtime_dir.hpp"

int main(int argc, char** argv) {
  cxxopts::Options options("pyattachd", "pyattach's broker; normally started by pyattach itself");
  options.add_options()("foreground", "do not daemonise; log to stderr")(
      "version", "print the version and exit")("h,help", "show this help");
  bool foreground = false;
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
  auto readiness = foreground ? pyattach::Readiness::foreground()
                              : pyattach::Readiness::daemonize(pyattach::broker_log_path(dir));
  const auto fail = [&](const std::string& message) {
    std::cerr << "pyattachd: " << message << "\n";
    readiness.failed(message + " (" + dir + ")");
    return 1;
  };

  const pyattach::UniqueFd lock =
      pyattach::take_broker_lock(pyattach::broker_lock_path(dir), error);
  if (!lock) return fail(error);

  ::signal(SIGPIPE, SIG_IGN);
  // Session programs outlive a killed zygote; as subreaper we still get their status.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  uv_loop_t loop;
  uv_loop_init(&loop);
  int status = 0;
  {
    pyattach::Broker broker(&loop, dir);
    if (!broker.start(error)) {
      status = fail(error);
      broker.shutdown();
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
