// The memory governor's directives (docs/memory.md): pm.max_memory, pm.max_pool_memory,
// pm.max_children = auto and [global] memory_reserve, as load() types them, and the
// errors a bad value gets (file, line, directive).

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "config/config.h"

namespace fpmd::config {
namespace {

namespace fs = std::filesystem;

class MemoryDirectivesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fpmd_config_memory.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<Config> loadWith(const std::string& global, const std::string& pool) {
    std::string path = dir_ + "/php-fpm.conf";
    std::ofstream(path) << "[global]\nerror_log = " << dir_ << "/e.log\n"
                        << global << "[www]\nlisten = " << dir_ << "/www.sock\n"
                        << pool;
    LoadOptions o;
    o.path = path;
    o.allow_root = true;
    o.running_as_root = true;
    return load(o);
  }

  std::string dir_;
};

TEST_F(MemoryDirectivesTest, SizesInKMG) {
  Result<Config> r = loadWith("memory_reserve = 300M\n",
                              "pm = static\npm.max_children = 4\npm.max_memory = 128M\n"
                              "pm.max_pool_memory = 1G\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->pools[0].pm_max_memory, 128u << 20);
  EXPECT_EQ(r->pools[0].pm_max_pool_memory, 1u << 30);
  EXPECT_FALSE(r->pools[0].pm_max_children_auto);
  ASSERT_TRUE(r->global.memory_reserve.has_value());
  EXPECT_EQ(r->global.memory_reserve->bytes, 300u << 20);
}

TEST_F(MemoryDirectivesTest, ReserveAsAShareAndOff) {
  Result<Config> share = loadWith("memory_reserve = 15%\n", "pm = static\npm.max_children = 1\n");
  ASSERT_TRUE(share.ok()) << share.error();
  ASSERT_TRUE(share->global.memory_reserve.has_value());
  EXPECT_EQ(share->global.memory_reserve->bytes, 0u);
  EXPECT_DOUBLE_EQ(share->global.memory_reserve->percent, 15.0);

  Result<Config> off = loadWith("memory_reserve = 0\n", "pm = static\npm.max_children = 1\n");
  ASSERT_TRUE(off.ok()) << off.error();
  ASSERT_TRUE(off->global.memory_reserve.has_value());
  EXPECT_EQ(off->global.memory_reserve->bytes, 0u);
  EXPECT_EQ(off->global.memory_reserve->percent, 0.0);

  Result<Config> unset = loadWith("", "pm = static\npm.max_children = 1\n");
  ASSERT_TRUE(unset.ok()) << unset.error();
  EXPECT_FALSE(unset->global.memory_reserve.has_value());  // the default share
}

TEST_F(MemoryDirectivesTest, AutoMaxChildrenIsSizedForTheCap) {
  Result<Config> r = loadWith("",
                              "pm = dynamic\npm.max_children = auto\n"
                              "pm.start_servers = 2\npm.min_spare_servers = 1\n"
                              "pm.max_spare_servers = 3\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->pools[0].pm_max_children_auto);
  EXPECT_EQ(r->pools[0].pm_max_children, kAutoMaxChildrenCap);

  Result<Config> capped = loadWith("process.max = 20\n", "pm = static\npm.max_children = auto\n");
  ASSERT_TRUE(capped.ok()) << capped.error();
  EXPECT_EQ(capped->pools[0].pm_max_children, 20);
}

TEST_F(MemoryDirectivesTest, BadValuesNameTheLineAndDirective) {
  Result<Config> size = loadWith("", "pm = static\npm.max_children = 1\npm.max_memory = lots\n");
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.error().find("php-fpm.conf:7"), std::string::npos) << size.error();
  EXPECT_NE(size.error().find("pm.max_memory"), std::string::npos) << size.error();

  Result<Config> reserve =
      loadWith("memory_reserve = 150%\n", "pm = static\npm.max_children = 1\n");
  ASSERT_FALSE(reserve.ok());
  EXPECT_NE(reserve.error().find("memory_reserve"), std::string::npos) << reserve.error();
}

}  // namespace
}  // namespace fpmd::config
