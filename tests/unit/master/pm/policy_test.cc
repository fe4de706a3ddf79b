#include <gtest/gtest.h>

#include <algorithm>

#include "master/pm/pm_policy.h"

namespace fpmd::master::pm {
namespace {

constexpr int64_t kSecond = 1'000'000;

PoolSettings dynamicPool() {
  PoolSettings settings;
  settings.name = "www";
  settings.pm = Pm::Dynamic;
  settings.max_children = 50;
  settings.start_servers = 5;
  settings.min_spare = 5;
  settings.max_spare = 10;
  settings.max_spawn_rate = 32;
  settings.process_idle_timeout_us = 10 * kSecond;
  return settings;
}

PoolSettings ondemandPool() {
  PoolSettings settings = dynamicPool();
  settings.pm = Pm::Ondemand;
  settings.max_children = 5;
  return settings;
}

/// A pool whose workers the test adds, with pids 100, 101, … started one second apart.
struct Pool {
  PoolView view;
  pid_t next_pid = 100;

  pid_t add(bool idle, int64_t last_activity_us = 0) {
    master::pm::WorkerView worker;
    worker.pid = next_pid++;
    worker.idle = idle;
    worker.started_us = (worker.pid - 100) * kSecond;
    worker.last_activity_us = last_activity_us;
    view.workers.push_back(worker);
    return worker.pid;
  }
  void addMany(int n, bool idle, int64_t last_activity_us = 0) {
    for (int i = 0; i < n; ++i) add(idle, last_activity_us);
  }
  /// n workers running a request accepted at `started_us`.
  void addBusy(int n, int64_t started_us) {
    for (int i = 0; i < n; ++i)
      view.workers[static_cast<size_t>(add(false) - 100)].request_started_us = started_us;
  }
  /// What the master does with a decision: fork (fresh workers are idle) and forget the
  /// stopped ones once they have exited.
  void apply(const PmDecision& decision) {
    for (pid_t pid : decision.stop) {
      std::erase_if(view.workers, [pid](const WorkerView& w) { return w.pid == pid; });
    }
    for (int i = 0; i < decision.spawn; ++i) add(true, view.now_us);
  }
  int idle() const {
    return static_cast<int>(std::count_if(view.workers.begin(), view.workers.end(),
                                          [](const WorkerView& w) { return w.idle; }));
  }
};

TEST(PmPolicy, InitialChildrenPerStyle) {
  master::pm::PoolSettings settings = dynamicPool();
  EXPECT_EQ(master::pm::initialChildren(settings), 5);
  settings.pm = Pm::Static;
  EXPECT_EQ(master::pm::initialChildren(settings), 50);
  settings.pm = Pm::Ondemand;
  EXPECT_EQ(master::pm::initialChildren(settings), 0);
}

TEST(PmPolicy, SettingsComeFromThePoolConfig) {
  config::PoolConfig config;
  config.name = "api";
  config.pm = Pm::Ondemand;
  config.pm_max_children = 7;
  config.pm_max_spawn_rate = 4;
  config.pm_process_idle_timeout = 3;
  master::pm::PoolSettings settings = master::pm::poolSettings(config, /*usable_cpus=*/2);
  EXPECT_EQ(settings.name, "api");
  EXPECT_EQ(settings.pm, Pm::Ondemand);
  EXPECT_EQ(settings.max_children, 7);
  EXPECT_EQ(settings.max_spawn_rate, 4);
  EXPECT_EQ(settings.process_idle_timeout_us, 3 * kSecond);
  EXPECT_GE(settings.ramp_step, 1);  // the CPUs fpmd may run on
}

// static

TEST(PmPolicy, StaticRefillsToMaxChildrenAndNeverStops) {
  master::pm::PoolSettings settings = dynamicPool();
  settings.pm = Pm::Static;
  settings.max_children = 4;
  master::pm::PmState state;
  Pool pool;
  pool.addMany(3, true);
  master::pm::PmDecision decision = onTick(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 1);
  EXPECT_TRUE(decision.stop.empty());
  pool.addMany(1, true);
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).spawn, 0);
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 0);
}

