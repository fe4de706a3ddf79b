// The scoreboard's slot copy: what a reader gets from a slot its worker writes, bounded
// however the slot was scribbled, and consistent while the worker rewrites it.

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>

#include "os/clock.h"
#include "scoreboard/scoreboard.h"

namespace fpmd::scoreboard {
namespace {

Slot& liveSlot(Scoreboard& board, int index) {
  // The slots follow the header in the shared mapping, as a worker sees them.
  return reinterpret_cast<Slot*>(&board.header() + 1)[index];
}

TEST(ScoreboardClock, StampsAreMonotonic) {
  // The scoreboard's clock is CLOCK_MONOTONIC, not the wall clock.
  int64_t before = os::monotonicMicros();
  int64_t stamp = nowMicros();
  int64_t after = os::monotonicMicros();
  EXPECT_LE(before, stamp);
  EXPECT_LE(stamp, after);
}

TEST(ScoreboardSlotCopy, CopiesWhatTheWorkerWrote) {
  Scoreboard board(2, "www", 1);
  int index = board.claimSlot(4242);
  ASSERT_GE(index, 0);
  board.beginRequest(index, 1000, "POST", "/index.php", "a=1", 17);
  board.setScript(index, "/srv/www/index.php", "alice");
  board.setStage(index, cgi::Stage::Running);
  Slot copy = board.readSlot(index);
  EXPECT_EQ(copy.pid, 4242);
  EXPECT_EQ(copy.stage, static_cast<uint8_t>(cgi::Stage::Running));
  EXPECT_EQ(copy.request_started_us, 1000);
  EXPECT_EQ(copy.request_ended_us, 0);
  EXPECT_EQ(copy.content_length, 17u);
  EXPECT_STREQ(copy.method, "POST");
  EXPECT_STREQ(copy.uri, "/index.php");
  EXPECT_STREQ(copy.query, "a=1");
  EXPECT_STREQ(copy.script, "/srv/www/index.php");
  EXPECT_STREQ(copy.user, "alice");
  EXPECT_EQ(copy.seq % 2, 0u);

  board.endRequest(index, 1500, 2 << 20, 300);
  copy = board.readSlot(index);
  EXPECT_EQ(copy.request_ended_us, 1500);
  EXPECT_EQ(copy.requests, 1u);
  EXPECT_EQ(copy.last_memory, uint64_t{2} << 20);
  EXPECT_EQ(copy.last_cpu_us, 300u);
}

TEST(ScoreboardSlotCopy, LongValuesAreCutAndTerminated) {
  Scoreboard board(1, "www", 0);
  int index = board.claimSlot(7);
  ASSERT_GE(index, 0);
  std::string uri(1000, 'u');
  std::string query(5000, 'q');
  board.beginRequest(index, 1, std::string(100, 'M'), uri, query, 0);
  board.setScript(index, std::string(400, 's'), std::string(64, 'x'));
  Slot copy = board.readSlot(index);
  EXPECT_EQ(std::string(copy.method), std::string(kMethodSize - 1, 'M'));
  EXPECT_EQ(std::string(copy.uri), uri.substr(0, kUriSize - 1));
  EXPECT_EQ(std::string(copy.query), query.substr(0, kQuerySize - 1));
  EXPECT_EQ(std::strlen(copy.script), kScriptSize - 1);
  EXPECT_EQ(std::strlen(copy.user), kUserSize - 1);
}

TEST(ScoreboardSlotCopy, ASnapshotHoldsOnlySlotsWithAWorker) {
  Scoreboard board(3, "www", 0);
  int first = board.claimSlot(11);
  int second = board.claimSlot(12);
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  EXPECT_EQ(board.snapshot().slots.size(), 2u);
  board.releaseSlot(first);
  Snapshot snapshot = board.snapshot();
  ASSERT_EQ(snapshot.slots.size(), 1u);
  EXPECT_EQ(snapshot.slots[0].pid, 12);
  EXPECT_STREQ(snapshot.header.pool, "www");
  EXPECT_EQ(snapshot.header.slot_count, 3u);
  // A released slot is claimed again, clean.
  int again = board.claimSlot(13);
  ASSERT_GE(again, 0);
  EXPECT_EQ(board.readSlot(again).requests, 0u);
}

TEST(ScoreboardSlotCopy, AScribbledSlotStillGivesBoundedStrings) {
  // A worker that dies mid-write, or PHP code (FFI) that overwrites its slot, must not
  // make the master read past the slot's text fields.
  Scoreboard board(2, "www", 0);
  int index = board.claimSlot(4242);
  ASSERT_GE(index, 0);
  Slot& live = liveSlot(board, index);
  int32_t pid = live.pid;
  std::memset(&live, 'A', sizeof(Slot));
  live.pid = pid;  // and seq is left odd (0x41414141), as by a worker killed mid-write
  std::memset(board.header().pool, 'B', kPoolNameSize);
  Snapshot snapshot = board.snapshot();
  ASSERT_EQ(snapshot.slots.size(), 1u);
  const Slot& copy = snapshot.slots[0];
  EXPECT_EQ(std::strlen(copy.method), kMethodSize - 1);
  EXPECT_EQ(std::strlen(copy.uri), kUriSize - 1);
  EXPECT_EQ(std::strlen(copy.query), kQuerySize - 1);
  EXPECT_EQ(std::strlen(copy.script), kScriptSize - 1);
  EXPECT_EQ(std::strlen(copy.user), kUserSize - 1);
  EXPECT_EQ(std::strlen(snapshot.header.pool), kPoolNameSize - 1);
}

TEST(ScoreboardSlotCopy, AReaderNeverSeesHalfARewrite) {
  // The worker rewrites its text fields while the master copies them: every copy must be
  // one request's fields, never the method of one and the URI of the other.
  Scoreboard board(1, "www", 0);
  int index = board.claimSlot(99);
  ASSERT_GE(index, 0);
  const std::string get_uri(kUriSize - 1, 'g');
  const std::string post_uri(kUriSize - 1, 'p');
  board.beginRequest(index, 1, "GET", get_uri, "", 0);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; !done.load(std::memory_order_relaxed); ++i) {
      bool get = i % 2 == 0;
      board.beginRequest(index, i, get ? "GET" : "POST", get ? get_uri : post_uri, "", 0);
    }
  });
  int torn = 0;
  for (int i = 0; i < 200000; ++i) {
    Slot copy = board.readSlot(index);
    bool get = std::strcmp(copy.method, "GET") == 0;
    if (std::string(copy.uri) != (get ? get_uri : post_uri)) ++torn;
  }
  done = true;
  writer.join();
  EXPECT_EQ(torn, 0);
}

}  // namespace
}  // namespace fpmd::scoreboard
