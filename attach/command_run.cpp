// pyattach run: a drop-in for python3. The program gets the caller's own stdin, stdout
// and stderr when any of them is not a terminal (no PTY, no proxy: exact bytes, EOF and
// SIGPIPE as with python3); on a terminal it runs on a broker PTY like `new`. Either way
// signals sent to us go to the program, and we end the way it ended.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "broker_client.hpp"
#include "caller_fds.hpp"
#include "commands.hpp"
#include "detach_key.hpp"
#include "launch_request.hpp"
#include "options.hpp"
#include "pty.hpp"
#include "status_socket.hpp"
#include "terminal_proxy.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

// The signals a shell or a supervisor sends to stop or poke a program.
constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// Ends this process with the program's outcome, so our caller's wait status is the one
// it would have got from python3: the same exit code, or death by the same signal.
[[noreturn]] void end_like(int status, int term_signal) {
  if (term_signal > 0) {
    const rlimit no_core{0, 0};  // the program already dumped core if it was going to
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::signal(term_signal, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, term_signal);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(term_signal);
  }
  std::exit(status);
}

// Ctrl-Z stops the shell's whole job, but the program is in a process group of its own
// (fast_run.cpp does the same): it is stopped (its own SIGTSTP handler runs, as under
// python3), then we are, so the shell has the job stopped; once continued, so is it.
void stop_with(pid_t program) {
  ::kill(-program, SIGTSTP);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTSTP);
  ::sigprocmask(SIG_UNBLOCK, &stop, nullptr);
  ::raise(SIGTSTP);  // returns once the shell continues us (fg, bg)
  ::sigprocmask(SIG_BLOCK, &stop, nullptr);
  ::kill(-program, SIGCONT);
}

// The program has our own stdio; we wait for its status (from the program itself, or
// from the broker, which also reports a death by a signal) and pass on signals. They and
// SIGTSTP are blocked already (command_run).
ProxyResult wait_for_program(BrokerClient& broker, pid_t pid, StatusSocket& status) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwardedSignals) sigaddset(&set, sig);
  sigaddset(&set, SIGTSTP);
  const UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  for (;;) {
    while (auto frame = broker.next_frame()) {
      if (frame->type == MsgType::Error) throw_broker_error(*frame);
      if (frame->type != MsgType::Exit) continue;
      const auto exit = nlohmann::json::parse(frame->payload);
      if (exit.value("reason", "") == "server-exit") throw UserError("the broker shut down");
      return {exit.value("status", 1), exit.value("signal", 0)};
    }
    pollfd fds[3] = {
        {broker.fd(), POLLIN, 0}, {signals.get(), POLLIN, 0}, {status.fd(), POLLIN, 0}};
    if (::poll(fds, status.usable() ? 3 : 2, -1) < 0 && errno != EINTR)
      throw UserError(std::string("poll: ") + std::strerror(errno));
    if (fds[2].revents & POLLIN)
      if (const auto code = status.receive_from(pid)) return {*code, 0};
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      while (::read(signals.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGTSTP) {
          stop_with(pid);
        } else {
          ::kill(pid, static_cast<int>(info.ssi_signo));
        }
      }
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !broker.read_some())
      throw UserError("lost the connection to the broker while the program ran");
  }
}

// The fds a request passes: `stdio`, then the caller's inherited ones, named in it.
std::vector<int> with_inherited_fds(nlohmann::json& request, const CallerFds& caller,
                                    std::vector<int> stdio) {
  if (caller.inherited.empty()) return stdio;
  if (caller.inherited.size() > kMaxInheritedFds)
    throw UserError("too many open file descriptors to hand to the program (" +
                    std::to_string(caller.inherited.size()) + "; at most " +
                    std::to_string(kMaxInheritedFds) + " besides stdio)");
  request["inherited_fds"] = caller.inherited;
  stdio.insert(stdio.end(), caller.inherited.begin(), caller.inherited.end());
  return stdio;
}

// Once the program has its own copies: ours would keep, say, a pipe's reader from seeing
// EOF when the program closes its end, as it would under python3.
void close_inherited_fds(const CallerFds& caller) {
  for (int fd : caller.inherited) ::close(fd);
}

}  // namespace

const std::map<std::string, bool>& run_option_names() {
  static const std::map<std::string, bool> names = {
      {"-h", false},          {"--help", false},   {"--python", true}, {"--preload", true},
      {"--detach-key", true}, {"--key-env", true}, {"--mode", true},   {"--pool", true}};
  return names;
}

