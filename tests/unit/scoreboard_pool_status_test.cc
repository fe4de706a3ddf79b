// Scoreboard snapshot -> status model: stamps on the monotonic clock, start times shown
// as wall time.

#include <gtest/gtest.h>

#include <cstring>

#include "common/clock.h"
#include "scoreboard/pool_status.h"

namespace fpmd::scoreboard {
namespace {

constexpr int64_t kSecond = 1000000;

Snapshot snapshotAt(int64_t pool_started_us) {
  Snapshot snapshot{};
  snapshot.header.started_us = pool_started_us;
  std::strcpy(snapshot.header.pool, "www");
  return snapshot;
}

TEST(ScoreboardPoolStatus, StartTimesAreWallTimeOfMonotonicStamps) {
  // The host booted 2000 s ago (monotonic now), the wall clock says 1.7e9 s.
  const int64_t mono_now = 2000 * kSecond;
  const int64_t wall_now = 1700000000 * kSecond;
  Snapshot snapshot = snapshotAt(1000 * kSecond);
  Slot worker{};
  worker.pid = 42;
  worker.stage = static_cast<uint8_t>(cgi::Stage::Running);
  worker.started_us = 1500 * kSecond;
  worker.request_started_us = mono_now - 3 * kSecond;
  snapshot.slots.push_back(worker);

  cgi::PoolStatus status = makePoolStatus(snapshot, mono_now, wall_now);
  EXPECT_EQ(status.start_time, 1700000000 - 1000);
  EXPECT_EQ(status.start_since, 1000);
  ASSERT_EQ(status.procs.size(), 1u);
  EXPECT_EQ(status.procs[0].start_time, 1700000000 - 500);
  EXPECT_EQ(status.procs[0].start_since, 500);
  EXPECT_EQ(status.procs[0].request_duration_us, static_cast<uint64_t>(3 * kSecond));
}

TEST(ScoreboardPoolStatus, AWallClockStepMovesStartTimesNotDurations) {
  const int64_t mono_now = 2000 * kSecond;
  Snapshot snapshot = snapshotAt(1000 * kSecond);
  cgi::PoolStatus before = makePoolStatus(snapshot, mono_now, 1700000000 * kSecond);
  cgi::PoolStatus stepped = makePoolStatus(snapshot, mono_now, (1700000000 - 3600) * kSecond);
  EXPECT_EQ(stepped.start_time, before.start_time - 3600);
  EXPECT_EQ(stepped.start_since, before.start_since);
}

TEST(ScoreboardClock, StampsAreMonotonic) {
  // The scoreboard's clock is CLOCK_MONOTONIC, not the wall clock.
  int64_t before = monotonicMicros();
  int64_t stamp = nowMicros();
  int64_t after = monotonicMicros();
  EXPECT_LE(before, stamp);
  EXPECT_LE(stamp, after);
}

TEST(ScoreboardSnapshot, AScribbledSlotStillGivesBoundedStrings) {
  // A worker that dies mid-write, or PHP code (FFI) that overwrites its slot, must not
  // make the master read past the slot's text fields.
  Scoreboard board(2, "www", 0);
  int index = board.claimSlot(4242);
  ASSERT_GE(index, 0);
  // The slots follow the header in the shared mapping, as a worker sees them.
  Slot& live = reinterpret_cast<Slot*>(&board.header() + 1)[index];
  int32_t pid = live.pid;
  std::memset(&live, 'A', sizeof(Slot));
  live.pid = pid;
  live.stage = 200;  // no such stage
  std::memset(board.header().pool, 'B', kPoolNameSize);
  Snapshot snapshot = board.snapshot();
  ASSERT_EQ(snapshot.slots.size(), 1u);
  const Slot& copy = snapshot.slots[0];
  EXPECT_EQ(std::strlen(copy.method), kMethodSize - 1);
  EXPECT_EQ(std::strlen(copy.uri), kUriSize - 1);
  EXPECT_EQ(std::strlen(copy.query), kQuerySize - 1);
  EXPECT_EQ(std::strlen(copy.script), kScriptSize - 1);
  EXPECT_EQ(std::strlen(copy.user), kUserSize - 1);
  cgi::PoolStatus status = makePoolStatus(snapshot, monotonicMicros(), wallMicros());
  EXPECT_EQ(status.pool.size(), kPoolNameSize - 1);
  ASSERT_EQ(status.procs.size(), 1u);
  EXPECT_EQ(status.procs[0].state, "Unknown");
  EXPECT_EQ(status.procs[0].request_uri.size(), kUriSize - 1);
}

}  // namespace
}  // namespace fpmd::scoreboard
