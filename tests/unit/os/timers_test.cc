#include "os/timers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fpmd::os {
namespace {

TEST(TimersTest, RunsOnlyWhatIsDueInDeadlineOrder) {
  Timers timers;
  std::vector<std::string> ran;
  timers.schedule(300, [&] { ran.push_back("c"); });
  timers.schedule(100, [&] { ran.push_back("a"); });
  timers.schedule(200, [&] { ran.push_back("b"); });
  EXPECT_EQ(timers.nextDeadline(), 100);
  EXPECT_EQ(timers.runDue(99), 0u);
  EXPECT_EQ(timers.runDue(200), 2u);
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(timers.nextDeadline(), 300);
  EXPECT_EQ(timers.runDue(1000), 1u);
  EXPECT_FALSE(timers.nextDeadline());
}

TEST(TimersTest, EqualDeadlinesRunInTheOrderTheyWereScheduled) {
  Timers timers;
  std::string ran;
  for (char name : std::string("abcde")) timers.schedule(50, [&ran, name] { ran += name; });
  timers.runDue(50);
  EXPECT_EQ(ran, "abcde");
}

TEST(TimersTest, CancelledTimerNeverRuns) {
  Timers timers;
  int runs = 0;
  Timers::Id id = timers.schedule(10, [&] { ++runs; });
  timers.cancel(id);
  timers.cancel(id);     // twice: ignored
  timers.cancel(12345);  // unknown: ignored
  EXPECT_EQ(timers.runDue(100), 0u);
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(timers.size(), 0u);
}

TEST(TimersTest, CallbackMayCancelALaterDueTimer) {
  Timers timers;
  int second_runs = 0;
  Timers::Id second = 0;
  timers.schedule(10, [&] { timers.cancel(second); });
  second = timers.schedule(20, [&] { ++second_runs; });
  EXPECT_EQ(timers.runDue(30), 1u);
  EXPECT_EQ(second_runs, 0);
}

TEST(TimersTest, TimerScheduledByACallbackWaitsForTheNextRun) {
  Timers timers;
  int runs = 0;
  std::function<void()> rearm = [&] {
    ++runs;
    timers.schedule(0, rearm);  // already due: must not run within the same call
  };
  timers.schedule(0, rearm);
  EXPECT_EQ(timers.runDue(5), 1u);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(timers.runDue(5), 1u);
  EXPECT_EQ(runs, 2);
}

TEST(TimersTest, SpentIdIsNotReusedAndCancelsNothing) {
  Timers timers;
  Timers::Id first = timers.schedule(1, [] {});
  timers.runDue(1);
  int runs = 0;
  Timers::Id second = timers.schedule(2, [&] { ++runs; });
  EXPECT_NE(first, second);
  timers.cancel(first);
  timers.runDue(2);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace fpmd::os
