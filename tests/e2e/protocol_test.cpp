// The broker facing bad peers: garbage, oversized frames, skipped hellos and other users
// each get an error and a closed connection, and the broker goes on serving.

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <utility>

#include "broker_test.hpp"
#include "fd_passing.hpp"
#include "frame.hpp"
#include "runtime_dir.hpp"

namespace pyattach::e2e {
namespace {

class ProtocolTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    ASSERT_TRUE(new_detached("keep", "interactive.py"));  // a session that must survive
  }

  UniqueFd connect_raw() const {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = broker_socket_path(dir());
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_EQ(::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
        << std::strerror(errno);
    timeval timeout{20, 0};
    ::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return socket;
  }

  // Everything the broker sends until it closes the connection, as frames.
  static std::vector<Frame> read_until_closed(int socket) {
    FrameDecoder decoder;
    std::vector<Frame> frames;
    char buffer[4096];
    ssize_t got;
    while ((got = ::read(socket, buffer, sizeof buffer)) > 0) {
      decoder.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
      Frame frame;
      while (decoder.next(frame) == FrameDecoder::Status::Frame) frames.push_back(frame);
    }
    EXPECT_EQ(got, 0) << "the broker should close the connection, not time out";
    return frames;
  }

  static std::string error_of(const std::vector<Frame>& frames) {
    for (const auto& frame : frames)
      if (frame.type == MsgType::Error)
        return nlohmann::json::parse(frame.payload).at("message").get<std::string>();
    return "";
  }

  void expect_broker_and_session_fine() const {
    EXPECT_TRUE(broker_still_serving());
    const auto keep = session_entry("keep");
    ASSERT_TRUE(keep);
    EXPECT_EQ((*keep)["state"], "running");
  }
};

TEST_F(ProtocolTest, GarbageGetsAnErrorAndAClosedConnection) {
  const UniqueFd socket = connect_raw();
  const std::string garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(socket.get(), garbage.data(), garbage.size()),
            static_cast<ssize_t>(garbage.size()));
  const auto error = error_of(read_until_closed(socket.get()));
  EXPECT_NE(error.find("malformed message"), std::string::npos) << error;
  expect_broker_and_session_fine();
}

TEST_F(ProtocolTest, AnOversizedFrameIsRefusedWithoutReadingIt) {
  const UniqueFd socket = connect_raw();
  std::string header = encode_frame(MsgType::Hello, "");
  header[4] = header[5] = header[6] = '\xff';
  header[7] = '\x7f';
  ASSERT_EQ(::write(socket.get(), header.data(), header.size()), 8);
  const auto error = error_of(read_until_closed(socket.get()));
  EXPECT_NE(error.find("exceeds the limit"), std::string::npos) << error;
  expect_broker_and_session_fine();
}

TEST_F(ProtocolTest, RequestsBeforeHelloAndMalformedJsonAreRefused) {
  {
    const UniqueFd socket = connect_raw();
    const std::string frame = encode_frame(MsgType::List, "{}");
    ASSERT_EQ(::write(socket.get(), frame.data(), frame.size()),
              static_cast<ssize_t>(frame.size()));
    EXPECT_NE(error_of(read_until_closed(socket.get())).find("expected Hello"), std::string::npos);
  }
  {
    const UniqueFd socket = connect_raw();
    const std::string frames = encode_frame(MsgType::Hello, R"({"version":1})") +
                               encode_frame(MsgType::Attach, R"({"target":)");
    ASSERT_EQ(::write(socket.get(), frames.data(), frames.size()),
              static_cast<ssize_t>(frames.size()));
    EXPECT_NE(error_of(read_until_closed(socket.get())).find("malformed Attach"),
              std::string::npos);
  }
  {
    const UniqueFd socket = connect_raw();
    const std::string frames = encode_frame(MsgType::Hello, R"({"version":1})") +
                               encode_frame(MsgType::NewSession, R"({"python":7})");
    ASSERT_EQ(::write(socket.get(), frames.data(), frames.size()),
              static_cast<ssize_t>(frames.size()));
    EXPECT_NE(error_of(read_until_closed(socket.get())).find("malformed NewSession"),
              std::string::npos);
  }
  expect_broker_and_session_fine();
}