int command_run(const Args& args) {
  const CallerFds caller = caller_fds();
  const auto [option_args, command] = split_at_command(args, run_option_names());
  cxxopts::Options options("pyattach run", "Run a Python program like python3, preloaded");
  options.custom_help(
      "[--python PATH] [--preload MODS] [--key-env VAR] [--mode fork|spawn] [--pool N] "
      "[--detach-key KEY]");
  options.positional_help("[--] [PYTHON OPTIONS] [SCRIPT|-m MODULE|-c CODE|-] [ARGS...]");
  options.add_options()("python", "Python interpreter (default: python3 on PATH)",
                        cxxopts::value<std::string>())(
      "preload", "modules to preload, comma-separated (default: $PYATTACH_PRELOAD)",
      cxxopts::value<std::string>())(
      "detach-key", "on a terminal: a key that detaches (default: none, as python3)",
      cxxopts::value<std::string>());
  add_profile_options(options);
  const auto parsed = parse_options(options, option_args);
  if (!parsed) return 0;
  LaunchOptions launch;
  launch.check_script = false;
  if (parsed->count("python")) launch.python = (*parsed)["python"].as<std::string>();
  if (parsed->count("preload")) launch.preload = (*parsed)["preload"].as<std::string>();
  read_profile_options(*parsed, launch);
  std::optional<char> detach_key;
  if (parsed->count("detach-key"))
    detach_key = parse_detach_key((*parsed)["detach-key"].as<std::string>());
  nlohmann::json request = launch_request(launch, parse_python_command_line(command));

  // Blocked from here on: a signal that arrives before the program exists is passed on
  // once it does, instead of killing us and orphaning it.
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwardedSignals) sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);

  // The request goes out with the Hello (BrokerClient::FirstRequest): no round trip first.
  ProxyResult result;
  if (::isatty(0) && ::isatty(1) && ::isatty(2)) {
    // Raw before the request: a pre-forked program can write (and the user type) before
    // we hear that it started, and our terminal must not translate its bytes a second
    // time. Restored at the end of this block, before end_like() exits.
    RawModeGuard raw(0);
    request["transient"] = true;  // removed once we have its status, unless detached
    request["attach"] = true;     // every byte streamed inline, no redraw: as python3 would
    const std::vector<int> passed = with_inherited_fds(request, caller, {});
    const BrokerClient::FirstRequest first{MsgType::NewSession, std::move(request), passed};
    auto broker = BrokerClient::connect(true, &first);
    const auto started = broker->expect_started(1);
    close_inherited_fds(caller);
    AttachOptions attach{std::to_string(started.at("id").get<int>()), detach_key,
                         started.at("pid").get<pid_t>()};
    attach.already_attached = true;
    attach.reset_terminal = false;
    // Job control as with python3: when the program stops (Ctrl-Z on its terminal), we
    // stop too, with the user's terminal modes back, so the shell has the job stopped and
    // its prompt; when the shell continues us (fg), we continue the program.
    const pid_t program = attach.forward_signals_to;
    attach.follow_stop = [&raw, program] {
      raw.restore();
      ::raise(SIGTSTP);           // returns once continued
      raw.enter();                // before the program can read: keys typed now are its, raw
      ::kill(-program, SIGCONT);  // its process group: it leads a session on the broker's PTY
    };
    result = run_terminal_proxy(*broker, attach);
  } else {
    StatusSocket status;
    if (status.usable()) request["status_to"] = status.name();
    // A closed one cannot be passed: the program is told to have it closed too.
    const auto& closed = caller.closed_stdio;
    std::vector<int> passed;
    for (int fd : {0, 1, 2})
      if (std::find(closed.begin(), closed.end(), fd) == closed.end()) passed.push_back(fd);
    if (!closed.empty()) request["stdio_closed"] = closed;
    passed = with_inherited_fds(request, caller, std::move(passed));
    // Ctrl-Z from here on is the program's too (stop_with), even before it has started.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTSTP);
    ::sigprocmask(SIG_BLOCK, &stop, nullptr);
    const BrokerClient::FirstRequest first{MsgType::Run, std::move(request), passed};
    auto broker = BrokerClient::connect(true, &first);
    const auto started = broker->expect_started(1);
    close_inherited_fds(caller);
    result = wait_for_program(*broker, started.at("pid").get<pid_t>(), status);
  }
  end_like(result.status, result.term_signal);
}

}  // namespace pyattach