TEST(PmPolicy, ProcessMaxCapsSpawnsAndWarnsOncePerEpisode) {
  master::pm::PoolSettings settings = dynamicPool();
  settings.pm = Pm::Static;
  settings.max_children = 4;
  master::pm::PmState state;
  Pool pool;
  pool.view.process_max_room = 1;
  master::pm::PmDecision decision = onTick(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 1);
  ASSERT_EQ(decision.warnings.size(), 1u);
  EXPECT_EQ(decision.warnings[0],
            "The maximum number of processes has been reached. Please review your "
            "configuration and consider raising 'process.max'");
  pool.view.process_max_room = 0;
  decision = master::pm::onTick(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 0);
  EXPECT_TRUE(decision.warnings.empty());
  pool.view.process_max_room = INT_MAX;
  EXPECT_EQ(onTick(settings, pool.view, state).spawn, 4);
  pool.view.process_max_room = 0;
  EXPECT_EQ(onTick(settings, pool.view, state).warnings.size(), 1u);
}

// dynamic, PHP-FPM compatible part

TEST(PmPolicy, DynamicStopsTheOldestIdleWorkerAboveMaxSpare) {
  master::pm::PoolSettings settings = dynamicPool();
  master::pm::PmState state;
  state.spawn_rate = 4;
  Pool pool;
  pool.view.now_us = 20 * kSecond;
  pool.add(false);                      // 100, oldest but busy
  pool.add(true, 19 * kSecond);         // 101, oldest idle, active a second ago
  pool.addMany(10, true, 1 * kSecond);  // 102..111, idle for 19 s but younger
  master::pm::PmDecision decision = onTick(settings, pool.view, state);
  ASSERT_FALSE(decision.stop.empty());
  EXPECT_EQ(decision.stop.front(), 101);
  EXPECT_EQ(decision.spawn, 0);
  EXPECT_EQ(state.spawn_rate, 1);
}

TEST(PmPolicy, DynamicStopsOnlyOnePerTickWhileTheSurplusIsFresh) {
  master::pm::PoolSettings settings = dynamicPool();
  master::pm::PmState state;
  Pool pool;
  pool.view.now_us = 20 * kSecond;
  pool.addMany(20, true, 19 * kSecond);  // 10 over max_spare, idle for 1 s only
  master::pm::PmDecision decision = onTick(settings, pool.view, state);
  EXPECT_EQ(decision.stop, std::vector<pid_t>{100});
}

TEST(PmPolicy, DynamicLadderDoublesUpToMaxSpawnRate) {
  master::pm::PoolSettings settings = dynamicPool();
  settings.min_spare = 40;
  settings.max_spare = 45;
  settings.max_children = 200;
  settings.max_spawn_rate = 10;
  master::pm::PmState state;
  Pool pool;
  pool.addMany(30, false);  // all busy: every tick is short of spares
  std::vector<int> batches;
  for (int tick = 0; tick < 6; ++tick) {
    master::pm::PmDecision decision = onTick(settings, pool.view, state);
    batches.push_back(decision.spawn);
    // The new workers are taken by requests at once.
    for (int i = 0; i < decision.spawn; ++i) pool.add(false);
  }
  // Clamped at 10, where PHP-FPM would go on with 16.
  EXPECT_EQ(batches, (std::vector<int>{1, 2, 4, 8, 10, 10}));
}

TEST(PmPolicy, DynamicSpawnsNoMoreThanTheMissingSparesOrRoomLeft) {
  master::pm::PoolSettings settings = dynamicPool();
  settings.max_children = 12;
  master::pm::PmState state;
  state.spawn_rate = 32;
  Pool pool;
  pool.addMany(3, true);
  pool.addMany(5, false);
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).spawn, 2);  // min_spare 5 - idle 3
  state.spawn_rate = 32;
  pool.addMany(3, false);  // 11 running, 3 idle: room for one
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).spawn, 1);
}

