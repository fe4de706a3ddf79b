#include <gtest/gtest.h>

#include <set>

#include "master/pm/recycle_jitter.h"

namespace fpmd::master::pm {
namespace {

TEST(RecycleJitter, UnlimitedStaysUnlimited) {
  EXPECT_EQ(master::pm::maxRequestsFor(0, 50, 7), 0u);
}

TEST(RecycleJitter, NoJitterKeepsTheExactLimit) {
  for (uint64_t seed = 0; seed < 100; ++seed)
    EXPECT_EQ(master::pm::maxRequestsFor(500, 0, seed), 500u);
}

TEST(RecycleJitter, LimitStaysWithinMaxRequestsMinusJitter) {
  std::set<unsigned long> seen;
  double sum = 0;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    unsigned long limit = master::pm::maxRequestsFor(1000, 100, seed);
    EXPECT_LE(limit, 1000u);
    EXPECT_GE(limit, 900u);
    seen.insert(limit);
    sum += static_cast<double>(limit);
  }
  EXPECT_GT(seen.size(), 90u);  // nearly all 101 values show up
  EXPECT_NEAR(sum / 2000, 950, 10);
}

TEST(RecycleJitter, SameSeedSameLimit) {
  EXPECT_EQ(master::pm::maxRequestsFor(1000, 100, 4242),
            master::pm::maxRequestsFor(1000, 100, 4242));
}

TEST(RecycleJitter, ConsecutivePidsOfAStaticPoolGetDifferentLimits) {
  std::set<unsigned long> limits;
  for (uint64_t pid = 31000; pid < 31010; ++pid)
    limits.insert(master::pm::maxRequestsFor(500, 50, pid));
  EXPECT_GE(limits.size(), 8u);
}

TEST(RecycleJitter, JitterLargerThanTheLimitNeverReachesZero) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    unsigned long limit = master::pm::maxRequestsFor(3, 1000, seed);
    EXPECT_GE(limit, 1u);
    EXPECT_LE(limit, 3u);
  }
  EXPECT_EQ(master::pm::maxRequestsFor(1, 1000, 5), 1u);
}

TEST(RecycleJitter, DefaultIsATenthAndOffForSmallLimits) {
  EXPECT_EQ(master::pm::defaultMaxRequestsJitter(0), 0u);
  EXPECT_EQ(master::pm::defaultMaxRequestsJitter(9), 0u);
  EXPECT_EQ(master::pm::defaultMaxRequestsJitter(500), 50u);
}

TEST(RecycleJitter, WorkersStartedWithThePoolSpreadOverTheUpperHalf) {
  EXPECT_EQ(master::pm::firstLifeJitter(1000, 100), 500u);
  EXPECT_EQ(master::pm::firstLifeJitter(1000, 700), 700u);  // a wider jitter the admin chose stays
  EXPECT_EQ(master::pm::firstLifeJitter(1000, 0), 0u);      // exact counts stay exact
  std::set<unsigned long> limits;
  for (uint64_t pid = 31000; pid < 31008; ++pid) {
    unsigned long limit =
        master::pm::maxRequestsFor(1000, master::pm::firstLifeJitter(1000, 100), pid);
    EXPECT_GE(limit, 500u);
    EXPECT_LE(limit, 1000u);
    limits.insert(limit);
  }
  // Eight workers of a static pool: their first restarts land far apart.
  EXPECT_GT(*limits.rbegin() - *limits.begin(), 200u);
}

}  // namespace
}  // namespace fpmd::master::pm
