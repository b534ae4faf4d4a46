// Talking to the broker without a C library (broker_socket.hpp).
#include "freestanding_memory.hpp"
// (first: see there)

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "broker_socket.hpp"
#include "freestanding_text.hpp"
#include "json_writer.hpp"

namespace pyattach {

namespace {

void put_header(char* out, MsgType type, unsigned long size) {
  const unsigned long values[] = {static_cast<unsigned long>(type), size};
  for (int v = 0; v < 2; ++v)
    for (int byte = 0; byte < 4; ++byte)
      out[v * 4 + byte] = static_cast<char>((values[v] >> (8 * byte)) & 0xff);
}

}  // namespace

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

bool send_first_request(int socket, MsgType type, const JsonWriter& request,
                        const PassedFds& passed) {
  static constexpr char kHello[] = "{\"version\":1}";
  static_assert(kProtocolVersion == 1);
  char head[2 * kFrameHeaderSize + sizeof kHello - 1];
  put_header(head, MsgType::Hello, sizeof kHello - 1);
  for (unsigned long i = 0; i < sizeof kHello - 1; ++i) head[kFrameHeaderSize + i] = kHello[i];
  put_header(head + kFrameHeaderSize + sizeof kHello - 1, type, request.size());
  iovec iov{head, sizeof head};
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxPassedFds * sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  if (passed.count > 0) {
    const unsigned long size = static_cast<unsigned long>(passed.count) * sizeof(int);
    message.msg_control = control;
    message.msg_controllen = CMSG_SPACE(size);
    cmsghdr* rights = CMSG_FIRSTHDR(&message);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(size);
    memcpy(CMSG_DATA(rights), passed.fds, size);
  }
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

bool receive(ReplyReader& replies, ReplyReader::Reply& reply) {
  while (!replies.next(reply))
    if (!replies.read_some()) return false;
  return true;
}

bool greeted(int socket, MsgType type, const JsonWriter& request, const PassedFds& passed,
             ReplyReader& replies) {
  ReplyReader::Reply reply;
  if (send_first_request(socket, type, request, passed) && receive(replies, reply) &&
      reply.type == MsgType::Hello)
    return true;
  sys::close(socket);  // gone before it read the request (on its way out), or refused us
  return false;
}

}  // namespace pyattach
