#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "os/sysctl.h"

namespace fpmd::os {
namespace {

namespace fs = std::filesystem;

class SysctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fpmd_sysctl.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& relative, const std::string& text) {
    fs::create_directories(fs::path(root_ + "/" + relative).parent_path());
    std::ofstream(root_ + "/" + relative) << text;
  }

  std::string root_;
};

TEST_F(SysctlTest, DotsBecomeSlashes) {
  Sysctl sysctl(root_);
  EXPECT_EQ(sysctl.pathOf("net.core.somaxconn"), root_ + "/net/core/somaxconn");
  // sysctl(8)'s slash form keeps dots that belong to a part (a VLAN interface).
  EXPECT_EQ(sysctl.pathOf("net/ipv4/conf/eth0.100/rp_filter"),
            root_ + "/net/ipv4/conf/eth0.100/rp_filter");
}

TEST_F(SysctlTest, ReadsValuesAsTheKernelWritesThem) {
  write("net/core/somaxconn", "4096\n");
  write("net/ipv4/ip_local_port_range", "32768\t60999\n");
  write("net/ipv4/ip_local_reserved_ports", "\n");
  write("fs/file-max", "9223372036854775807\n");
  write("kernel/hostname", "box\n");
  Sysctl sysctl(root_);
  EXPECT_EQ(sysctl.integer("net.core.somaxconn"), 4096);
  EXPECT_EQ(sysctl.integers("net.ipv4.ip_local_port_range"), (std::vector<int64_t>{32768, 60999}));
  EXPECT_FALSE(sysctl.integer("net.ipv4.ip_local_port_range"));  // two values, not one
  EXPECT_EQ(sysctl.text("net.ipv4.ip_local_reserved_ports"), "");
  EXPECT_EQ(sysctl.integer("fs.file-max"), 9223372036854775807);
  EXPECT_EQ(sysctl.text("kernel.hostname"), "box");
  EXPECT_FALSE(sysctl.integer("kernel.hostname"));
}

TEST_F(SysctlTest, AnAbsentParameterIsNullopt) {
  Sysctl sysctl(root_);
  EXPECT_FALSE(sysctl.text("net.ipv4.tcp_tw_recycle"));  // gone since Linux 4.12
  EXPECT_FALSE(sysctl.integer("net.ipv4.tcp_tw_recycle"));
}

TEST(SysctlParse, Integers) {
  EXPECT_EQ(parseIntegers("1"), (std::vector<int64_t>{1}));
  EXPECT_EQ(parseIntegers(" -5\t7 \n"), (std::vector<int64_t>{-5, 7}));
  EXPECT_FALSE(parseIntegers(""));
  EXPECT_FALSE(parseIntegers("12x"));
}

TEST(SysctlProc, ReadsThisKernel) {
  if (!fs::exists("/proc/sys/net/core/somaxconn")) GTEST_SKIP() << "no /proc/sys";
  EXPECT_TRUE(Sysctl().integer("net.core.somaxconn"));
}

}  // namespace
}  // namespace fpmd::os