TEST(PmPolicy, DynamicWarnsWhenBusyFromRateEight) {
  master::pm::PoolSettings settings = dynamicPool();
  master::pm::PmState state;
  state.spawn_rate = 4;
  Pool pool;
  pool.addMany(1, true);
  pool.addMany(20, false);
  EXPECT_TRUE(master::pm::onTick(settings, pool.view, state).warnings.empty());
  ASSERT_EQ(state.spawn_rate, 8);
  master::pm::PmDecision decision = onTick(settings, pool.view, state);
  ASSERT_EQ(decision.warnings.size(), 1u);
  EXPECT_EQ(decision.warnings[0],
            "[pool www] seems busy (you may need to increase pm.start_servers, or "
            "pm.min/max_spare_servers), spawning 8 children, there are 1 idle, and 21 total "
            "children");
  EXPECT_EQ(decision.spawn, 4);  // the text shows the rate, the batch is min_spare - idle
}

TEST(PmPolicy, DynamicMaxChildrenWarnsOncePerEpisodeAndCounts) {
  master::pm::PoolSettings settings = dynamicPool();
  settings.max_children = 6;
  master::pm::PmState state;
  state.spawn_rate = 4;
  Pool pool;
  pool.addMany(6, false);
  master::pm::PmDecision decision = onTick(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 0);
  ASSERT_EQ(decision.warnings.size(), 1u);
  EXPECT_EQ(decision.warnings[0],
            "[pool www] server reached pm.max_children setting (6), consider raising it");
  EXPECT_TRUE(decision.max_children_reached);
  EXPECT_EQ(state.max_children_reached, 1u);
  EXPECT_EQ(state.spawn_rate, 1);

  decision = master::pm::onTick(settings, pool.view, state);
  EXPECT_TRUE(decision.warnings.empty());
  EXPECT_FALSE(decision.max_children_reached);
  EXPECT_EQ(state.max_children_reached, 1u);

  // A worker exits, a spawn succeeds: the episode is over.
  pool.view.workers.pop_back();
  EXPECT_EQ(onTick(settings, pool.view, state).spawn, 1);
  pool.add(false);
  decision = onTick(settings, pool.view, state);
  EXPECT_EQ(decision.warnings.size(), 1u);
  EXPECT_EQ(state.max_children_reached, 2u);
}

TEST(PmPolicy, DynamicRateResetsWhenRecovered) {
  master::pm::PoolSettings settings = dynamicPool();
  master::pm::PmState state;
  state.spawn_rate = 16;
  Pool pool;
  pool.addMany(7, true);  // between min_spare and max_spare
  master::pm::PmDecision decision = onTick(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 0);
  EXPECT_TRUE(decision.stop.empty());
  EXPECT_EQ(state.spawn_rate, 1);
}

TEST(PmPolicy, StoppingWorkersAreNeitherIdleNorStoppedTwice) {
  master::pm::PoolSettings settings = dynamicPool();
  master::pm::PmState state;
  Pool pool;
  pool.view.now_us = 5 * kSecond;
  pool.addMany(11, true, 4 * kSecond);
  pool.view.workers[0].stopping = true;  // already asked: 10 idle left, not over max_spare
  EXPECT_TRUE(master::pm::onTick(settings, pool.view, state).stop.empty());
  pool.add(true, 4 * kSecond);
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).stop, std::vector<pid_t>{101});
}

// dynamic, fpmd's faster scale-down

TEST(PmPolicy, DynamicShedsAStaleSurplusInAFewTicksNotOnePerSecond) {
  master::pm::PoolSettings settings = dynamicPool();
  master::pm::PmState state;
  Pool pool;
  pool.addMany(50, true, 0);  // a peak is over: 50 idle since t=0
  int ticks_to_max_spare = -1;
  for (int second = 1; second <= 60; ++second) {
    pool.view.now_us = second * kSecond;
    master::pm::PmDecision decision = onTick(settings, pool.view, state);
    EXPECT_EQ(decision.spawn, 0);
    pool.apply(decision);
    EXPECT_GE(pool.idle(), settings.max_spare);
    if (pool.idle() == settings.max_spare) {
      ticks_to_max_spare = second;
      break;
    }
  }
  // PHP-FPM: 40 ticks. fpmd: one per tick during the 10 s cool-down, then halves.
  ASSERT_GT(ticks_to_max_spare, 0);
  EXPECT_LE(ticks_to_max_spare, 17);
  EXPECT_GT(ticks_to_max_spare, 10);
}

