#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "os/host_memory.h"

namespace fpmd::os {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

TEST(HostMemory, MeminfoGivesTotalAndAvailableInBytes) {
  auto info = parseMeminfo(
      "MemTotal:        1014808 kB\nMemFree:           61012 kB\nMemAvailable:     210244 kB\n");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->total, 1014808U * 1024);
  EXPECT_EQ(info->available, 210244U * 1024);
  EXPECT_FALSE(parseMeminfo("MemTotal: 1 kB\n"));  // a kernel before 3.14: no MemAvailable
  EXPECT_FALSE(parseMeminfo("MemTotal: 1 MB\nMemAvailable: 1 kB\n"));
}

TEST(HostMemory, PressureReadsSomeAndFullAvg10) {
  auto pressure = parsePressure(
      "some avg10=12.50 avg60=3.00 avg300=0.70 total=1234\n"
      "full avg10=4.25 avg60=1.00 avg300=0.20 total=567\n");
  ASSERT_TRUE(pressure);
  EXPECT_DOUBLE_EQ(pressure->some_avg10, 12.5);
  EXPECT_DOUBLE_EQ(pressure->full_avg10, 4.25);
  EXPECT_FALSE(parsePressure("full avg10=1.00\n"));
  EXPECT_FALSE(parsePressure("some avg10=x avg60=0\n"));
}

TEST(HostMemory, LimitsSayNoneForMaxAndForV1sHugeValue) {
  EXPECT_EQ(parseLimit("max\n"), UINT64_MAX);
  EXPECT_EQ(parseLimit("9223372036854771712\n"), UINT64_MAX);
  EXPECT_EQ(parseLimit("1073741824\n"), 1073741824U);
  EXPECT_FALSE(parseLimit("lots"));
}

TEST(HostMemory, StatValueFindsItsLineOnly) {
  std::string stat = "cache 100\ninactive_file 42\ntotal_inactive_file 77\n";
  EXPECT_EQ(statValue(stat, "inactive_file"), 42U);
  EXPECT_EQ(statValue(stat, "total_inactive_file"), 77U);
  EXPECT_FALSE(statValue(stat, "active_file"));
}

constexpr std::string_view kHybridMountinfo =
    "25 30 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs ro,mode=755\n"
    "30 25 0:26 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "31 25 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 25 0:28 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n";

TEST(HostMemory, FindsTheV1MemoryControllerFirst) {
  auto location = findMemoryCgroup("5:cpu:/\n4:memory:/jobs/a\n0::/\n", kHybridMountinfo,
                                   [](const std::string&) { return true; });
  EXPECT_EQ(location.version, CgroupVersion::V1);
  EXPECT_EQ(location.dir, "/sys/fs/cgroup/memory/jobs/a");
}

TEST(HostMemory, FindsAV2CgroupWithMemoryAndStripsAContainersRoot) {
  constexpr std::string_view mountinfo =
      "40 30 0:30 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
  auto location = findMemoryCgroup("0::/kubepods/pod1/php\n", mountinfo,
                                   [](const std::string&) { return true; });
  EXPECT_EQ(location.version, CgroupVersion::V2);
  EXPECT_EQ(location.dir, "/sys/fs/cgroup/php");
  EXPECT_EQ(location.mount, "/sys/fs/cgroup");
  auto without = findMemoryCgroup("0::/php\n", mountinfo, [](const std::string&) { return false; });
  EXPECT_EQ(without.version, CgroupVersion::None);
}

class FakeCgroup : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("fpmd-host-memory-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_ / "cg" / "parent" / "pool");
    write("meminfo", "MemTotal: 4194304 kB\nMemAvailable: 3145728 kB\n");
    write("pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(root_ / name) << text;
  }
  HostMemoryProbe::Paths paths(CgroupVersion version) {
    HostMemoryProbe::Paths paths;
    paths.meminfo = root_ / "meminfo";
    paths.host_pressure = root_ / "pressure";
    paths.cgroup = {version, root_ / "cg" / "parent" / "pool", root_ / "cg"};
    return paths;
  }
  std::filesystem::path root_;
};

