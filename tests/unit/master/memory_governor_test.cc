// The memory governor wired to a supervisor whose spawner only hands out pids, with host
// readings and a clock the test sets: admission before each fork, the guard's shedding,
// pm.max_memory exits and auto sizing, without a process or a cgroup.

#include "master/memory_governor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <utility>
#include <vector>

#include "master/supervisor.h"
#include "unit/fake_clock.h"

namespace fpmd::master {
namespace {

constexpr uint64_t MiB = uint64_t{1} << 20;
// Far above any pid_max (at most 2^22): a signal sent by mistake reaches no one, and the
// test records the signals instead of sending them anyway.
constexpr pid_t kFirstFakePid = 2'000'000'000;

class PidSpawner final : public Spawner {
 public:
  std::optional<SpawnedWorker> start(Pool&, int, bool) override {
    SpawnedWorker worker;
    worker.pid = next_pid++;
    return worker;
  }
  pid_t next_pid = kFirstFakePid;
};

class MemoryGovernorTest : public ::testing::Test {
 protected:
  Pool& addPool(config::PoolConfig::Pm pm, int max_children, uint64_t budget = 0,
                bool auto_children = false) {
    auto pool = std::make_unique<Pool>();
    pool->config.name = "www";
    pool->config.pm = pm;
    pool->config.pm_max_children = max_children;
    pool->config.pm_start_servers = max_children;
    pool->config.pm_max_pool_memory = budget;
    pool->config.pm_max_children_auto = auto_children;
    pool->pm_settings = pm::poolSettings(pool->config, 2);
    pool->scoreboard = std::make_unique<scoreboard::Scoreboard>(static_cast<size_t>(max_children),
                                                                "www", static_cast<uint8_t>(pm));
    pools.push_back(std::move(pool));
    return *pools.back();
  }

  void start() {
    governor = std::make_unique<MemoryGovernor>(
        loop, global, pools, [this] { return std::optional<os::HostMemory>(host); },
        MemoryGovernor::Hooks{
            [] { return true; },
            [this](pid_t pid, int signal) { signals.emplace_back(pid, signal); }});
    supervisor = std::make_unique<Supervisor>(
        loop, spawner, global, pools,
        Supervisor::Hooks{[] { return true; }, [] {},
                          [this](Pool& pool) { return governor->maySpawn(pool); },
                          [this](Pool& pool, const Child& child, const scoreboard::Slot& slot) {
                            governor->onChildExit(pool, child, slot);
                          }});
    governor->start();
    supervisor->startPools();
  }

  void setHost(uint64_t limit, uint64_t available) {
    host.limit = limit;
    host.available = available;
    host.used = limit - available;
    host.source = os::CgroupVersion::V1;
  }

  /// One request served by `pid`, which ended it at `rss` bytes.
  void served(Pool& pool, pid_t pid, uint64_t rss) {
    int slot = pool.children.at(pid)->slot;
    pool.scoreboard->beginRequest(slot, clock.nowMicros(), "GET", "/", "", 0);
    pool.scoreboard->endRequest(slot, clock.nowMicros(), 0, 0);
    pool.scoreboard->setRssAfterRequest(slot, rss, rss);
  }