TEST(PmPolicy, DynamicNeverStopsBelowMaxSpareInOneTick) {
  master::pm::PoolSettings settings = dynamicPool();
  master::pm::PmState state;
  Pool pool;
  pool.view.now_us = 100 * kSecond;
  pool.addMany(12, true, 0);  // 2 over max_spare, all stale
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).stop.size(), 2u);
}

TEST(PmPolicy, DynamicOscillatingLoadDoesNotFlap) {
  // Load alternates between 25 and 10 busy workers every 3 s on a pool of 45 with
  // max_spare 20. Requests spread over all workers, so none stays idle for the cool-down:
  // fpmd sheds at PHP-FPM's pace (one per tick) down to 30 workers and never respawns.
  master::pm::PoolSettings settings = dynamicPool();
  settings.max_spare = 20;
  master::pm::PmState state;
  Pool pool;
  pool.addMany(45, true, 0);
  size_t next = 0;
  int stopped = 0;
  int spawned = 0;
  for (int second = 1; second <= 60; ++second) {
    pool.view.now_us = second * kSecond;
    int busy = (second / 3) % 2 == 0 ? 25 : 10;
    for (master::pm::WorkerView& worker : pool.view.workers) worker.idle = true;
    for (int i = 0; i < busy; ++i) {
      master::pm::WorkerView& worker = pool.view.workers[next++ % pool.view.workers.size()];
      worker.idle = false;
      worker.last_activity_us = pool.view.now_us;
    }
    master::pm::PmDecision decision = onTick(settings, pool.view, state);
    EXPECT_LE(decision.stop.size(), 1u) << "at " << second << " s";
    stopped += static_cast<int>(decision.stop.size());
    spawned += decision.spawn;
    pool.apply(decision);
  }
  EXPECT_EQ(spawned, 0);
  EXPECT_EQ(stopped, 15);
}

// dynamic, fpmd's ramp-up on demand

TEST(PmPolicy, DynamicDemandForksForConnectionsBehindLongRequests) {
  master::pm::PoolSettings settings = dynamicPool();
  settings.ramp_step = 8;
  master::pm::PmState state;
  Pool pool;
  pool.view.now_us = kSecond;
  pool.addBusy(5, 0);  // running for a second: held
  pool.addMany(2, true);
  pool.view.queued = 12;
  // The wait begins: its first interval has one worker taking connections, and two idle
  // ones will.
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 0);
  pool.view.now_us += settings.ramp_interval_us;
  master::pm::PmDecision decision = onDemand(settings, pool.view, state);
  // One per CPU now, doubled by the workers held by long requests (8 to 16, 2 of them
  // idle): all 10 that wait beyond the idle ones get a worker, + min_spare.
  EXPECT_EQ(decision.spawn, 15);
  EXPECT_EQ(state.spawn_rate, 1);  // the tick's ladder is untouched

  settings.ramp_step = 1000;
  pool.view.queued = 1000;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 32);  // pm.max_spawn_rate
  settings.max_children = 10;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 3);
}

TEST(PmPolicy, DynamicDemandWithUnknownQueue) {
  master::pm::PoolSettings settings = dynamicPool();
  master::pm::PmState state;
  Pool pool;
  pool.addMany(8, false);
  // Readable socket, nobody idle: one connection waits at least.
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 6);
  pool.add(true);
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 0);
}

TEST(PmPolicy, DynamicTickCatchesUpWithAMeasuredQueue) {
  master::pm::PoolSettings settings = dynamicPool();
  master::pm::PmState state;
  Pool pool;
  settings.ramp_step = 8;
  pool.view.now_us = kSecond;
  pool.addBusy(20, 0);
  pool.addMany(6, true);  // enough spares for PHP-FPM's rule
  pool.view.queued = 9;
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).spawn, 0);  // the wait's first interval
  pool.view.now_us += settings.ramp_interval_us;
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).spawn,
            8);  // 3 beyond the idle, + min_spare
  pool.view.queued = 6;
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).spawn, 0);
}

