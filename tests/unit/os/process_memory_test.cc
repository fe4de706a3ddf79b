#include <gtest/gtest.h>

#include <unistd.h>

#include <vector>

#include "os/process_memory.h"

namespace fpmd::os {
namespace {

// /proc/PID/smaps_rollup of a php worker, as Linux 6.1 prints it (abridged).
constexpr std::string_view kRollup =
    "55d5c6a00000-7ffd1a3f3000 ---p 00000000 00:00 0                          [rollup]\n"
    "Rss:               24148 kB\n"
    "Pss:                9731 kB\n"
    "Pss_Dirty:          5120 kB\n"
    "Pss_Anon:           4796 kB\n"
    "Shared_Clean:      13996 kB\n"
    "Swap:                  0 kB\n";

TEST(ProcessMemory, ReadsRssAndPssInBytes) {
  auto memory = os::parseSmapsRollup(kRollup);
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->rss, 24148U * 1024);
  EXPECT_EQ(memory->pss, 9731U * 1024);  // not Pss_Dirty or Pss_Anon
}

TEST(ProcessMemory, MissingOrMalformedLinesGiveNothing) {
  EXPECT_FALSE(os::parseSmapsRollup("Rss: 10 kB\n"));
  EXPECT_FALSE(os::parseSmapsRollup("Rss: 10 kB\nPss: x kB\n"));
  EXPECT_FALSE(os::parseSmapsRollup("Rss: 10 MB\nPss: 5 kB\n"));
  EXPECT_FALSE(os::parseSmapsRollup(""));
}

TEST(ProcessMemory, StatmGivesTheResidentPages) {
  EXPECT_EQ(os::parseStatmResident("61234 5120 2048 300 0 4000 0\n"), 5120U);
  EXPECT_FALSE(os::parseStatmResident("61234"));
  EXPECT_FALSE(os::parseStatmResident("61234 x 2"));
}

TEST(ProcessMemory, OwnResidentSizeGrowsWithTouchedMemory) {
  uint64_t before = os::ownResidentBytes();
  ASSERT_GT(before, 0U);
  std::vector<char> block(64 << 20, 1);  // touched: resident
  EXPECT_GE(os::ownResidentBytes(), before + (48 << 20));
  EXPECT_EQ(block[12345], 1);
}

TEST(ProcessMemory, ReadsALiveProcessAndNotAGoneOne) {
  auto self = os::readProcessMemory(::getpid());
  ASSERT_TRUE(self);
  EXPECT_GT(self->rss, 0U);
  EXPECT_LE(self->pss, self->rss);
  EXPECT_FALSE(os::readProcessMemory(0x3fffffff));
}

}  // namespace
}  // namespace fpmd::os
