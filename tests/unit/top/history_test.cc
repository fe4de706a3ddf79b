#include <gtest/gtest.h>

#include "top/history.h"

namespace fpmd::top {
namespace {

StatusSnapshot snapshotOf(std::vector<StatusPool> pools) {
  StatusSnapshot snapshot;
  snapshot.pools = std::move(pools);
  return snapshot;
}

StatusPool pool(std::string name, int64_t active, int64_t idle, int64_t queue) {
  StatusPool pool;
  pool.name = std::move(name);
  pool.active = active;
  pool.idle = idle;
  pool.listen_queue = queue;
  pool.total = active + idle;
  return pool;
}

TEST(StatusCliHistory, KeepsTheLastSamplesPerPool) {
  top::StatusHistory history(3);
  for (int64_t i = 1; i <= 5; ++i) {
    history.record(snapshotOf({pool("a", i, 10 - i, i * 2), pool("b", 0, 1, 0)}));
  }
  const PoolSeries* a = history.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->active, (std::deque<int64_t>{3, 4, 5}));
  EXPECT_EQ(a->idle, (std::deque<int64_t>{7, 6, 5}));
  EXPECT_EQ(a->queue, (std::deque<int64_t>{6, 8, 10}));
  EXPECT_EQ(a->total, (std::deque<int64_t>{10, 10, 10}));
  EXPECT_NE(history.find("b"), nullptr);
  EXPECT_EQ(history.find("c"), nullptr);
}

TEST(StatusCliHistory, ForgetsPoolsThatDisappear) {
  top::StatusHistory history(10);
  history.record(snapshotOf({pool("a", 1, 1, 0), pool("b", 1, 1, 0)}));
  history.record(snapshotOf({pool("a", 2, 0, 0)}));
  EXPECT_EQ(history.find("b"), nullptr);
  EXPECT_EQ(history.find("a")->active.size(), 2U);
}

TEST(StatusCliSparkline, ScalesToTheGivenMaximum) {
  std::deque<int64_t> values = {0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(top::sparkline(values, 7, 100, true), "▁▂▃▄▅▆▇█");
  EXPECT_EQ(top::sparkline(values, 7, 100, false), "_.-:=+*#");
  // Any non-zero value rises above the baseline; over the scale is the tallest bar.
  EXPECT_EQ(top::sparkline({0, 1, 100, 50}, 100, 100, false), "_.#=");
  EXPECT_EQ(top::sparkline({0, 9}, 4, 100, false), "_#");
}

TEST(StatusCliSparkline, ZeroScaleAndEmpty) {
  EXPECT_EQ(top::sparkline({0, 0, 0}, 0, 100, true), "▁▁▁");
  EXPECT_EQ(top::sparkline({}, 5, 100, true), "");
  EXPECT_EQ(top::sparkline({-3}, 5, 100, false), "_");
}

TEST(StatusCliSparkline, DrawsOnlyTheLastWidthValues) {
  EXPECT_EQ(top::sparkline({7, 7, 0, 0}, 7, 2, false), "__");
  EXPECT_EQ(top::maxOf({3, 9, 2}), 9);
  EXPECT_EQ(top::maxOf({}), 0);
}

TEST(StatusCliLocale, FollowsSetlocalesPrecedence) {
  EXPECT_TRUE(top::localeIsUtf8(nullptr, nullptr, "en_US.UTF-8"));
  EXPECT_TRUE(top::localeIsUtf8(nullptr, "C.utf8", "C"));
  EXPECT_FALSE(top::localeIsUtf8("C", nullptr, "en_US.UTF-8"));  // LC_ALL wins
  EXPECT_TRUE(top::localeIsUtf8("", nullptr, "en_US.UTF-8"));    // empty is unset
  EXPECT_FALSE(top::localeIsUtf8(nullptr, nullptr, nullptr));
  EXPECT_FALSE(top::localeIsUtf8(nullptr, nullptr, "POSIX"));
}

}  // namespace
}  // namespace fpmd::top