// ondemand

TEST(PmPolicy, OndemandForksOnlyWhenNoWorkerIsIdle) {
  master::pm::PoolSettings settings = ondemandPool();
  master::pm::PmState state;
  Pool pool;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 1);
  pool.add(true);
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 0);
  pool.view.workers[0].idle = false;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 1);
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).spawn,
            0);  // unknown queue: nothing to catch up
}

TEST(PmPolicy, OndemandMaxChildrenTextHasNoPmPrefix) {
  master::pm::PoolSettings settings = ondemandPool();
  master::pm::PmState state;
  Pool pool;
  pool.addMany(5, false);
  master::pm::PmDecision decision = onDemand(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 0);
  ASSERT_EQ(decision.warnings.size(), 1u);
  EXPECT_EQ(decision.warnings[0],
            "[pool www] server reached max_children setting (5), consider raising it");
  EXPECT_TRUE(decision.max_children_reached);
  EXPECT_TRUE(master::pm::onDemand(settings, pool.view, state).warnings.empty());
  EXPECT_EQ(state.max_children_reached, 1u);
}

TEST(PmPolicy, OndemandFullPoolWithAnIdleWorkerIsNotMaxChildrenReached) {
  master::pm::PoolSettings settings = ondemandPool();
  master::pm::PmState state;
  Pool pool;
  pool.addMany(4, false);
  pool.add(true);
  master::pm::PmDecision decision = onDemand(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 0);
  EXPECT_TRUE(decision.warnings.empty());
  EXPECT_EQ(state.max_children_reached, 0u);
}

TEST(PmPolicy, OndemandBurstForksUpToTheRampStepAtOnce) {
  master::pm::PoolSettings settings = ondemandPool();
  settings.max_children = 100;
  settings.max_spawn_rate = 20;
  settings.ramp_step = 64;
  master::pm::PmState state;
  Pool pool;
  pool.add(true);
  pool.view.queued = 9;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn,
            0);                                   // the idle one takes the first
  pool.view.now_us += settings.ramp_interval_us;  // still waiting
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 8);
  pool.view.queued = 50;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 20);
  pool.view.process_max_room = 3;
  master::pm::PmDecision decision = onDemand(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 3);
  EXPECT_EQ(decision.warnings.size(), 1u);
}

TEST(PmPolicy, OndemandTickCatchesUpWithAMeasuredQueue) {
  master::pm::PoolSettings settings = ondemandPool();
  master::pm::PmState state;
  settings.ramp_step = 4;
  Pool pool;
  pool.add(false);  // its request has run for 100 s
  pool.view.queued = 3;
  pool.view.now_us = 100 * kSecond;
  master::pm::PmDecision decision = onTick(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 2);  // the first interval's one worker, doubled: one is held
  EXPECT_TRUE(decision.stop.empty());
  pool.view.now_us += settings.ramp_interval_us;
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).spawn, 3);
}

