#include <gtest/gtest.h>

#include <memory>

#include "scoreboard/latency.h"

namespace fpmd::scoreboard {
namespace {

constexpr int64_t kStart = 1'700'000'000'000'000;  // epoch µs, on a window boundary

TEST(LatencyBucket, ExactBelowSixteenThenEightPerPowerOfTwo) {
  for (uint64_t v = 0; v < 16; ++v) EXPECT_EQ(latencyBucket(v), v);
  EXPECT_EQ(latencyBucket(16), 16U);
  EXPECT_EQ(latencyBucket(17), 16U);  // [16, 18)
  EXPECT_EQ(latencyBucket(18), 17U);
  EXPECT_EQ(latencyBucket(31), 23U);
  EXPECT_EQ(latencyBucket(32), 24U);
  EXPECT_EQ(latencyBucket(UINT64_MAX), kLatencyBuckets - 1);
}

TEST(LatencyBucket, MiddleIsWithinSevenPercentOfEveryValueInTheBucket) {
  for (uint64_t v : {1ULL, 15ULL, 16ULL, 100ULL, 999ULL, 12'345ULL, 1'000'000ULL, 55'555'555ULL}) {
    double middle = static_cast<double>(latencyBucketMiddle(latencyBucket(v)));
    EXPECT_NEAR(middle, static_cast<double>(v), static_cast<double>(v) * 0.07 + 1) << v;
  }
}

TEST(LatencyPercentile, NearestRankOverBuckets) {
  std::array<uint64_t, kLatencyBuckets> counts{};
  counts[latencyBucket(1000)] = 90;
  counts[latencyBucket(50'000)] = 9;
  counts[latencyBucket(2'000'000)] = 1;
  EXPECT_NEAR(latencyPercentile(counts, 100, 0.50), 1000, 70);
  EXPECT_NEAR(latencyPercentile(counts, 100, 0.95), 50'000, 3500);
  EXPECT_NEAR(latencyPercentile(counts, 100, 0.99), 50'000, 3500);
  EXPECT_NEAR(latencyPercentile(counts, 100, 1.0), 2'000'000, 140'000);
  EXPECT_EQ(latencyPercentile(counts, 0, 0.5), 0U);
}

class LatencyHistoryTest : public ::testing::Test {
 protected:
  // Shared memory is zero-filled; so is this.
  std::unique_ptr<LatencyHistory> history_ = std::make_unique<LatencyHistory>();
};

TEST_F(LatencyHistoryTest, NothingCountsUntilTheMasterPreparesTheWindow) {
  recordLatency(*history_, kStart + 5, 1000);
  EXPECT_EQ(summarizeLatency(*history_, kStart + 10).count, 0U);
  prepareLatencyWindows(*history_, kStart);
  recordLatency(*history_, kStart + 5, 1000);
  LatencySummary summary = summarizeLatency(*history_, kStart + 10);
  EXPECT_EQ(summary.count, 1U);
  EXPECT_NEAR(summary.p50_us, 1000, 70);
}

TEST_F(LatencyHistoryTest, PercentilesCoverTheLastMinuteOnly) {
  int64_t now = kStart;
  // One request per second for two minutes: 100 ms in the first minute, 5 ms after.
  for (int second = 0; second < 120; ++second, now += 1'000'000) {
    prepareLatencyWindows(*history_, now);
    recordLatency(*history_, now, second < 60 ? 100'000 : 5'000);
  }
  LatencySummary summary = summarizeLatency(*history_, now - 1);
  EXPECT_EQ(summary.count, 60U);
  EXPECT_NEAR(summary.p99_us, 5'000, 350);

  // Halfway through: both kinds are in the window, the slow ones above the median.
  auto mixed = std::make_unique<LatencyHistory>();
  now = kStart;
  for (int second = 0; second < 90; ++second, now += 1'000'000) {
    prepareLatencyWindows(*mixed, now);
    recordLatency(*mixed, now, second < 60 ? 100'000 : 5'000);
  }
  summary = summarizeLatency(*mixed, now - 1);
  EXPECT_EQ(summary.count, 60U);  // seconds 30..89
  EXPECT_NEAR(summary.p50_us, 5'000, 350);
  EXPECT_NEAR(summary.p95_us, 100'000, 7000);
}

TEST_F(LatencyHistoryTest, AStaleCurrentWindowIsClearedNotReused) {
  prepareLatencyWindows(*history_, kStart);
  recordLatency(*history_, kStart, 1000);
  // The master was away for longer than all the windows: the slot that is current again
  // still holds the old counts under the old id.
  int64_t later = kStart + static_cast<int64_t>(kLatencyWindows) * kLatencyWindowUs;
  EXPECT_EQ(summarizeLatency(*history_, later).count, 0U);
  prepareLatencyWindows(*history_, later);
  recordLatency(*history_, later, 2000);
  LatencySummary summary = summarizeLatency(*history_, later);
  EXPECT_EQ(summary.count, 1U);
  EXPECT_NEAR(summary.p50_us, 2000, 140);
}

}  // namespace
}  // namespace fpmd::scoreboard
