// `pyattach run` in pipe mode without a C library (fast_run.hpp). What it writes and does
// is what command_run.cpp and launch_request.cpp do; the conformance suite runs its
// pipe and mixed cases through both.
#include "freestanding_memory.hpp"
// (first: see there)

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "broker_socket.hpp"
#include "exit_report.hpp"
#include "fast_run.hpp"
#include "freestanding_text.hpp"
#include "json_writer.hpp"
#include "linux_syscalls.hpp"
#include "reply_reader.hpp"

namespace pyattach {

namespace {

constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
// The request is built in a mapping this large: the size of frame.hpp's kMaxFramePayload,
// touched only as far as it is written.
constexpr unsigned long kRequestCapacity = kMaxFramePayload;

// `spelling` split at commas, blanks around each part trimmed, empty parts dropped: the
// client's preload_list(). False if a part has `bad` characters in it.
bool write_list(JsonWriter& json, const char* spelling, const char* bad) {
  json.raw("[");
  bool first = true;
  for (const char* part = spelling; *part != '\0';) {
    const char* end = part;
    while (*end != '\0' && *end != ',') ++end;
    const char* from = part;
    const char* to = end;
    while (from < to && (*from == ' ' || *from == '\t')) ++from;
    while (to > from && (to[-1] == ' ' || to[-1] == '\t')) --to;
    for (const char* c = from; c < to; ++c)
      for (const char* b = bad; *b != '\0'; ++b)
        if (*c == *b) return false;
    if (to > from) {
      if (!first) json.raw(",");
      first = false;
      json.string(from, static_cast<unsigned long>(to - from));
    }
    part = *end == ',' ? end + 1 : end;
  }
  json.raw("]");
  return true;
}

bool is_terminal(int fd) {
  termios modes;
  return sys::call(__NR_ioctl, fd, TCGETS, &modes) == 0;
}

// Adds the caller's fds from 3 up that have no close-on-exec, which python3 would inherit
// (caller_fds.cpp), in ascending order. False if they cannot be listed or are more than a
// request may pass: the client then does it, or says why not.
bool add_inherited_fds(PassedFds& passed) {
  const int directory = static_cast<int>(
      sys::call(__NR_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory < 0) return false;
  struct Entry {  // linux_dirent64
    unsigned long inode;
    long offset;
    unsigned short size;
    unsigned char type;
    char name[1];
  };
  alignas(Entry) char entries[4096];
  bool listed = true;
  const int stdio = passed.count;
  for (;;) {
    const long got = sys::call(__NR_getdents64, directory, entries, sizeof entries);
    if (got <= 0) {
      listed = got == 0;
      break;
    }
    for (long at = 0; at < got;) {
      const auto* entry = reinterpret_cast<const Entry*>(entries + at);
      at += entry->size;
      int fd = 0;
      for (const char* digit = entry->name; *digit >= '0' && *digit <= '9'; ++digit)
        fd = fd * 10 + (*digit - '0');
      if (fd <= 2 || fd == directory) continue;  // and "." and ".."
      const long flags = sys::call(__NR_fcntl, fd, F_GETFD);
      if (flags < 0 || (flags & FD_CLOEXEC)) continue;
      if (passed.count - stdio == static_cast<int>(kMaxInheritedFds)) {  // as the broker counts
        listed = false;
        break;
      }
      int i = passed.count++;  // the kernel lists them in order; a sort, to be sure
      for (; i > 0 && passed.fds[i - 1] > fd; --i) passed.fds[i] = passed.fds[i - 1];
      passed.fds[i] = fd;
    }
    if (!listed) break;
  }
  sys::close(directory);
  return listed;
}

// The Run request of `pyattach run --python P --preload M -- ARGS` (launch_request.cpp),
// or false where the client's own code is needed.
bool write_request(JsonWriter& json, const RunProfile& profile, char* const* args, int count,
                   char** envp, const char* status_to, unsigned long status_to_size,
                   const PassedFds& passed) {
  json.raw("{");
  if (status_to_size > 0) {
    json.raw("\"status_to\":");
    json.string(status_to, status_to_size);
    json.raw(",");
  }
  int stdio = 0;  // passed is ascending: the open ones of 0, 1, 2 first
  while (stdio < passed.count && passed.fds[stdio] <= 2) ++stdio;
  if (stdio < 3) {  // those not passed, which the caller did not have open
    json.raw("\"stdio_closed\":[");
    bool first = true;
    for (int fd = 0, i = 0; fd <= 2; ++fd) {
      if (i < stdio && passed.fds[i] == fd) {
        ++i;
        continue;
      }
      if (!first) json.raw(",");
      first = false;
      json.number(static_cast<unsigned long>(fd));
    }
    json.raw("],");
  }
  if (stdio < passed.count) {
    json.raw("\"inherited_fds\":[");
    for (int i = stdio; i < passed.count; ++i) {
      if (i > stdio) json.raw(",");
      json.number(static_cast<unsigned long>(passed.fds[i]));
    }
    json.raw("],");
  }
  json.raw("\"python\":");
  json.string(profile.python);
  json.raw(",\"flags\":[],\"preload\":");
  write_list(json, profile.preload, "");
  json.raw(",\"key_env\":");
  if (!write_list(json, env_value(envp, "PYATTACH_KEY_ENV"), "= ")) return false;
  const char* mode = env_value(envp, "PYATTACH_MODE");
  if (*mode == '\0') mode = "fork";
  if (!equals(mode, "fork") && !equals(mode, "spawn")) return false;
  json.raw(",\"mode\":");
  json.string(mode);
  const char* pool = env_value(envp, "PYATTACH_POOL");
  unsigned long pool_size = 2;
  if (*pool != '\0') {
    pool_size = 0;
    for (const char* digit = pool; *digit != '\0'; ++digit) {
      if (*digit < '0' || *digit > '9' || digit - pool >= 2) return false;
      pool_size = pool_size * 10 + static_cast<unsigned long>(*digit - '0');
    }
    if (pool_size > 64) return false;
  }
  json.raw(",\"pool\":");
  json.number(pool_size);
  json.raw(",\"env\":{");
  bool first = true;
  for (char** entry = envp; *entry != nullptr; ++entry) {
    const char* equals_sign = *entry;
    while (*equals_sign != '\0' && *equals_sign != '=') ++equals_sign;
    if (*equals_sign != '=') continue;  // not NAME=VALUE: the client skips it too
    if (!first) json.raw(",");
    first = false;
    json.string(*entry, static_cast<unsigned long>(equals_sign - *entry));
    json.raw(":");
    json.string(equals_sign + 1);
  }
  json.raw("},\"name\":\"\",\"argv\":[");
  for (int i = 0; i < count; ++i) {
    if (i > 0) json.raw(",");
    json.string(args[i]);
  }
  char cwd[4096];
  if (sys::call(__NR_getcwd, cwd, sizeof cwd) <= 0) return false;
  json.raw("],\"cwd\":");
  json.string(cwd);
  const long mask = sys::call(__NR_umask, 022);
  sys::call(__NR_umask, mask);
  json.raw(",\"umask\":");
  json.number(static_cast<unsigned long>(mask));
  winsize size{24, 80, 0, 0};  // WindowSize's default, when no stdio is a terminal
  for (int fd = 0; fd <= 2; ++fd) {
    winsize found{};
    if (sys::call(__NR_ioctl, fd, TIOCGWINSZ, &found) == 0 && found.ws_row != 0 &&
        found.ws_col != 0) {
      size = found;
      break;
    }
  }
  json.raw(",\"rows\":");
  json.number(size.ws_row);
  json.raw(",\"cols\":");
  json.number(size.ws_col);
  json.raw("}");
  return !json.failed();
}

// The caller's own socket for the program's exit status, bound to an abstract name the
// kernel picks and written into `name` (attach/status_socket.hpp says why); -1 if there is
// none. It may take the number of a closed stdin: that one is not passed (stdio_closed).
int bind_status_socket(char (&name)[108], unsigned long& name_size) {
  const int fd = static_cast<int>(sys::call(__NR_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd < 0) return -1;
  const int on = 1;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socklen_t size = sizeof address;
  if (sys::call(__NR_setsockopt, fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0 ||
      sys::call(__NR_bind, fd, &address, sizeof(sa_family_t)) != 0 ||
      sys::call(__NR_getsockname, fd, &address, &size) != 0 || size <= sizeof(sa_family_t) + 1 ||
      address.sun_path[0] != '\0') {
    sys::close(fd);
    return -1;
  }
  name_size = size - sizeof(sa_family_t) - 1;
  for (unsigned long i = 0; i < name_size; ++i) name[i] = address.sun_path[i + 1];
  return fd;
}

// The exit status in one datagram on the status socket, if `program` sent it: the kernel
// names the sender (SO_PASSCRED). -1 otherwise.
long status_from(int status_socket, long program) {
  ExitReportBuffers buffers;
  const ExitReport report = decode_exit_report(
      buffers, sys::call(__NR_recvmsg, status_socket, &buffers.message, MSG_DONTWAIT));
  if (!report.valid || report.pid != program ||
      report.uid != static_cast<uid_t>(sys::call(__NR_geteuid)))
    return -1;
  return report.exit_code;
}

// Ends this process with the program's outcome (command_run.cpp's end_like): the same exit
// status, or death by the same signal.
[[noreturn]] void end_like(long status, long term_signal) {
  if (term_signal > 0 && term_signal < 64) {
    const rlimit no_core{0, 0};  // the program already dumped core if it was going to
    sys::call(__NR_prlimit64, 0, RLIMIT_CORE, &no_core, nullptr);
    struct {
      unsigned long handler, flags, restorer, mask;
    } default_action{0, 0, 0, 0};  // SIG_DFL
    sys::call(__NR_rt_sigaction, term_signal, &default_action, nullptr, 8);
    const unsigned long unblock = 1UL << (term_signal - 1);
    sys::call(__NR_rt_sigprocmask, SIG_UNBLOCK, &unblock, nullptr, 8);
    sys::call(__NR_kill, sys::call(__NR_getpid), term_signal);
  }
  sys::exit(static_cast<int>(status));
}

// Ctrl-Z stops the shell's whole job, but the program is in a process group of its own
// (command_run.cpp does the same): it is stopped (its own SIGTSTP handler runs, as under
// python3), then we are, so the shell has the job stopped; once continued, so is it.
void stop_with(long program) {
  sys::call(__NR_kill, -program, SIGTSTP);
  const unsigned long stop = 1UL << (SIGTSTP - 1);
  sys::call(__NR_rt_sigprocmask, SIG_UNBLOCK, &stop, nullptr, 8);
  sys::call(__NR_kill, sys::call(__NR_getpid), SIGTSTP);  // returns once continued (fg, bg)
  sys::call(__NR_rt_sigprocmask, SIG_BLOCK, &stop, nullptr, 8);
  sys::call(__NR_kill, -program, SIGCONT);
}

// The program has the caller's stdio; wait for its status and pass signals on.
[[noreturn]] void wait_for_program(ReplyReader& replies, int socket, int status_socket, long pid,
                                   unsigned long forwarded) {
  const int signals =
      static_cast<int>(sys::call(__NR_signalfd4, -1, &forwarded, 8, SFD_CLOEXEC | SFD_NONBLOCK));
  for (;;) {
    ReplyReader::Reply reply;
    while (replies.next(reply)) {
      if (reply.type != MsgType::Exit) continue;
      if (json_top_level_string_is(reply.payload, reply.size, "reason", "server-exit"))
        fail("the broker shut down", "");
      end_like(json_top_level_number(reply.payload, reply.size, "status", 1),
               json_top_level_number(reply.payload, reply.size, "signal", 0));
    }
    pollfd fds[3] = {{socket, POLLIN, 0}, {signals, POLLIN, 0}, {status_socket, POLLIN, 0}};
    sys::call(__NR_poll, fds, 3, -1);  // negative fds are skipped
    if (fds[2].revents & POLLIN)
      if (const long status = status_from(status_socket, pid); status >= 0) end_like(status, 0);
    if (signals >= 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo info{};
      while (sys::read(signals, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGTSTP) {
          stop_with(pid);
        } else {
          sys::call(__NR_kill, pid, info.ssi_signo);
        }
      }
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !replies.read_some())
      fail("lost the connection to the broker while the program ran", "");
  }
}

}  // namespace

bool run_fast(const RunProfile& profile, char* const* args, int count, char** envp) {
  // Only a script (no interpreter option, -m, -c or -) with stdio not all on a terminal.
  if (count < 1 || args[0][0] == '-' || (is_terminal(0) && is_terminal(1) && is_terminal(2)))
    return false;
  // The caller's stdin, stdout and stderr that are open, found before this opens anything
  // (which would take a closed one's number); the program has the others closed.
  PassedFds passed{{}, 0};
  for (int fd = 0; fd <= 2; ++fd)
    if (sys::call(__NR_fcntl, fd, F_GETFD) != -EBADF) passed.fds[passed.count++] = fd;
  if (!add_inherited_fds(passed)) return false;
  void* memory = reinterpret_cast<void*>(sys::call(__NR_mmap, nullptr, kRequestCapacity,
                                                   PROT_READ | PROT_WRITE,
                                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (reinterpret_cast<unsigned long>(memory) > -4096UL) return false;
  char status_to[108];
  unsigned long status_to_size = 0;
  const int status_socket = bind_status_socket(status_to, status_to_size);
  JsonWriter request(static_cast<char*>(memory), kRequestCapacity);
  const int socket =
      write_request(request, profile, args, count, envp, status_to, status_to_size, passed)
          ? connect_to_broker(envp)
          : -1;
  const auto hand_back = [&] {
    if (status_socket >= 0) sys::close(status_socket);
    sys::call(__NR_munmap, memory, kRequestCapacity);
    return false;
  };
  if (socket < 0) return hand_back();

  // Blocked from here on: a signal that arrives before the program exists is passed on
  // once it does, instead of killing us and orphaning it.
  unsigned long forwarded = 0, signal_mask = 0;
  for (int sig : kForwardedSignals) forwarded |= 1UL << (sig - 1);
  forwarded |= 1UL << (SIGTSTP - 1);  // Ctrl-Z: stop_with()
  sys::call(__NR_rt_sigprocmask, SIG_BLOCK, &forwarded, &signal_mask, 8);
  char reply_buffer[16 * 1024];  // more than any reply to a Run
  ReplyReader replies(socket, reply_buffer, sizeof reply_buffer);
  ReplyReader::Reply reply;
  // The broker refuses a request before it starts anything: until then the client can
  // take over and word what went wrong.
  bool refused = !greeted(socket, MsgType::Run, request, passed, replies);
  if (!refused) {
    if (!receive(replies, reply)) fail("the broker closed the connection", "");
    refused = reply.type == MsgType::Error;
    if (refused) sys::close(socket);
  }
  if (refused) {
    sys::call(__NR_rt_sigprocmask, SIG_SETMASK, &signal_mask, nullptr, 8);
    return hand_back();
  }
  if (reply.type != MsgType::SessionStarted)
    fail("protocol error: expected SessionStarted from the broker", "");
  const long pid = json_top_level_number(reply.payload, reply.size, "pid", 0);
  if (pid <= 0) fail("protocol error: the broker's answer names no program", "");
  // The program has its own copies: ours would keep, say, a pipe's reader from seeing EOF
  // when the program closes its end, as it would under python3.
  for (int i = 0; i < passed.count; ++i)
    if (passed.fds[i] > 2) sys::close(passed.fds[i]);
  wait_for_program(replies, socket, status_socket, pid, forwarded);
}

}  // namespace pyattach
