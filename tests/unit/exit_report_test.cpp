// A program's exit report as the broker, `run` and the client's fast path read it
// (libpty/exit_report.hpp): the status as the kernel would keep it, and the sender the
// kernel names.

#include "exit_report.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace pyattach {
namespace {

std::optional<ExitReport> report_of(const std::string& text) {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM, 0, fds), 0);
  const int on = 1;
  EXPECT_EQ(::setsockopt(fds[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on), 0);
  EXPECT_EQ(::send(fds[1], text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
  auto report = read_exit_report(fds[0]);
  ::close(fds[0]);
  ::close(fds[1]);
  return report;
}

TEST(ExitReport, StatusesReadAsTheKernelKeepsThem) {
  for (const auto& [text, code] :
       {std::pair{"0", 0}, {"3", 3}, {"255", 255}, {"256", 0}, {"-1", 255}, {"1000000000", 0}}) {
    const auto report = report_of(text);
    ASSERT_TRUE(report) << text;
    EXPECT_TRUE(report->valid) << text;
    EXPECT_EQ(report->exit_code, code) << text;
    EXPECT_EQ(report->pid, ::getpid());
    EXPECT_EQ(report->uid, ::geteuid());
  }
}

TEST(ExitReport, AnythingButADecimalIsNoStatus) {
  for (const char* text : {"-", "x", "3 ", "+3", "1.5", "123456789012"}) {
    const auto report = report_of(text);
    ASSERT_TRUE(report) << text;
    EXPECT_FALSE(report->valid) << text;
  }
}

}  // namespace
}  // namespace pyattach