  testing::FakeClock clock;
  os::EventLoop loop{clock};
  PidSpawner spawner;
  config::GlobalConfig global;
  std::vector<std::unique_ptr<Pool>> pools;
  os::HostMemory host;
  std::vector<std::pair<pid_t, int>> signals;
  std::unique_ptr<MemoryGovernor> governor;
  std::unique_ptr<Supervisor> supervisor;
};

TEST_F(MemoryGovernorTest, TheSeedsPoolStartsOnlyWhatTheMemoryHolds) {
  // Seed 004's 50 workers on a box with 1000 MiB available and a 100 MiB reserve: each
  // unmeasured worker may still grow to the first guess (64 MiB), so a fork beside k
  // workers needs 100 + 64 k + 64 MiB available: k = 13 still fits (996), 14 workers, not 50.
  global.memory_reserve = config::GlobalConfig::MemoryReserve{100 * MiB, 0};
  setHost(1024 * MiB, 1000 * MiB);
  addPool(config::PoolConfig::Pm::Static, 50);
  start();
  EXPECT_EQ(pools[0]->children.size(), 14u);
  EXPECT_TRUE(pools[0]->memory_refusal.failing());
}

TEST_F(MemoryGovernorTest, WithoutMemoryShortageEveryWorkerStarts) {
  global.memory_reserve = config::GlobalConfig::MemoryReserve{100 * MiB, 0};
  setHost(64 * 1024 * MiB, 60 * 1024 * MiB);
  addPool(config::PoolConfig::Pm::Static, 50);
  start();
  EXPECT_EQ(pools[0]->children.size(), 50u);
  EXPECT_FALSE(pools[0]->memory_refusal.failing());
}

TEST_F(MemoryGovernorTest, UnderTheReserveIdleWorkersGoButOneStays) {
  global.memory_reserve = config::GlobalConfig::MemoryReserve{100 * MiB, 0};
  setHost(8192 * MiB, 8000 * MiB);
  Pool& pool = addPool(config::PoolConfig::Pm::Static, 4);
  start();
  ASSERT_EQ(pool.children.size(), 4u);
  for (auto& [pid, child] : pool.children) served(pool, pid, 40 * MiB);

  setHost(8192 * MiB, 10 * MiB);  // something else took the memory
  governor->sample();
  EXPECT_EQ(governor->guardState(), pm::GuardState::Low);
  // 90 MiB short, 40 MiB a worker: three idle ones stopped, the fourth kept.
  EXPECT_EQ(signals.size(), 3u);
  for (const auto& [pid, signal] : signals) {
    EXPECT_EQ(signal, SIGQUIT);
    EXPECT_TRUE(pool.children.at(pid)->stopped_by_pm);
  }
  // Stopped workers are not replaced while memory is short.
  for (const auto& [pid, signal] : signals) supervisor->onChildExit(pid, 0);
  supervisor->tick();
  EXPECT_EQ(pool.children.size(), 1u);
  EXPECT_EQ(pool.scoreboard->header().recycled_for_memory, 3u);
  EXPECT_EQ(pool.scoreboard->header().memory_guard,
            static_cast<uint8_t>(scoreboard::MemoryGuardState::Low));
}

TEST_F(MemoryGovernorTest, AWorkerOverMaxMemoryIsCountedAndReplaced) {
  setHost(8192 * MiB, 8000 * MiB);
  Pool& pool = addPool(config::PoolConfig::Pm::Static, 2);
  pool.config.pm_max_memory = 64 * MiB;
  start();
  pid_t pid = pool.children.begin()->first;
  served(pool, pid, 80 * MiB);
  pool.scoreboard->setExitReason(pool.children.at(pid)->slot, scoreboard::ExitReason::MaxMemory);
  supervisor->onChildExit(pid, 0);
  EXPECT_EQ(pool.scoreboard->header().recycled_for_memory, 1u);
  EXPECT_EQ(pool.children.size(), 2u);  // replaced
  EXPECT_EQ(pool.children.count(pid), 0u);
}

TEST_F(MemoryGovernorTest, AutoMaxChildrenFollowsTheMeasuredFootprint) {
  setHost(8192 * MiB, 8000 * MiB);
  Pool& pool = addPool(config::PoolConfig::Pm::Dynamic, 16, 640 * MiB, true);
  pool.pm_settings.start_servers = 2;
  start();
  EXPECT_EQ(pool.pm_settings.max_children, 10);  // 640 MiB / the 64 MiB first guess
  for (auto& [pid, child] : pool.children) served(pool, pid, 128 * MiB);
  governor->sample();
  EXPECT_EQ(pool.pm_settings.max_children, 5);  // lower: at once
  EXPECT_EQ(pool.scoreboard->header().max_children, 5u);
  EXPECT_EQ(pool.scoreboard->header().worker_footprint, 128 * MiB);
}

}  // namespace
}  // namespace fpmd::master