// The cold burst: 50 short requests on 2 CPUs. Forking one worker per connection made
// them compete with the workers already draining the queue.
TEST(PmPolicy, OndemandShortBurstGetsOneWorkerThenOnePerCpu) {
  master::pm::PoolSettings settings = ondemandPool();
  settings.max_children = 16;
  settings.ramp_step = 2;
  master::pm::PmState state;
  Pool pool;
  pool.view.now_us = 10 * kSecond;
  pool.view.queued = 50;
  master::pm::PmDecision decision = onDemand(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 1);
  EXPECT_TRUE(decision.warnings.empty());
  // Connections still wait and nothing else will wake the master for them: look again.
  EXPECT_EQ(state.recheck_at_us, pool.view.now_us + settings.ramp_interval_us);
  pool.apply(decision);

  // More arrivals while it starts: it is the capacity.
  pool.view.queued = 48;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 0);

  // An interval later it serves short requests, each accepted just now, and connections
  // still wait: a second one, for the second CPU.
  pool.view.now_us += settings.ramp_interval_us;
  auto busyNow = [&pool] {
    for (master::pm::WorkerView& worker : pool.view.workers) {
      worker.idle = false;
      worker.request_started_us = pool.view.now_us - 1000;
    }
  };
  busyNow();
  pool.view.queued = 30;
  decision = master::pm::onDemand(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 1);
  pool.apply(decision);
  busyNow();
  pool.view.now_us += settings.ramp_interval_us;
  busyNow();
  pool.view.queued = 10;
  EXPECT_EQ(onDemand(settings, pool.view, state).spawn, 0);  // both cycle: the queue drains
  EXPECT_EQ(state.recheck_at_us, pool.view.now_us + settings.ramp_interval_us);
  EXPECT_EQ(state.ramp_width, 0);

  // Served: no re-check.
  pool.view.queued = 0;
  EXPECT_EQ(onDemand(settings, pool.view, state).spawn, 0);
  EXPECT_EQ(state.recheck_at_us, 0);
}

TEST(PmPolicy, OndemandLongRequestsDoubleTheRampEachInterval) {
  master::pm::PoolSettings settings = ondemandPool();
  settings.max_children = 100;
  settings.max_spawn_rate = 100;
  settings.ramp_step = 2;
  master::pm::PmState state;
  Pool pool;
  pool.view.now_us = 10 * kSecond;
  pool.view.queued = 100;
  pool.apply(master::pm::onDemand(settings, pool.view, state));  // 1: the wait's first interval
  ASSERT_EQ(pool.view.workers.size(), 1u);
  std::vector<int> rounds;
  for (int round = 0; round < 4; ++round) {
    // Every worker took a connection and still runs it an interval later.
    for (master::pm::WorkerView& worker : pool.view.workers) {
      if (worker.idle) {
        worker.idle = false;
        worker.request_started_us = pool.view.now_us;
        pool.view.queued--;
      }
    }
    pool.view.now_us += settings.ramp_interval_us;
    master::pm::PmDecision decision = onDemand(settings, pool.view, state);
    // Further arrivals within the same interval do not double the width again.
    EXPECT_EQ(onDemand(settings, pool.view, state).spawn, decision.spawn);
    rounds.push_back(decision.spawn);
    pool.apply(decision);
  }
  EXPECT_EQ(rounds, (std::vector<int>{4, 8, 16, 32}));
  EXPECT_NE(state.recheck_at_us, 0);
}

// A fresh worker's first requests, or any request on a host short of CPU, can outlast the
// ramp interval while the worker runs: more workers would only compete for the CPUs.
TEST(PmPolicy, OndemandLongRequestsOnACpuDoNotWidenTheRamp) {
  master::pm::PoolSettings settings = ondemandPool();
  settings.max_children = 16;
  settings.ramp_step = 2;
  master::pm::PmState state;
  Pool pool;
  pool.view.now_us = kSecond;
  pool.addBusy(2, 0);
  pool.view.queued = 40;
  std::vector<pid_t> asked;
  pool.view.sleeps = [&asked](pid_t pid) {
    asked.push_back(pid);
    return false;  // both run
  };
  master::pm::PmDecision decision = onDemand(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 0);
  EXPECT_EQ(state.ramp_width, 0);
  EXPECT_EQ(asked, (std::vector<pid_t>{100, 101}));
  EXPECT_NE(state.recheck_at_us, 0);  // the queue waits: look again

  // An interval later one of them sleeps (waits for a database, say): it is held.
  pool.view.now_us += settings.ramp_interval_us;
  pool.view.sleeps = [](pid_t pid) { return pid == 101; };
  decision = master::pm::onDemand(settings, pool.view, state);
  EXPECT_EQ(state.ramp_width, 4);
  EXPECT_EQ(decision.spawn, 3);  // 4 taking connections, 1 of them the running one

  // Only workers past the ramp interval are asked, and none once the pool is full.
  asked.clear();
  pool.view.sleeps = [&asked](pid_t pid) {
    asked.push_back(pid);
    return true;
  };
  pool.addBusy(1, pool.view.now_us);
  onDemand(settings, pool.view, state);
  EXPECT_EQ(asked, (std::vector<pid_t>{100, 101}));
  asked.clear();
  pool.addBusy(13, pool.view.now_us);
  onDemand(settings, pool.view, state);
  EXPECT_TRUE(asked.empty());
}