// A request goes straight to a pooled child, which could only end with status 1: what no
// child can be given is refused by the broker with a message.
TEST_F(ProtocolTest, ALaunchNoChildCouldBeGivenIsRefused) {
  const struct {
    const char* fields;
    const char* error;
    bool run_only = false;  // "status_to" is a Run field; a session has no use for it
  } cases[] = {
      {R"("cwd":"/","env":{"A=B":"x"},"argv":["-c","pass"])", "environment variable names"},
      {R"("cwd":"/","env":{"":"x"},"argv":["-c","pass"])", "environment variable names"},
      {R"("cwd":"/","env":{"A":"x\u0000y"},"argv":["-c","pass"])", "environment variable names"},
      {R"("cwd":"tmp","env":{},"argv":["-c","pass"])", "absolute path"},
      {R"("cwd":"/","env":{},"argv":["-c","pa\u0000ss"])", "NUL byte"},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"umask":4096)", "umask"},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"status_to":7)", "status_to", true},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"status_to":"")", "status_to", true},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"status_to":"a\u0000")", "status_to", true},
      // Three fds come with each of these Run requests.
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"stdio_closed":[1,1])", "stdio_closed", true},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"stdio_closed":[2,0])", "stdio_closed", true},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"stdio_closed":[3])", "stdio_closed", true},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"stdio_closed":"0")", "malformed Run", true},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"stdio_closed":[1])", "attached", true},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"inherited_fds":[3,3])", "inherited_fds"},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"inherited_fds":[4,3])", "inherited_fds"},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"inherited_fds":[2])", "inherited_fds"},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"inherited_fds":"3")", "malformed"},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"undecodable":5)", "undecodable"},
      // Refused by the zygote, which decodes them: the caller hears its reason.
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"undecodable":{"argv":{"7":"ff"}})",
       "undecodable"},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"undecodable":{"cwd":"zz"})", "undecodable"},
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"undecodable":{"env":{"41":"6100"}})",
       "undecodable"},
      // Named, but not attached: a Run request has only its stdio with it, NewSession none.
      {R"("cwd":"/","env":{},"argv":["-c","pass"],"inherited_fds":[3])", "attached"},
  };
  for (const auto& bad : cases) {
    for (const auto type : {MsgType::NewSession, MsgType::Run}) {
      if (bad.run_only && type != MsgType::Run) continue;
      SCOPED_TRACE(std::string(msg_type_name(type)) + " " + bad.fields);
      const UniqueFd socket = connect_raw();
      const std::string request =
          std::string(R"({"python":"python3","preload":[],)") + bad.fields + "}";
      const std::string frames =
          encode_frame(MsgType::Hello, R"({"version":1})") + encode_frame(type, request);
      int devnull[3];
      for (int& fd : devnull) fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
      // A Run request carries the caller's stdio (SCM_RIGHTS) with its frame.
      ASSERT_TRUE(type == MsgType::NewSession
                      ? ::write(socket.get(), frames.data(), frames.size()) ==
                            static_cast<ssize_t>(frames.size())
                      : send_with_fds(socket.get(), frames, {devnull[0], devnull[1], devnull[2]}));
      for (int fd : devnull) ::close(fd);
      EXPECT_NE(error_of(read_until_closed(socket.get())).find(bad.error), std::string::npos);
    }
  }
  expect_broker_and_session_fine();
}

TEST_F(ProtocolTest, ListWithFieldsAnswersRowsInThatOrder) {
  {
    const UniqueFd socket = connect_raw();
    const std::string frames =
        encode_frame(MsgType::Hello, R"({"version":1})") +
        encode_frame(MsgType::List, R"({"fields":["name","no such field","state"]})");
    ASSERT_EQ(::write(socket.get(), frames.data(), frames.size()),
              static_cast<ssize_t>(frames.size()));
    ::shutdown(socket.get(), SHUT_WR);
    nlohmann::json reply;
    for (const auto& frame : read_until_closed(socket.get()))
      if (frame.type == MsgType::ListReply) reply = nlohmann::json::parse(frame.payload);
    EXPECT_EQ(reply, nlohmann::json::parse(R"({"rows":[["keep",null,"running"]]})"));
  }
  {
    const UniqueFd socket = connect_raw();
    const nlohmann::json request = {{"fields", std::vector<std::string>(65, "id")}};
    const std::string frames = encode_frame(MsgType::Hello, R"({"version":1})") +
                               encode_frame(MsgType::List, request.dump());
    ASSERT_EQ(::write(socket.get(), frames.data(), frames.size()),
              static_cast<ssize_t>(frames.size()));
    EXPECT_NE(error_of(read_until_closed(socket.get())).find("at most 64 fields"),
              std::string::npos);
  }
  expect_broker_and_session_fine();
}

