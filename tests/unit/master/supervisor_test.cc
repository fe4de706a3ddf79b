// The supervisor with a spawner that only hands out pids and a clock the test moves: the
// crash-loop back-off, process.max and the emergency restart, without a process.

#include "master/supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "unit/fake_clock.h"

namespace fpmd::master {
namespace {

// Far above any pid_max (at most 2^22), so a signal the supervisor might send reaches no one.
constexpr pid_t kFirstFakePid = 2'000'000'000;

int exitedWith(int code) {
  return code << 8;
}
int killedBy(int signal) {
  return signal;
}

class FakeSpawner final : public Spawner {
 public:
  std::optional<SpawnedWorker> start(Pool& pool, int slot, bool startup) override {
    (void)pool;
    started.push_back({slot, startup});
    if (failing) return std::nullopt;
    SpawnedWorker worker;
    worker.pid = next_pid++;
    return worker;
  }

  struct Start {
    int slot;
    bool startup;
  };
  std::vector<Start> started;
  bool failing = false;
  pid_t next_pid = kFirstFakePid;
};

class SupervisorTest : public ::testing::Test {
 protected:
  void addStaticPool(int max_children) {
    auto pool = std::make_unique<Pool>();
    pool->config.name = "www";
    pool->config.pm = config::PoolConfig::Pm::Static;
    pool->config.pm_max_children = max_children;
    pool->pm_settings = pm::poolSettings(pool->config, 2);
    pool->scoreboard = std::make_unique<scoreboard::Scoreboard>(
        static_cast<size_t>(max_children), "www", static_cast<uint8_t>(pool->config.pm));
    pools.push_back(std::move(pool));
  }

  Supervisor& supervisor() {
    if (!supervisor_) {
      supervisor_ = std::make_unique<Supervisor>(
          loop, spawner, global, pools,
          Supervisor::Hooks{[this] { return serving; }, [this] { ++emergencies; }, {}, {}});
    }
    return *supervisor_;
  }

  /// The pid of the first child still running.
  pid_t anyChild() const { return pools[0]->children.begin()->first; }

  testing::FakeClock clock;
  os::EventLoop loop{clock};
  FakeSpawner spawner;
  config::GlobalConfig global;
  std::vector<std::unique_ptr<Pool>> pools;
  bool serving = true;
  int emergencies = 0;

 private:
  std::unique_ptr<Supervisor> supervisor_;
};

TEST_F(SupervisorTest, StartsEachPoolsFirstWorkersInSlotsOfTheirOwn) {
  addStaticPool(3);
  supervisor().startPools();
  ASSERT_EQ(spawner.started.size(), 3u);
  EXPECT_TRUE(spawner.started[0].startup);
  EXPECT_EQ(supervisor().childCount(), 3u);
  for (const auto& [pid, child] : pools[0]->children) {
    EXPECT_EQ(pools[0]->scoreboard->readSlot(child->slot).pid, pid);
  }
}

TEST_F(SupervisorTest, CleanExitIsReplacedAtOnce) {
  addStaticPool(2);
  supervisor().startPools();
  clock.advance(5'000'000);
  supervisor().onChildExit(anyChild(), exitedWith(0));
  EXPECT_EQ(spawner.started.size(), 3u);
  EXPECT_FALSE(spawner.started.back().startup);
  EXPECT_EQ(supervisor().childCount(), 2u);
}

TEST_F(SupervisorTest, CrashSoonAfterStartIsReplacedOnlyWhenTheBackOffEnds) {
  addStaticPool(2);
  supervisor().startPools();
  clock.advance(10'000);
  supervisor().onChildExit(anyChild(), killedBy(SIGSEGV));
  EXPECT_EQ(spawner.started.size(), 2u);
  EXPECT_EQ(pools[0]->deferred_spawns, 1);
  const int64_t delay = pools[0]->backoff.delayUs();
  ASSERT_GT(delay, 0);

  clock.advance(delay - 1);
  loop.runOnce(0);
  EXPECT_EQ(spawner.started.size(), 2u);
  // The tick must not refill the pool around the back-off either.
  supervisor().tick();
  EXPECT_EQ(spawner.started.size(), 2u);

  clock.advance(1);
  loop.runOnce(0);  // the supervisor's own timer, no tick needed
  EXPECT_EQ(spawner.started.size(), 3u);
  EXPECT_EQ(pools[0]->deferred_spawns, 0);
  EXPECT_EQ(supervisor().childCount(), 2u);
}

TEST_F(SupervisorTest, RepeatedCrashesWaitLongerEachTime) {
  addStaticPool(1);
  supervisor().startPools();
  std::vector<int64_t> delays;
  for (int i = 0; i < 3; ++i) {
    supervisor().onChildExit(anyChild(), killedBy(SIGABRT));
    delays.push_back(pools[0]->backoff.delayUs());
    clock.advance(delays.back());
    loop.runOnce(0);
    ASSERT_EQ(supervisor().childCount(), 1u);
  }
  EXPECT_LT(delays[0], delays[1]);
  EXPECT_LT(delays[1], delays[2]);
}

TEST_F(SupervisorTest, NothingIsReplacedDuringAStop) {
  addStaticPool(2);
  supervisor().startPools();
  serving = false;
  supervisor().onChildExit(anyChild(), exitedWith(0));
  supervisor().onChildExit(anyChild(), killedBy(SIGKILL));
  clock.advance(60'000'000);
  loop.runOnce(0);
  supervisor().tick();
  EXPECT_EQ(spawner.started.size(), 2u);
  EXPECT_EQ(supervisor().childCount(), 0u);
  EXPECT_EQ(emergencies, 0);
}

TEST_F(SupervisorTest, ProcessMaxHoldsTheSpawnsBack) {
  global.process_max = 3;
  addStaticPool(2);
  addStaticPool(2);
  supervisor().startPools();
  EXPECT_EQ(spawner.started.size(), 3u);
  EXPECT_EQ(supervisor().childCount(), 3u);
}

TEST_F(SupervisorTest, FailedStartGivesTheSlotBack) {
  addStaticPool(1);
  spawner.failing = true;
  supervisor().startPools();
  EXPECT_EQ(supervisor().childCount(), 0u);
  EXPECT_EQ(pools[0]->scoreboard->claimSlot(-1), 0);
}

TEST_F(SupervisorTest, SignalDeathsPastTheThresholdAskForAnEmergencyRestart) {
  global.emergency_restart_threshold = 2;
  global.emergency_restart_interval = 60;
  addStaticPool(4);
  supervisor().startPools();
  clock.advance(5'000'000);
  supervisor().onChildExit(anyChild(), killedBy(SIGSEGV));
  EXPECT_EQ(emergencies, 0);
  supervisor().onChildExit(anyChild(), killedBy(SIGBUS));
  EXPECT_EQ(emergencies, 1);
}

TEST_F(SupervisorTest, UnknownPidIsReportedAndChangesNothing) {
  addStaticPool(1);
  supervisor().startPools();
  supervisor().onChildExit(kFirstFakePid + 1000, exitedWith(0));
  EXPECT_EQ(supervisor().childCount(), 1u);
  EXPECT_EQ(spawner.started.size(), 1u);
}

}  // namespace
}  // namespace fpmd::master