TEST(PmPolicy, OndemandFullPoolWithWaitingConnectionsCountsEvenWhileCycling) {
  master::pm::PoolSettings settings = ondemandPool();  // max_children 5
  master::pm::PmState state;
  Pool pool;
  pool.addBusy(5, 0);  // short requests, accepted just now
  pool.view.queued = 7;
  master::pm::PmDecision decision = onDemand(settings, pool.view, state);
  EXPECT_EQ(decision.spawn, 0);
  EXPECT_TRUE(decision.max_children_reached);
  EXPECT_EQ(state.recheck_at_us, 0);  // the pool cannot grow: no re-check
}

TEST(PmPolicy, UnknownQueueNeverSchedulesARecheck) {
  master::pm::PoolSettings settings = ondemandPool();
  master::pm::PmState state;
  Pool pool;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 1);
  EXPECT_EQ(state.recheck_at_us, 0);
}

TEST(PmPolicy, ProcessMaxRoomStopsTheRecheck) {
  master::pm::PoolSettings settings = ondemandPool();
  settings.ramp_step = 1;
  master::pm::PmState state;
  Pool pool;
  pool.view.queued = 4;
  pool.view.process_max_room = 1;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 1);
  EXPECT_EQ(state.recheck_at_us, 0);
  pool.view.process_max_room = 2;
  EXPECT_EQ(master::pm::onDemand(settings, pool.view, state).spawn, 1);
  EXPECT_NE(state.recheck_at_us, 0);
}

TEST(PmPolicy, OndemandStopsWorkersIdlePastTheTimeoutOnly) {
  master::pm::PoolSettings settings = ondemandPool();
  master::pm::PmState state;
  Pool pool;
  pool.view.now_us = 20 * kSecond;
  pool.add(true, 10 * kSecond);  // idle exactly 10 s: stays
  pool.add(true, 9 * kSecond);   // idle 11 s: goes
  pool.add(false, 0);            // busy
  pool.add(true, 15 * kSecond);  // recently active
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).stop, std::vector<pid_t>{101});
}

TEST(PmPolicy, OndemandShedsHalfOfTheStaleWorkersPerTick) {
  master::pm::PoolSettings settings = ondemandPool();
  settings.max_children = 50;
  master::pm::PmState state;
  Pool pool;
  pool.addMany(40, true, 0);
  std::vector<size_t> stops;
  for (int second = 1; pool.view.workers.size() > 0 && second < 60; ++second) {
    pool.view.now_us = second * kSecond;
    master::pm::PmDecision decision = onTick(settings, pool.view, state);
    if (second <= 10) {
      EXPECT_TRUE(decision.stop.empty());
    }
    if (!decision.stop.empty()) stops.push_back(decision.stop.size());
    pool.apply(decision);
  }
  EXPECT_TRUE(pool.view.workers.empty());
  EXPECT_EQ(stops, (std::vector<size_t>{20, 10, 5, 3, 1, 1}));  // PHP-FPM: 40 ticks
}

TEST(PmPolicy, OndemandStopsOldestStartedFirst) {
  master::pm::PoolSettings settings = ondemandPool();
  master::pm::PmState state;
  Pool pool;
  pool.view.now_us = 100 * kSecond;
  pool.addMany(4, true, 0);
  std::reverse(pool.view.workers.begin(), pool.view.workers.end());
  EXPECT_EQ(master::pm::onTick(settings, pool.view, state).stop, (std::vector<pid_t>{100, 101}));
}

}  // namespace
}  // namespace fpmd::master::pm