// The table `pyattach ls` prints (ls_table_test.cpp compares it with `ls --json`).
TEST_F(ProtocolTest, ListWithTableAnswersTheTextLsPrints) {
  // The replies to a List request with this payload, or the error it got.
  const auto list = [this](const std::string& request) {
    const UniqueFd socket = connect_raw();
    const std::string frames =
        encode_frame(MsgType::Hello, R"({"version":1})") + encode_frame(MsgType::List, request);
    EXPECT_EQ(::write(socket.get(), frames.data(), frames.size()),
              static_cast<ssize_t>(frames.size()));
    ::shutdown(socket.get(), SHUT_WR);
    const auto frames_read = read_until_closed(socket.get());
    nlohmann::json reply;
    for (const auto& frame : frames_read)
      if (frame.type == MsgType::ListReply) reply = nlohmann::json::parse(frame.payload);
    return std::make_pair(reply, error_of(frames_read));
  };
  const std::regex table(
      "ID +NAME +PID +STATE +CLIENTS +PSS +USS +AGE +COMMAND\n"
      "1 +keep +[1-9]\\d* +running +0 +\\S+ +\\S+ +\\d+s +\\S+/interactive\\.py\n");
  for (const char* request : {R"({"table":true})", R"({"table":true,"fields":["id"]})"}) {
    SCOPED_TRACE(request);
    const auto [reply, error] = list(request);
    EXPECT_EQ(error, "");
    ASSERT_EQ(reply.size(), 1u) << reply;
    ASSERT_TRUE(reply.contains("table") && reply["table"].is_string()) << reply;
    EXPECT_TRUE(std::regex_match(reply["table"].get<std::string>(), table)) << reply;
  }
  // false is as if there were no "table"; anything but a boolean is refused.
  EXPECT_TRUE(list(R"({"table":false})").first.contains("sessions"));
  EXPECT_EQ(list(R"({"table":false,"fields":["name"]})").first,
            nlohmann::json::parse(R"({"rows":[["keep"]]})"));
  for (const char* request : {R"({"table":1})", R"({"table":"true"})", R"({"table":null})"}) {
    SCOPED_TRACE(request);
    const auto [reply, error] = list(request);
    EXPECT_TRUE(reply.is_null()) << reply;
    EXPECT_NE(error.find("malformed List"), std::string::npos) << error;
  }
  expect_broker_and_session_fine();
}

TEST_F(ProtocolTest, AnotherUserIsRefusedByThePeerCheck) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "needs setpriv";
  // Open the directory and socket so that only the broker's own check stands in the way.
  ASSERT_EQ(::chmod(dir().c_str(), 0711), 0);
  ASSERT_EQ(::chmod(broker_socket_path(dir()).c_str(), 0666), 0);
  const std::string client = R"(
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
body = b'{"version":1}'
try:
    s.sendall(struct.pack('<II', 1, len(body)) + body)
except BrokenPipeError:
    pass  # refused before our hello was read: the error is waiting for us anyway
data = b''
while chunk := s.recv(4096):
    data += chunk
sys.stdout.write(data[8:].decode())
)";
  const auto result =
      run_command({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   "/usr/bin/python3", "-c", client, broker_socket_path(dir())},
                  env(), CommandOptions{});
  ::chmod(dir().c_str(), 0700);
  EXPECT_NE(result.out.find("permission denied"), std::string::npos) << result.describe();
  expect_broker_and_session_fine();
}

}  // namespace
}  // namespace pyattach::e2e
