#include "worker/rss_reading.h"

#include <gtest/gtest.h>

namespace fpmd::worker {
namespace {

constexpr uint64_t kMiB = 1 << 20;

TEST(RssReading, FirstRequestReads) {
  RssReading reading;
  EXPECT_TRUE(reading.due(20 * kMiB, 0));
}

TEST(RssReading, StillPeakReadsEveryNthRequest) {
  RssReading reading;
  ASSERT_TRUE(reading.due(20 * kMiB, 0));
  for (unsigned i = 1; i < RssReading::kEveryRequests; ++i) {
    EXPECT_FALSE(reading.due(20 * kMiB, 0)) << "request " << i;
  }
  EXPECT_TRUE(reading.due(20 * kMiB, 0));
  EXPECT_FALSE(reading.due(20 * kMiB, 0));
}

TEST(RssReading, GrowingPeakReadsAtOnceAndRestartsTheCount) {
  RssReading reading;
  ASSERT_TRUE(reading.due(20 * kMiB, 0));
  ASSERT_FALSE(reading.due(20 * kMiB, 0));
  EXPECT_TRUE(reading.due(21 * kMiB, 0));
  for (unsigned i = 1; i < RssReading::kEveryRequests; ++i) EXPECT_FALSE(reading.due(21 * kMiB, 0));
  EXPECT_TRUE(reading.due(21 * kMiB, 0));
}

TEST(RssReading, PeakOverTheLimitReadsAfterEveryRequest) {
  // RSS may have fallen below pm.max_memory again: only a reading tells.
  RssReading reading;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(reading.due(40 * kMiB, 32 * kMiB)) << i;
}

TEST(RssReading, PeakWithinTheLimitFollowsTheCount) {
  RssReading reading;
  ASSERT_TRUE(reading.due(30 * kMiB, 32 * kMiB));
  EXPECT_FALSE(reading.due(30 * kMiB, 32 * kMiB));
}

}  // namespace
}  // namespace fpmd::worker
