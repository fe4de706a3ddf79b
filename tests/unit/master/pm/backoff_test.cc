#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "master/pm/emergency_restart.h"
#include "master/pm/spawn_backoff.h"

namespace fpmd::master::pm {
namespace {

constexpr int64_t kMs = 1000;
constexpr int64_t kSecond = 1'000'000;

TEST(SpawnBackoff, CleanOrLongLivedExitsRespawnAtOnce) {
  master::pm::SpawnBackoff backoff;
  EXPECT_EQ(backoff.onExit(false, 10 * kMs, 5 * kSecond).delay_us, 0);
  EXPECT_EQ(backoff.onExit(true, 30 * kSecond, 6 * kSecond).delay_us, 0);
  EXPECT_TRUE(backoff.maySpawn(6 * kSecond));
}

TEST(SpawnBackoff, CrashLoopDoublesUpToTheCap) {
  master::pm::SpawnBackoff backoff;
  int64_t now = 100 * kSecond;
  std::vector<int64_t> delays;
  for (int generation = 0; generation < 10; ++generation) {
    master::pm::BackoffVerdict verdict = backoff.onExit(true, 50 * kMs, now);
    EXPECT_TRUE(verdict.log);
    delays.push_back(verdict.delay_us);
    EXPECT_FALSE(backoff.maySpawn(now));
    now = backoff.nextSpawnUs();
    EXPECT_TRUE(backoff.maySpawn(now));
    now += 50 * kMs;  // the respawned child dies as fast
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{100 * kMs, 200 * kMs, 400 * kMs, 800 * kMs, 1600 * kMs,
                                          3200 * kMs, 6400 * kMs, 10 * kSecond, 10 * kSecond,
                                          10 * kSecond}));
}

TEST(SpawnBackoff, ChildrenOfOneGenerationRaiseTheDelayOnce) {
  master::pm::SpawnBackoff backoff;
  int64_t now = 10 * kSecond;
  EXPECT_EQ(backoff.onExit(true, 20 * kMs, now).delay_us, 100 * kMs);
  master::pm::BackoffVerdict second = backoff.onExit(true, 20 * kMs, now + 30 * kMs);
  EXPECT_FALSE(second.log);
  EXPECT_EQ(second.delay_us, 70 * kMs);
  EXPECT_EQ(backoff.delayUs(), 100 * kMs);
}

TEST(SpawnBackoff, AHealthyRunResetsTheDelay) {
  master::pm::SpawnBackoff backoff;
  int64_t now = 10 * kSecond;
  backoff.onExit(true, 20 * kMs, now);
  now = backoff.nextSpawnUs() + 20 * kMs;
  EXPECT_EQ(backoff.onExit(true, 20 * kMs, now).delay_us, 200 * kMs);
  now += 5 * kSecond;
  EXPECT_EQ(backoff.onExit(false, 5 * kSecond, now).delay_us, 0);
  EXPECT_TRUE(backoff.maySpawn(now));
  EXPECT_EQ(backoff.onExit(true, 20 * kMs, now + kMs).delay_us, 100 * kMs);
}

TEST(SpawnBackoff, AnOldIncidentDoesNotCarryOver) {
  master::pm::SpawnBackoff backoff;
  int64_t now = 10 * kSecond;
  for (int i = 0; i < 8; ++i) {
    backoff.onExit(true, 20 * kMs, now);
    now = backoff.nextSpawnUs() + 20 * kMs;
  }
  ASSERT_EQ(backoff.delayUs(), 10 * kSecond);
  // Children lived on without exiting; an hour later one fails to start.
  EXPECT_EQ(backoff.onExit(true, 20 * kMs, now + 3600 * kSecond).delay_us, 100 * kMs);
}

TEST(SpawnBackoff, MessageAndDelayFormat) {
  EXPECT_EQ(master::pm::formatDelay(100 * kMs), "100ms");
  EXPECT_EQ(master::pm::formatDelay(1600 * kMs), "1.6s");
  EXPECT_EQ(master::pm::formatDelay(10 * kSecond), "10s");
  EXPECT_EQ(master::pm::backoffMessage("www", 123, "on signal 11 (SIGSEGV)", 400 * kMs),
            "[pool www] child 123 exited on signal 11 (SIGSEGV) soon after start; respawning "
            "in 400ms");
}

TEST(EmergencyRestart, OffWhenThresholdOrIntervalIsZero) {
  master::pm::EmergencyRestart no_threshold(0, 60);
  master::pm::EmergencyRestart no_interval(3, 0);
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(no_threshold.onChildDeath(SIGSEGV, i * kSecond));
    EXPECT_FALSE(no_interval.onChildDeath(SIGSEGV, i * kSecond));
  }
}

TEST(EmergencyRestart, ThresholdFaultsWithinTheIntervalTrigger) {
  master::pm::EmergencyRestart tracker(3, 10);
  EXPECT_FALSE(tracker.onChildDeath(SIGSEGV, 100 * kSecond));
  EXPECT_FALSE(tracker.onChildDeath(SIGBUS, 105 * kSecond));
  EXPECT_TRUE(tracker.onChildDeath(SIGSEGV, 110 * kSecond + 900 * kMs));  // 10 s apart
  EXPECT_EQ(tracker.message(),
            "failed processes threshold (3 in 10 sec) is reached, "
            "initiating reload");
  // Counting starts over.
  EXPECT_FALSE(tracker.onChildDeath(SIGSEGV, 111 * kSecond));
}

TEST(EmergencyRestart, SpreadOutFaultsDoNotTrigger) {
  master::pm::EmergencyRestart tracker(3, 10);
  EXPECT_FALSE(tracker.onChildDeath(SIGSEGV, 100 * kSecond));
  EXPECT_FALSE(tracker.onChildDeath(SIGSEGV, 105 * kSecond));
  EXPECT_FALSE(tracker.onChildDeath(SIGSEGV, 111 * kSecond));  // 11 s after the first
  EXPECT_TRUE(tracker.onChildDeath(SIGSEGV, 112 * kSecond));   // 105, 111, 112
}

TEST(EmergencyRestart, OnlySegvAndBusCount) {
  master::pm::EmergencyRestart tracker(2, 60);
  EXPECT_FALSE(tracker.onChildDeath(SIGSEGV, 1 * kSecond));
  EXPECT_FALSE(tracker.onChildDeath(SIGKILL, 2 * kSecond));
  EXPECT_FALSE(tracker.onChildDeath(SIGABRT, 3 * kSecond));
  EXPECT_FALSE(tracker.onChildDeath(0, 4 * kSecond));
  EXPECT_TRUE(tracker.onChildDeath(SIGBUS, 5 * kSecond));
}

}  // namespace
}  // namespace fpmd::master::pm
