// The broker directory must be private to its user; anything else is refused.

#include "runtime_dir.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace pyattach {
namespace {

class RuntimeDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pyattach-unit-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(base_); }
  std::string base_;
};

TEST_F(RuntimeDirTest, CreatesAPrivateDirectory) {
  const std::string dir = base_ + "/broker";
  std::string error;
  ASSERT_TRUE(ensure_private_dir(dir, error)) << error;
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(ensure_private_dir(dir, error)) << "an existing private directory is fine: " << error;
}

TEST_F(RuntimeDirTest, RefusesADirectoryOthersCanReach) {
  const std::string dir = base_ + "/open";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  std::string error;
  EXPECT_FALSE(ensure_private_dir(dir, error));
  EXPECT_NE(error.find("0755"), std::string::npos) << error;
}

TEST_F(RuntimeDirTest, RefusesASymlinkAndAFile) {
  const std::string target = base_ + "/real";
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  const std::string link = base_ + "/link";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  std::string error;
  EXPECT_FALSE(ensure_private_dir(link, error));
  EXPECT_NE(error.find("not a directory"), std::string::npos) << error;
}

TEST_F(RuntimeDirTest, RefusesADirectoryOwnedBySomeoneElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  const std::string dir = base_ + "/theirs";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  std::string error;
  EXPECT_FALSE(ensure_private_dir(dir, error));
  EXPECT_NE(error.find("owned by uid 65534"), std::string::npos) << error;
}

TEST(RuntimeDirPath, PrefersPyattachDirThenXdg) {
  ::setenv("PYATTACH_DIR", "/somewhere/else", 1);
  EXPECT_EQ(runtime_dir_path(), "/somewhere/else");
  ::unsetenv("PYATTACH_DIR");
  ::setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
  EXPECT_EQ(runtime_dir_path(), "/run/user/1234/pyattach");
  ::unsetenv("XDG_RUNTIME_DIR");
  EXPECT_EQ(runtime_dir_path(), "/tmp/pyattach-" + std::to_string(::geteuid()));
}

}  // namespace
}  // namespace pyattach
