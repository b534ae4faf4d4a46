// The `ls` table (session_table.hpp): the exact text for each state a session can be in.

#include "session_table.hpp"

#include <gtest/gtest.h>

namespace pyattach {
namespace {

TEST(SessionTableTest, EveryStateAndValueAsLsPrintsIt) {
  // id, name, pid, state, status, signal, clients, pss_kb, uss_kb, age_s, command, log_error
  ASSERT_EQ(session_table_fields(),
            (std::vector<std::string>{"id", "name", "pid", "state", "status", "signal", "clients",
                                      "pss_kb", "uss_kb", "age_s", "command", "log_error"}));
  const auto rows = nlohmann::json::parse(R"([
    [1, "job", 4242, "running", null, null, 1, 2560, 2355, 75.0, ["job.py", "a b"], null],
    [2, "two", 0, "running", null, null, 0, null, null, 0.4, [], null],
    [3, "three", 43, "exited", 3, null, 0, null, null, 4000.0, ["x"], "disk full"],
    [4, "k", 44, "killed", null, "SIGTERM", 0, 900, 1572864, 90000.0, ["it's", "$HOME", "", "-c"],
     null],
    [5, "f", 0, "failed", 1, null, 0, null, null, 1.0, ["y"], null]
  ])");
  EXPECT_EQ(
      session_table(rows),
      "ID  NAME   PID   STATE                 CLIENTS  PSS   USS   AGE  COMMAND\n"
      "1   job    4242  running               1        2.5M  2.3M  1m   job.py 'a b'\n"
      "2   two    0     starting              0        -     -     0s   (interactive)\n"
      "3   three  43    exited 3, log failed  0        -     -     1h   x\n"
      "4   k      44    killed SIGTERM        0        900K  1.5G  1d   'it's' '$HOME' '' -c\n"
      "5   f      0     failed                0        -     -     1s   y\n");
}

TEST(SessionTableTest, NoSessionsIsTheHeaderAlone) {
  EXPECT_EQ(session_table(nlohmann::json::array()),
            "ID  NAME  PID  STATE  CLIENTS  PSS  USS  AGE  COMMAND\n");
}

}  // namespace
}  // namespace pyattach
