// The `pyattach run` command lines the client's fast path takes (starter/
// fast_run_command_line.hpp), checked against the client's own reading of them: each
// line the fast path takes must mean the same to it as to split_at_command and
// resolve_python, and everything else must be left to the client.
#if defined(__x86_64__)

#include "fast_run_command_line.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "launch_request.hpp"
#include "options.hpp"
#include "user_error.hpp"

namespace pyattach {
namespace {

struct Taken {
  std::optional<std::string> python, preload;
  std::vector<std::string> program;
};

std::optional<Taken> fast_reading(std::vector<std::string> words) {
  words.insert(words.begin(), "pyattach");
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  FastRunCommandLine line;
  if (!read_fast_run_command_line(static_cast<int>(argv.size()), argv.data(), line))
    return std::nullopt;
  Taken taken;
  if (line.python != nullptr) taken.python = line.python;
  if (line.preload != nullptr) taken.preload = line.preload;
  taken.program.assign(words.begin() + line.program, words.end());
  return taken;
}

// Where command_run.cpp's split puts the Python command line.
std::vector<std::string> client_program(const std::vector<std::string>& words) {
  const std::vector<std::string> args(words.begin() + 1, words.end());
  return split_at_command(args, run_option_names()).second;
}

TEST(FastRunCommandLine, TakesAScriptAfterPythonAndPreloadAsTheClientReadsThem) {
  const struct {
    std::vector<std::string> words;
    std::optional<std::string> python, preload;
  } cases[] = {
      {{"run", "s.py"}, {}, {}},
      {{"run", "s.py", "-c", "--python", "x"}, {}, {}},
      {{"run", "--", "s.py", "--preload", "y"}, {}, {}},
      {{"run", "--python", "/usr/bin/python3", "s.py"}, "/usr/bin/python3", {}},
      {{"run", "--python=python3", "--preload", "numpy,torch", "--", "s.py"},
       "python3",
       "numpy,torch"},
      {{"run", "--preload=", "s.py", "a b", ""}, {}, ""},
      {{"run", "--preload", "numpy", "", "x"}, {}, "numpy"},
  };
  for (const auto& c : cases) {
    const auto taken = fast_reading(c.words);
    ASSERT_TRUE(taken) << c.words[1];
    EXPECT_EQ(taken->python, c.python);
    EXPECT_EQ(taken->preload, c.preload);
    EXPECT_EQ(taken->program, client_program(c.words));
  }
}

TEST(FastRunCommandLine, LeavesEverythingElseToTheClient) {
  const std::vector<std::vector<std::string>> lines = {
      {"run"},
      {"ls"},
      {"new", "s.py"},
      {"run", "-c", "print(1)"},
      {"run", "-m", "http.server"},
      {"run", "-u", "s.py"},
      {"run", "-"},
      {"run", "--", "-c", "x"},
      {"run", "--help"},
      {"run", "--python"},
      {"run", "--python", "--", "s.py"},
      {"run", "--python", "a", "--python", "b", "s.py"},
      {"run", "--pythonx", "s.py"},
      {"run", "--preload", "numpy"},
      {"run", "--mode", "spawn", "s.py"},
      {"run", "--pool=3", "s.py"},
      {"run", "--key-env", "V", "s.py"},
      {"run", "--detach-key", "^X", "s.py"},
      {"run", "--python", "p", "--"},
  };
  for (const auto& words : lines)
    EXPECT_FALSE(fast_reading(words)) << ::testing::PrintToString(words);
}

class FindPython : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fast-python-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    for (const char* dir : {"a", "b", "c"}) std::filesystem::create_directory(root_ / dir);
    executable(root_ / "b" / "py");
    std::ofstream(root_ / "a" / "py") << "not executable\n";
    std::filesystem::create_directory(root_ / "c" / "py");  // a directory, not a file
    std::filesystem::create_symlink(root_ / "b" / "py", root_ / "c" / "link");
    const char* path = std::getenv("PATH");
    saved_path_ = path != nullptr ? std::optional<std::string>(path) : std::nullopt;
  }
  void TearDown() override {
    if (saved_path_) ::setenv("PATH", saved_path_->c_str(), 1);
    std::filesystem::remove_all(root_);
  }
  static void executable(const std::filesystem::path& file) {
    std::ofstream(file) << "#!/bin/sh\n";
    std::filesystem::permissions(file, std::filesystem::perms::owner_all);
  }

  // find_python()'s answer with PATH set to `path` (unset if nullopt), checked against
  // resolve_python()'s: the same interpreter whenever it answers at all, and an answer
  // wherever `expect_fast`.
  void check(const std::optional<std::string>& path, const char* requested, bool expect_fast) {
    std::vector<std::string> env_storage;
    if (path) {
      env_storage.push_back("PATH=" + *path);
      ::setenv("PATH", path->c_str(), 1);
    } else {
      ::unsetenv("PATH");
    }
    std::vector<char*> envp;
    for (auto& entry : env_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);
    char found[4096];
    const bool fast = find_python(requested, envp.data(), found, sizeof found);
    const std::string where =
        std::string(requested ? requested : "(default)") + " with PATH=" + path.value_or("(unset)");
    EXPECT_EQ(fast, expect_fast) << where;
    if (!fast) return;
    std::optional<std::string> client;
    try {
      client = resolve_python(requested ? requested : "python3");
    } catch (const UserError&) {
    }
    EXPECT_EQ(std::optional<std::string>(found), client) << where;
  }

  std::filesystem::path root_;
  std::optional<std::string> saved_path_;
};

TEST_F(FindPython, FindsWhatTheClientFindsOrLeavesItToTheClient) {
  const std::string a = root_ / "a", b = root_ / "b", c = root_ / "c";
  check(a + ":" + c + ":" + b, "py", true);  // not executable, a directory, then the file
  check(b + "/", "py", true);
  check(b + "//", "py", true);
  check(c, "link", true);            // a symbolic link is used by its own name, as the client does
  check(a + ":" + c, "py", false);   // none: the client says so
  check(a + "::" + b, "py", false);  // an empty entry is the working directory
  check("relative:" + b, "py", false);
  check(root_.string() + "/./b", "py", false);
  check(root_.string() + "/a/../b", "py", false);
  check(std::nullopt, "sh", true);  // the client's default PATH
  check(b, nullptr, false);         // python3 is not in b
  const std::string file = b + "/py";
  check(b, file.c_str(), true);
  check(b, (root_.string() + "/b/./py").c_str(), false);
  check(b, (root_.string() + "//b/py").c_str(), false);
  check(b, "b/py", false);  // relative: resolved against the working directory by the client
  check(b, (a + "/py").c_str(), false);
}

}  // namespace
}  // namespace pyattach

#endif  // __x86_64__
