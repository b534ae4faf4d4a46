// pyattach-starter: the executable `pyattach bundle` writes, a drop-in `python` pinned to
// one profile.
//
// Its common case, `STARTER script.py args` with a broker running and a pipe or a file
// among its stdio, is what `pyattach run` does in pipe mode (command_run.cpp), done
// without a C library: the caller's stdin, stdout and stderr go to the program, signals
// are passed on, and the starter ends the way the program ended. Everything else is
// handed to the full client as `pyattach run --python P --preload M -- ARGS`, by exec,
// before anything has started: interpreter options, -m, -c, a terminal on all three (a
// PTY session), no broker yet (the client starts one), any request the broker refuses
// (the client reports it), and whatever this program cannot write as the client would.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

#include "json_writer.hpp"
#include "linux_syscalls.hpp"
#include "reply_reader.hpp"
#include "starter_config.hpp"

// Filled in by `pyattach bundle` in the copy it writes (starter_config.hpp).
extern "C" {
__attribute__((used)) char pyattach_starter_config[pyattach::kStarterConfigSize] =
    PYATTACH_STARTER_MARKER;
}

namespace pyattach {

namespace {

constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
// The request is built in a mapping this large: the size of frame.hpp's kMaxFramePayload,
// touched only as far as it is written.
constexpr unsigned long kRequestCapacity = kMaxFramePayload;

struct Profile {
  const char* client;
  const char* python;
  const char* preload;
};

// The profile written after the marker; a field is null in the unwritten template.
Profile pinned_profile() {
  const char* config = pyattach_starter_config;
  asm("" : "+r"(config));  // written into the binary after the build: never constant-fold it
  const char* field = config + sizeof PYATTACH_STARTER_MARKER - 1;
  Profile profile{};
  const char** fields[] = {&profile.client, &profile.python, &profile.preload};
  for (const char** slot : fields) {
    if (*field == '\0' && slot != &profile.preload) return Profile{};
    *slot = field;
    while (*field != '\0') ++field;
    ++field;
  }
  return profile;
}

bool starts_with(const char* text, const char* prefix) {
  while (*prefix != '\0')
    if (*text++ != *prefix++) return false;
  return true;
}

bool equals(const char* a, const char* b) {
  return starts_with(a, b) && a[JsonWriter::length(b)] == '\0';
}

// The value of `name` in the environment, or "" (as the client's getenv-or-empty).
const char* env_value(char** envp, const char* name) {
  const unsigned long size = JsonWriter::length(name);
  for (char** entry = envp; *entry != nullptr; ++entry)
    if (starts_with(*entry, name) && (*entry)[size] == '=') return *entry + size + 1;
  return "";
}

[[noreturn]] void fail(const char* what, const char* detail) {
  const char* parts[] = {"pyattach: ", what, detail, "\n"};
  for (const char* part : parts) sys::write_all(2, part, JsonWriter::length(part));
  sys::exit(1);
}

// Hands the whole run to the full client, with the signal mask the starter started with.
[[noreturn]] void hand_to_client(const Profile& profile, int argc, char** argv, char** envp,
                                 unsigned long signal_mask) {
  sys::call(__NR_rt_sigprocmask, SIG_SETMASK, &signal_mask, nullptr, 8);
  const unsigned long count = 7 + static_cast<unsigned long>(argc);
  void* memory = reinterpret_cast<void*>(sys::call(__NR_mmap, nullptr, count * sizeof(char*),
                                                   PROT_READ | PROT_WRITE,
                                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (reinterpret_cast<unsigned long>(memory) > -4096UL) fail("out of memory", "");
  const char** args = static_cast<const char**>(memory);
  const char* head[] = {"pyattach",  "run",           "--python", profile.python,
                        "--preload", profile.preload, "--"};
  unsigned long n = 0;
  for (const char* word : head) args[n++] = word;
  for (int i = 1; i < argc; ++i) args[n++] = argv[i];
  args[n] = nullptr;
  sys::call(__NR_execve, profile.client, args, envp);
  fail("cannot run the client this starter was made with: ", profile.client);
}

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

// The Run request of `pyattach run --python P --preload M -- ARGS` (launch_request.cpp),
// or false where the client's own code is needed.
bool write_request(JsonWriter& json, const Profile& profile, int argc, char** argv, char** envp,
                   const char* status_to, unsigned long status_to_size) {
  json.raw("{");
  if (status_to_size > 0) {
    json.raw("\"status_to\":");
    json.string(status_to, status_to_size);
    json.raw(",");
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
  for (int i = 1; i < argc; ++i) {
    if (i > 1) json.raw(",");
    json.string(argv[i]);
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
// none (creating it failed, or it would have taken one of fds 0-2, which stdio keeps).
int bind_status_socket(char (&name)[108], unsigned long& name_size) {
  const int fd = static_cast<int>(sys::call(__NR_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd < 0) return -1;
  const int on = 1;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socklen_t size = sizeof address;
  if (fd <= 2 || sys::call(__NR_setsockopt, fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0 ||
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
  char text[16];
  iovec iov{text, sizeof text};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const long got = sys::call(__NR_recvmsg, status_socket, &message, MSG_DONTWAIT);
  const cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (got <= 0 || got > 3 || header == nullptr || header->cmsg_level != SOL_SOCKET ||
      header->cmsg_type != SCM_CREDENTIALS)
    return -1;
  ucred sender;
  __builtin_memcpy(&sender, CMSG_DATA(header), sizeof sender);
  if (sender.pid != program || sender.uid != static_cast<uid_t>(sys::call(__NR_geteuid))) return -1;
  long status = 0;
  for (long i = 0; i < got; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    status = status * 10 + (text[i] - '0');
  }
  return status <= 255 ? status : -1;
}

// A connection to the broker of this user's runtime directory (runtime_dir.cpp), if one
// is there and the directory is private; -1 otherwise.
int connect_to_broker(char** envp) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  JsonWriter path(address.sun_path, sizeof address.sun_path - 1);
  if (const char* dir = env_value(envp, "PYATTACH_DIR"); *dir != '\0') {
    path.raw(dir);
  } else if (const char* xdg = env_value(envp, "XDG_RUNTIME_DIR"); *xdg != '\0') {
    path.raw(xdg);
    path.raw("/pyattach");
  } else {
    path.raw("/tmp/pyattach-");
    path.number(static_cast<unsigned long>(sys::call(__NR_geteuid)));
  }
  if (path.failed()) return -1;
  struct stat dir {};
  if (sys::call(__NR_newfstatat, AT_FDCWD, address.sun_path, &dir, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISDIR(dir.st_mode) || dir.st_uid != static_cast<uid_t>(sys::call(__NR_geteuid)) ||
      (dir.st_mode & 077) != 0)
    return -1;  // missing or not private: the client creates it or says what is wrong
  path.raw("/broker.sock");
  if (path.failed()) return -1;
  const int fd = static_cast<int>(sys::call(__NR_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd < 0) return -1;
  if (sys::call(__NR_connect, fd, &address, sizeof address) != 0) {
    sys::close(fd);
    return -1;
  }
  return fd;
}

void put_header(char* out, MsgType type, unsigned long size) {
  const unsigned long values[] = {static_cast<unsigned long>(type), size};
  for (int v = 0; v < 2; ++v)
    for (int byte = 0; byte < 4; ++byte)
      out[v * 4 + byte] = static_cast<char>((values[v] >> (8 * byte)) & 0xff);
}

// Hello, then the request with the caller's stdin, stdout and stderr attached to its
// header (as BrokerClient::greeted does). False if the broker is gone.
bool send_request(int socket, const JsonWriter& request) {
  static constexpr char kHello[] = "{\"version\":1}";
  static_assert(kProtocolVersion == 1);
  char head[2 * kFrameHeaderSize + sizeof kHello - 1];
  put_header(head, MsgType::Hello, sizeof kHello - 1);
  for (unsigned long i = 0; i < sizeof kHello - 1; ++i) head[kFrameHeaderSize + i] = kHello[i];
  put_header(head + kFrameHeaderSize + sizeof kHello - 1, MsgType::Run, request.size());
  iovec iov{head, sizeof head};
  alignas(cmsghdr) char control[CMSG_SPACE(3 * sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* rights = CMSG_FIRSTHDR(&message);
  rights->cmsg_level = SOL_SOCKET;
  rights->cmsg_type = SCM_RIGHTS;
  rights->cmsg_len = CMSG_LEN(3 * sizeof(int));
  const int stdio[] = {0, 1, 2};
  __builtin_memcpy(CMSG_DATA(rights), stdio, sizeof stdio);
  long sent;
  do {
    sent = sys::call(__NR_sendmsg, socket, &message, MSG_NOSIGNAL);
  } while (sent == -EINTR);
  if (sent != static_cast<long>(sizeof head)) return false;
  const char* rest = request.data();
  unsigned long left = request.size();
  while (left > 0) {
    sent = sys::call(__NR_sendto, socket, rest, left, MSG_NOSIGNAL, nullptr, 0);
    if (sent == -EINTR) continue;
    if (sent <= 0) return false;
    rest += sent;
    left -= static_cast<unsigned long>(sent);
  }
  return true;
}

// The next reply, reading as needed; false if the connection ends first.
bool receive(ReplyReader& replies, ReplyReader::Reply& reply) {
  while (!replies.next(reply))
    if (!replies.read_some()) return false;
  return true;
}

// Ends the starter with the program's outcome (command_run.cpp's end_like): the same exit
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
      while (sys::read(signals, &info, sizeof info) == sizeof info)
        sys::call(__NR_kill, pid, info.ssi_signo);
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !replies.read_some())
      fail("lost the connection to the broker while the program ran", "");
  }
}

}  // namespace

}  // namespace pyattach

extern "C" int starter_main(int argc, char** argv, char** envp) {
  using namespace pyattach;
  const Profile profile = pinned_profile();
  if (profile.client == nullptr)
    fail("this is the template `pyattach bundle` copies; run `pyattach bundle -o FILE`", "");
  unsigned long signal_mask = 0;
  sys::call(__NR_rt_sigprocmask, SIG_BLOCK, nullptr, &signal_mask, 8);
  // Only a script (no interpreter option, -m, -c or -) with stdio not all on a terminal.
  if (argc < 2 || argv[1][0] == '-' || (is_terminal(0) && is_terminal(1) && is_terminal(2)))
    hand_to_client(profile, argc, argv, envp, signal_mask);

  void* memory = reinterpret_cast<void*>(sys::call(__NR_mmap, nullptr, kRequestCapacity,
                                                   PROT_READ | PROT_WRITE,
                                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (reinterpret_cast<unsigned long>(memory) > -4096UL)
    hand_to_client(profile, argc, argv, envp, signal_mask);
  char status_to[108];
  unsigned long status_to_size = 0;
  const int status_socket = bind_status_socket(status_to, status_to_size);
  JsonWriter request(static_cast<char*>(memory), kRequestCapacity);
  if (!write_request(request, profile, argc, argv, envp, status_to, status_to_size))
    hand_to_client(profile, argc, argv, envp, signal_mask);
  const int socket = connect_to_broker(envp);
  if (socket < 0) hand_to_client(profile, argc, argv, envp, signal_mask);

  // Blocked from here on: a signal that arrives before the program exists is passed on
  // once it does, instead of killing us and orphaning it.
  unsigned long forwarded = 0;
  for (int sig : kForwardedSignals) forwarded |= 1UL << (sig - 1);
  sys::call(__NR_rt_sigprocmask, SIG_BLOCK, &forwarded, nullptr, 8);
  ReplyReader replies(socket);
  ReplyReader::Reply reply;
  // The broker answers Hello before it reads anything else, and refuses a request before
  // it starts anything: until then the client can take over and word what went wrong.
  if (!send_request(socket, request) || !receive(replies, reply) || reply.type != MsgType::Hello) {
    sys::close(socket);  // gone before it read the request (on its way out), or refused us
    hand_to_client(profile, argc, argv, envp, signal_mask);
  }
  if (!receive(replies, reply)) fail("the broker closed the connection", "");
  if (reply.type == MsgType::Error) {
    sys::close(socket);
    hand_to_client(profile, argc, argv, envp, signal_mask);
  }
  if (reply.type != MsgType::SessionStarted)
    fail("protocol error: expected SessionStarted from the broker", "");
  const long pid = json_top_level_number(reply.payload, reply.size, "pid", 0);
  if (pid <= 0) fail("protocol error: the broker's answer names no program", "");
  wait_for_program(replies, socket, status_socket, pid, forwarded);
}
