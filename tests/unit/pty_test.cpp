// PTY helpers, the raw-mode guard, fd passing and the peer check, on real kernel objects.

#include "pty.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fd_passing.hpp"
#include "peer.hpp"

namespace pyattach {
namespace {

TEST(Pty, OpensAPairWithTheRequestedSize) {
  std::string error;
  auto pty = open_pty({40, 120}, error);
  ASSERT_TRUE(pty) << error;
  EXPECT_TRUE(::isatty(pty->slave.get()));
  const auto size = get_window_size(pty->slave.get());
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, (WindowSize{40, 120}));
  ASSERT_TRUE(set_window_size(pty->master.get(), {10, 33}));
  EXPECT_EQ(get_window_size(pty->slave.get()), (WindowSize{10, 33}));
}

TEST(Pty, BytesFlowBothWays) {
  std::string error;
  auto pty = open_pty({24, 80}, error);
  ASSERT_TRUE(pty) << error;
  ASSERT_EQ(::write(pty->slave.get(), "out", 3), 3);
  char buffer[16];
  ASSERT_EQ(::read(pty->master.get(), buffer, sizeof buffer), 3);
  EXPECT_EQ(std::string(buffer, 3), "out");
}

TEST(RawModeGuard, EntersRawModeAndRestores) {
  std::string error;
  auto pty = open_pty({24, 80}, error);
  ASSERT_TRUE(pty) << error;
  termios before{};
  ASSERT_EQ(::tcgetattr(pty->slave.get(), &before), 0);
  ASSERT_TRUE(before.c_lflag & ICANON);
  {
    RawModeGuard raw(pty->slave.get());
    EXPECT_TRUE(raw.active());
    termios during{};
    ::tcgetattr(pty->slave.get(), &during);
    EXPECT_FALSE(during.c_lflag & (ICANON | ECHO | ISIG));
  }
  termios after{};
  ::tcgetattr(pty->slave.get(), &after);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(after.c_iflag, before.c_iflag);
}

TEST(RawModeGuard, DoesNothingOnANonTerminal) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  RawModeGuard raw(read_end.get());
  EXPECT_FALSE(raw.active());
}

TEST(FdPassing, ADescriptorArrivesAndWorks) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
  UniqueFd left(pair[0]), right(pair[1]);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  UniqueFd pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);

  ASSERT_TRUE(send_with_fds(left.get(), "{\"op\":\"x\"}", {pipe_write.get()}));
  pipe_write.reset();
  std::string data;
  std::vector<UniqueFd> fds;
  ASSERT_GT(receive_with_fds(right.get(), data, 1024, fds), 0);
  EXPECT_EQ(data, "{\"op\":\"x\"}");
  ASSERT_EQ(fds.size(), 1u);
  ASSERT_EQ(::write(fds[0].get(), "hi", 2), 2);
  fds.clear();  // last write end closed: the reader sees the bytes, then end of file
  char buffer[8];
  EXPECT_EQ(::read(pipe_read.get(), buffer, sizeof buffer), 2);
  EXPECT_EQ(::read(pipe_read.get(), buffer, sizeof buffer), 0);
}

TEST(FdPassing, ATruncatedMessageIsAnErrorAndItsFdsAreClosed) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
  UniqueFd left(pair[0]), right(pair[1]);
  ASSERT_TRUE(send_with_fds(left.get(), std::string(100, 'x'), {0}));
  std::string data;
  std::vector<UniqueFd> fds;
  EXPECT_EQ(receive_with_fds(right.get(), data, 10, fds), -1);
  EXPECT_EQ(errno, EMSGSIZE);
  EXPECT_TRUE(fds.empty());
}

// A peer that dies with datagrams of ours unread: the kernel reports ECONNRESET once, ahead
// of what the peer sent before dying (a killed zygote's last "spawned" and "exited").
TEST(FdPassing, WhatADeadPeerSentIsReadAfterItsReset) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  ASSERT_TRUE(send_with_fds(ours.get(), "unread by the peer", {}));
  ASSERT_TRUE(send_with_fds(theirs.get(), "first", {}));
  ASSERT_TRUE(send_with_fds(theirs.get(), "last words", {}));
  theirs.reset();
  std::string data;
  std::vector<UniqueFd> fds;
  EXPECT_EQ(receive_with_fds(ours.get(), data, 64, fds), 5) << std::strerror(errno);
  EXPECT_EQ(data, "first");
  EXPECT_EQ(receive_with_fds(ours.get(), data, 64, fds), 10) << std::strerror(errno);
  EXPECT_EQ(data, "last words");
  EXPECT_EQ(receive_with_fds(ours.get(), data, 64, fds), 0) << std::strerror(errno);
}

TEST(Peer, ReportsOurOwnUid) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  UniqueFd left(pair[0]), right(pair[1]);
  const auto cred = peer_credentials(left.get());
  ASSERT_TRUE(cred);
  EXPECT_EQ(cred->uid, ::geteuid());
  EXPECT_EQ(cred->pid, ::getpid());
  EXPECT_TRUE(peer_is_same_user(left.get()));
}

}  // namespace
}  // namespace pyattach
