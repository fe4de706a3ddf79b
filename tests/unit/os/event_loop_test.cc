#include "os/event_loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit/fake_clock.h"

namespace fpmd::os {
namespace {

using testing::FakeClock;

TEST(EventLoopTimerTest, DueTimerRunsWithoutWaiting) {
  FakeClock clock;
  EventLoop loop(clock);
  int runs = 0;
  Timer timer(loop, [&] { ++runs; });
  timer.armAfter(5'000'000);
  loop.runOnce(0);
  EXPECT_EQ(runs, 0);
  EXPECT_TRUE(timer.armed());
  clock.advance(5'000'000);
  // With nothing readable, the loop must not wait 5 s of real time: the deadline has come.
  int64_t started = monotonicMicros();
  loop.runOnce();
  EXPECT_LT(monotonicMicros() - started, 1'000'000);
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(timer.armed());
}

TEST(EventLoopTimerTest, ArmingAgainReplacesTheDeadline) {
  FakeClock clock;
  EventLoop loop(clock);
  int runs = 0;
  Timer timer(loop, [&] { ++runs; });
  timer.armAfter(1'000);
  timer.armAfter(10'000);
  EXPECT_EQ(timer.deadline(), clock.nowMicros() + 10'000);
  clock.advance(5'000);
  loop.runOnce(0);
  EXPECT_EQ(runs, 0);
  clock.advance(5'000);
  loop.runOnce(0);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(loop.timers().size(), 0u);
}

TEST(EventLoopTimerTest, DestroyedTimerIsDisarmed) {
  FakeClock clock;
  EventLoop loop(clock);
  int runs = 0;
  {
    Timer timer(loop, [&] { ++runs; });
    timer.armAt(clock.nowMicros());
  }
  EXPECT_EQ(loop.timers().size(), 0u);
  loop.runOnce(0);
  EXPECT_EQ(runs, 0);
}

TEST(EventLoopTimerTest, CallbackMayRearmItsOwnTimer) {
  FakeClock clock;
  EventLoop loop(clock);
  int runs = 0;
  std::unique_ptr<Timer> timer;
  timer = std::make_unique<Timer>(loop, [&] {
    ++runs;
    timer->armAfter(1'000);
  });
  timer->armAfter(1'000);
  for (int i = 0; i < 3; ++i) {
    clock.advance(1'000);
    loop.runOnce(0);
  }
  EXPECT_EQ(runs, 3);
  EXPECT_TRUE(timer->armed());
}

TEST(EventLoopTimerTest, ReadyFdRunsBeforeTheWaitForALaterTimerEnds) {
  MonotonicClock clock;
  EventLoop loop(clock);
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd reader(pair[0]), writer(pair[1]);
  bool readable = false;
  int timer_runs = 0;
  loop.add(reader.get(), EPOLLIN, [&](uint32_t) { readable = true; });
  Timer timer(loop, [&] { ++timer_runs; });
  timer.armAfter(60'000'000);
  ASSERT_EQ(::write(writer.get(), "x", 1), 1);
  loop.runOnce();
  EXPECT_TRUE(readable);
  EXPECT_EQ(timer_runs, 0);
  loop.remove(reader.get());
}

TEST(EventLoopTimerTest, WaitEndsAtTheTimerOnTheRealClock) {
  MonotonicClock clock;
  EventLoop loop(clock);
  int runs = 0;
  Timer timer(loop, [&] { ++runs; });
  timer.armAfter(20'000);
  int64_t started = clock.nowMicros();
  // Unbounded wait: only the timer can end it.
  while (runs == 0) loop.runOnce();
  EXPECT_GE(clock.nowMicros() - started, 20'000);
}

}  // namespace
}  // namespace fpmd::os
