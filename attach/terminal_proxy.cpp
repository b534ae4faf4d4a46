#include "terminal_proxy.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "pty.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

// Puts back what a full-screen program may have changed in the user's terminal when
// we leave it: plain attributes, visible cursor, no bracketed paste or mouse
// reporting, normal cursor keys and keypad. The main screen only when the program was
// on the alternate one (leaving it otherwise would restore a stale cursor position).
constexpr std::string_view kModeReset =
    "\x1b[0m\x1b[?25h\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1l\x1b>";
constexpr std::string_view kLeaveAlternateScreen = "\x1b[?1049l";

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t wrote = ::write(fd, bytes.data(), bytes.size());
    if (wrote < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd wait{fd, POLLOUT, 0};
        ::poll(&wait, 1, -1);
        continue;
      }
      return;  // the terminal is gone; nothing useful left to do with the bytes
    }
    bytes.remove_prefix(static_cast<std::size_t>(wrote));
  }
}

WindowSize terminal_size() {
  for (int fd : {0, 1, 2})
    if (auto size = get_window_size(fd)) return *size;
  return WindowSize{};
}

// Signals arrive as readable events instead of interrupting us anywhere.
class SignalFd {
 public:
  explicit SignalFd(std::initializer_list<int> signals) {
    sigemptyset(&set_);
    for (int sig : signals) sigaddset(&set_, sig);
    ::sigprocmask(SIG_BLOCK, &set_, &saved_);
    fd_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
  }
  ~SignalFd() { ::sigprocmask(SIG_SETMASK, &saved_, nullptr); }
  int fd() const { return fd_.get(); }
  int next() {
    signalfd_siginfo info{};
    if (::read(fd_.get(), &info, sizeof info) != sizeof info) return 0;
    return static_cast<int>(info.ssi_signo);
  }

 private:
  sigset_t set_{};
  sigset_t saved_{};
  UniqueFd fd_;
};

ProxyResult exit_result(const nlohmann::json& exit, const std::string& session_name) {
  const std::string reason = exit.value("reason", "");
  if (reason == "detached") {
    std::cerr << "[detached from session " << exit.value("name", session_name) << "]\n";
    return {};
  }
  if (reason == "server-exit") throw UserError("the broker shut down");
  return {exit.value("status", 1), exit.value("signal", 0)};
}

}  // namespace

ProxyResult run_terminal_proxy(BrokerClient& broker, const AttachOptions& options) {
  SignalFd signals{SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2};
  const bool interactive = ::isatty(0);
  bool keys_to_broker = false;  // the broker reads our terminal's keys itself
  RawModeGuard raw(0);
  const WindowSize size = terminal_size();
  if (!options.already_attached) {
    nlohmann::json request = {{"target", options.target}};
    if (options.read_only) {
      request["read_only"] = true;
    } else {
      request["rows"] = size.rows;
      request["cols"] = size.cols;
    }
    // Our terminal goes with the request: the broker writes the session's output to it
    // and reads the keys from it itself (broker/terminal_output.hpp, terminal_input.hpp),
    // and we only see our own frames. A key and its echo then pass through one process
    // (the broker), not three. Not a file or pipe: the broker would write it from an
    // offset of its own, or read input meant for what comes after us.
    if (interactive && ::isatty(1)) {
      if (options.detach_key) request["detach_key"] = static_cast<int>(*options.detach_key);
      broker.send_with_fds(MsgType::Attach, request, {1, 0});
      // Until the broker says whether it reads them, keys wait in the terminal: read by
      // both of us, two keys could reach the program in the wrong order.
      keys_to_broker = true;
    } else if (::isatty(1)) {
      broker.send_with_fds(MsgType::Attach, request, {1});
    } else {
      broker.send_json(MsgType::Attach, request);
    }
  }
  // Leaves the user's terminal as we found it on every way out, exceptions included.
  struct Restore {
    RawModeGuard& raw;
    bool drew = false;
    ~Restore() {
      if (drew) write_all(1, kModeReset);
      raw.restore();
    }
  } restore{raw};

  std::string session_name = options.target;
  // Handles every frame already read; returns the result once the session has ended.
  // Frames may be waiting before we ever poll: the request that started the session
  // can have read the program's output and its exit along with its own reply.
  auto handle_frames = [&]() -> std::optional<ProxyResult> {
    while (auto frame = broker.next_frame()) {
      switch (frame->type) {
        case MsgType::Output:
          restore.drew = options.reset_terminal;
          write_all(1, frame->payload);
          break;
        case MsgType::Attached:
          // The broker draws the screen next, on our terminal itself if we passed it
          // (no Output frame then): what the program sets there is ours to undo.
          restore.drew = options.reset_terminal;
          {
            const auto attached = nlohmann::json::parse(frame->payload);
            session_name = attached.value("name", session_name);
            keys_to_broker = keys_to_broker && attached.value("terminal_input", false);
          }
          break;
        case MsgType::Exit: {
          const auto exit = nlohmann::json::parse(frame->payload);
          if (restore.drew && interactive && options.reset_terminal) {
            if (exit.value("alternate_screen", false)) write_all(1, kLeaveAlternateScreen);
            write_all(1, kModeReset);
          }
          restore.drew = false;
          raw.restore();
          return exit_result(exit, session_name);
        }
        case MsgType::Stopped:
          if (options.follow_stop &&
              nlohmann::json::parse(frame->payload).value("stopped", false)) {
            options.follow_stop();
            // The window may have changed while we were stopped.
            const WindowSize now = terminal_size();
            broker.send_json(MsgType::Resize, {{"rows", now.rows}, {"cols", now.cols}});
          }
          break;
        case MsgType::Error:
          throw_broker_error(*frame);
        default:
          break;
      }
    }
    return std::nullopt;
  };
  bool stdin_open = true;
  bool detaching = false;
  char buffer[16 * 1024];
  for (;;) {
    if (auto result = handle_frames()) return *result;
    pollfd fds[3] = {
        {broker.fd(), POLLIN, 0},
        {signals.fd(), POLLIN, 0},
        {0, static_cast<short>(stdin_open && !detaching && !keys_to_broker ? POLLIN : 0), 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw UserError(std::string("poll: ") + std::strerror(errno));
    }
    if (fds[1].revents & POLLIN) {
      while (const int sig = signals.next()) {
        if (sig == SIGWINCH) {
          const WindowSize now = terminal_size();
          broker.send_json(MsgType::Resize, {{"rows", now.rows}, {"cols", now.cols}});
        } else if (options.forward_signals_to > 0) {
          ::kill(options.forward_signals_to, sig);
        } else if (sig == SIGUSR1 || sig == SIGUSR2) {
          continue;  // not ours to act on
        } else {
          return {128 + sig, 0};  // the client was told to stop; the session goes on
        }
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const bool open = broker.read_some();
      if (auto result = handle_frames()) return *result;
      if (!open) throw UserError("lost the connection to the broker");
    }
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t got = ::read(0, buffer, sizeof buffer);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        stdin_open = false;  // input ended; keep showing output until the session ends
        continue;
      }
      std::string_view input(buffer, static_cast<std::size_t>(got));
      const auto key = interactive && options.detach_key ? input.find(*options.detach_key)
                                                         : std::string_view::npos;
      if (key != std::string_view::npos) {
        if (key > 0) broker.send(MsgType::Input, input.substr(0, key));
        broker.send_json(MsgType::Detach, nlohmann::json::object());
        detaching = true;
      } else {
        broker.send(MsgType::Input, input);
      }
    }
  }
}

}  // namespace pyattach
