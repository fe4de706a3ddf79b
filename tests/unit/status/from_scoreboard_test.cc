// Scoreboard snapshot -> status model: stamps on the monotonic clock, start times shown
// as wall time.

#include <gtest/gtest.h>

#include <cstring>

#include "os/clock.h"
#include "status/from_scoreboard.h"

namespace fpmd::status {
namespace {

constexpr int64_t kSecond = 1000000;

scoreboard::Snapshot snapshotAt(int64_t pool_started_us) {
  scoreboard::Snapshot snapshot{};
  snapshot.header.started_us = pool_started_us;
  std::strcpy(snapshot.header.pool, "www");
  return snapshot;
}

TEST(StatusFromScoreboard, StartTimesAreWallTimeOfMonotonicStamps) {
  // The host booted 2000 s ago (monotonic now), the wall clock says 1.7e9 s.
  const int64_t mono_now = 2000 * kSecond;
  const int64_t wall_now = 1700000000 * kSecond;
  scoreboard::Snapshot snapshot = snapshotAt(1000 * kSecond);
  scoreboard::Slot worker{};
  worker.pid = 42;
  worker.stage = static_cast<uint8_t>(cgi::Stage::Running);
  worker.started_us = 1500 * kSecond;
  worker.request_started_us = mono_now - 3 * kSecond;
  snapshot.slots.push_back(worker);

  status::PoolStatus status = status::makePoolStatus(snapshot, mono_now, wall_now);
  EXPECT_EQ(status.start_time, 1700000000 - 1000);
  EXPECT_EQ(status.start_since, 1000);
  ASSERT_EQ(status.procs.size(), 1u);
  EXPECT_EQ(status.procs[0].start_time, 1700000000 - 500);
  EXPECT_EQ(status.procs[0].start_since, 500);
  EXPECT_EQ(status.procs[0].request_duration_us, static_cast<uint64_t>(3 * kSecond));
}

TEST(StatusFromScoreboard, AWallClockStepMovesStartTimesNotDurations) {
  const int64_t mono_now = 2000 * kSecond;
  scoreboard::Snapshot snapshot = snapshotAt(1000 * kSecond);
  status::PoolStatus before = status::makePoolStatus(snapshot, mono_now, 1700000000 * kSecond);
  status::PoolStatus stepped =
      status::makePoolStatus(snapshot, mono_now, (1700000000 - 3600) * kSecond);
  EXPECT_EQ(stepped.start_time, before.start_time - 3600);
  EXPECT_EQ(stepped.start_since, before.start_since);
}

TEST(StatusFromScoreboard, AScribbledSlotGivesAnUnknownStateAndBoundedStrings) {
  // A worker that dies mid-write, or PHP code (FFI) that overwrites its slot: the status
  // model still gets bounded strings and no stage it cannot name.
  scoreboard::Scoreboard board(2, "www", 0);
  int index = board.claimSlot(4242);
  ASSERT_GE(index, 0);
  // The slots follow the header in the shared mapping, as a worker sees them.
  scoreboard::Slot& live = reinterpret_cast<scoreboard::Slot*>(&board.header() + 1)[index];
  int32_t pid = live.pid;
  std::memset(&live, 'A', sizeof(scoreboard::Slot));
  live.pid = pid;
  live.stage = 200;  // no such stage
  std::memset(board.header().pool, 'B', scoreboard::kPoolNameSize);
  PoolStatus status = makePoolStatus(board.snapshot(), os::monotonicMicros(), os::wallMicros());
  EXPECT_EQ(status.pool.size(), scoreboard::kPoolNameSize - 1);
  ASSERT_EQ(status.procs.size(), 1u);
  EXPECT_EQ(status.procs[0].state, "Unknown");
  EXPECT_EQ(status.procs[0].request_uri.size(), scoreboard::kUriSize - 1);
}

}  // namespace
}  // namespace fpmd::status