TEST_F(FakeCgroup, OutsideALimitTheHostsAvailableMemoryCounts) {
  auto reading = HostMemoryProbe(paths(CgroupVersion::None)).read();
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->source, CgroupVersion::None);
  EXPECT_EQ(reading->limit, 4096 * kMiB);
  EXPECT_EQ(reading->used, 1024 * kMiB);
  EXPECT_EQ(reading->available, 3072 * kMiB);
  ASSERT_TRUE(reading->pressure);
}

TEST_F(FakeCgroup, V1SubtractsInactiveFileCacheAndHonoursTheParentsLimit) {
  write("cg/parent/pool/memory.limit_in_bytes", "9223372036854771712\n");
  write("cg/parent/pool/memory.usage_in_bytes", std::to_string(700 * kMiB) + "\n");
  write("cg/parent/pool/memory.stat", "hierarchical_memory_limit " + std::to_string(1024 * kMiB) +
                                          "\ntotal_inactive_file " + std::to_string(100 * kMiB) +
                                          "\n");
  HostMemoryProbe probe(paths(CgroupVersion::V1));
  auto reading = probe.read();
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->source, CgroupVersion::V1);
  EXPECT_EQ(reading->limit, 1024 * kMiB);
  EXPECT_EQ(reading->used, 600 * kMiB);
  EXPECT_EQ(reading->available, 424 * kMiB);
  // Read again with new values: the probe keeps its files open and re-reads them.
  write("cg/parent/pool/memory.usage_in_bytes", std::to_string(1000 * kMiB) + "\n");
  EXPECT_EQ(probe.read()->available, 124 * kMiB);
}

TEST_F(FakeCgroup, V2TakesTheSmallestLimitOnItsPathAndItsOwnPressure) {
  write("cg/parent/pool/memory.max", "max\n");
  write("cg/parent/memory.max", std::to_string(512 * kMiB) + "\n");
  write("cg/parent/pool/memory.current", std::to_string(300 * kMiB) + "\n");
  write("cg/parent/pool/memory.stat", "anon 1\ninactive_file " + std::to_string(50 * kMiB) + "\n");
  write("cg/parent/pool/memory.pressure", "some avg10=33.10 avg60=1.00 avg300=0.10 total=9\n");
  auto reading = HostMemoryProbe(paths(CgroupVersion::V2)).read();
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->source, CgroupVersion::V2);
  EXPECT_EQ(reading->limit, 512 * kMiB);
  EXPECT_EQ(reading->used, 250 * kMiB);
  EXPECT_EQ(reading->available, 262 * kMiB);
  ASSERT_TRUE(reading->pressure);
  EXPECT_DOUBLE_EQ(reading->pressure->some_avg10, 33.1);
}

TEST_F(FakeCgroup, TheHostsAvailableMemoryCapsACgroupsRoom) {
  write("meminfo", "MemTotal: 4194304 kB\nMemAvailable: 102400 kB\n");
  write("cg/parent/pool/memory.max", std::to_string(2048 * kMiB) + "\n");
  write("cg/parent/pool/memory.current", std::to_string(100 * kMiB) + "\n");
  write("cg/parent/pool/memory.stat", "inactive_file 0\n");
  auto reading = HostMemoryProbe(paths(CgroupVersion::V2)).read();
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->available, 100 * kMiB);
}

TEST(HostMemory, ThisProcessHasAReading) {
  auto reading = HostMemoryProbe(HostMemoryProbe::pathsForThisProcess()).read();
  ASSERT_TRUE(reading);
  EXPECT_GT(reading->limit, 0U);
  EXPECT_LE(reading->available, reading->limit);
}

}  // namespace
}  // namespace fpmd::os
