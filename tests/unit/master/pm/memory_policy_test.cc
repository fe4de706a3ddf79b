#include <gtest/gtest.h>

#include "master/pm/memory_policy.h"

namespace fpmd::master::pm {
namespace {

constexpr uint64_t MiB = kMiB;

WorkerMemory idle(pid_t pid, uint64_t mib) {
  return {pid, true, false, mib * MiB, mib * MiB};
}
WorkerMemory busy(pid_t pid, uint64_t mib) {
  return {pid, false, false, mib * MiB, mib * MiB};
}
WorkerMemory leaving(pid_t pid, uint64_t mib) {
  return {pid, false, true, mib * MiB, mib * MiB};
}

PoolMemoryView pool(std::vector<WorkerMemory> workers, uint64_t budget_mib = 0,
                    uint64_t footprint_mib = 40) {
  return {"www", std::move(workers), footprint_mib * MiB, budget_mib * MiB};
}

HostReading host(uint64_t limit_mib, uint64_t available_mib, std::optional<double> psi = 0.0) {
  return {limit_mib * MiB, available_mib * MiB, psi};
}

TEST(MemoryReserve, DefaultsToATenthAndAtLeast64MiB) {
  EXPECT_EQ(reserveBytes(std::nullopt, 1024 * MiB), 102 * MiB + 409 * 1024 + 614);  // 10%
  EXPECT_EQ(reserveBytes(std::nullopt, 300 * MiB), 64 * MiB);
  EXPECT_EQ(reserveBytes(std::nullopt, 100 * MiB), 50 * MiB);  // never half or more
  EXPECT_EQ(reserveBytes(config::GlobalConfig::MemoryReserve{300 * MiB, 0}, 1024 * MiB), 300 * MiB);
  EXPECT_EQ(reserveBytes(config::GlobalConfig::MemoryReserve{0, 25}, 1024 * MiB), 256 * MiB);
  EXPECT_EQ(reserveBytes(config::GlobalConfig::MemoryReserve{0, 0}, 1024 * MiB), 0U);  // off
}

TEST(AutoMaxChildren, DividesTheMemoryByTheFootprintWithinOneAndTheCap) {
  EXPECT_EQ(autoMaxChildren(724 * MiB, 40 * MiB, 256), 18);
  EXPECT_EQ(autoMaxChildren(10 * MiB, 40 * MiB, 256), 1);
  EXPECT_EQ(autoMaxChildren(100000 * MiB, 40 * MiB, 64), 64);
  EXPECT_EQ(autoMaxChildren(640 * MiB, 0, 256), 10);  // no footprint yet: the first guess
}

TEST(Footprint, IsTheFirstGuessThenTheNinetiethPercentile) {
  FootprintEstimator estimator;
  EXPECT_EQ(estimator.footprint(), kFirstFootprintGuess);
  for (uint64_t i = 1; i <= 10; ++i) estimator.record(i * 10 * MiB);
  EXPECT_EQ(estimator.footprint(), 90 * MiB);
  // Only the last 64 samples count: a peak long past is forgotten.
  for (int i = 0; i < 64; ++i) estimator.record(20 * MiB);
  EXPECT_EQ(estimator.footprint(), 20 * MiB);
  estimator.record(0);  // not a reading
  EXPECT_EQ(estimator.samples(), 64U);
}

TEST(AutoSizer, LowersAtOnceAndRaisesOnlyAfterTheHold) {
  AutoSizer sizer;
  EXPECT_EQ(sizer.update(18, 0), 18);
  EXPECT_EQ(sizer.update(12, 1'000'000), 12);
  EXPECT_EQ(sizer.update(14, 2'000'000), 12);
  EXPECT_EQ(sizer.update(13, 20'000'000), 12);
  EXPECT_EQ(sizer.update(15, AutoSizer::kRaiseHoldUs + 2'000'000), 13);  // what held all along
}

TEST(AutoSizer, AWaveringFootprintDoesNotFlap) {
  AutoSizer sizer;
  sizer.update(10, 0);
  int changes = 0;
  int last = 10;
  for (int64_t t = 1; t < 200; ++t) {
    int now = sizer.update(t % 2 == 0 ? 10 : 11, t * 1'000'000);
    if (now != last) ++changes;
    last = now;
  }
  EXPECT_EQ(changes, 0);
}

TEST(HostGuard, ReserveReachedBeginsOneEpisodeUntilItRecovers) {
  HostGuard guard;
  uint64_t reserve = 100 * MiB;
  EXPECT_FALSE(guard.update(host(1024, 500), reserve, 0).began);
  EXPECT_EQ(guard.state(), GuardState::Ok);
  auto change = guard.update(host(1024, 90), reserve, 100'000);
  EXPECT_TRUE(change.began);
  EXPECT_EQ(guard.state(), GuardState::Low);
  EXPECT_FALSE(guard.update(host(1024, 80), reserve, 200'000).began);  // same episode
  // Just above the reserve is not recovered: the margin keeps it from flapping.
  EXPECT_FALSE(guard.update(host(1024, 105), reserve, 300'000).ended);
  EXPECT_EQ(guard.state(), GuardState::Low);
  EXPECT_FALSE(guard.update(host(1024, 200), reserve, 400'000).ended);
  EXPECT_FALSE(guard.update(host(1024, 90), reserve, 500'000).ended);  // dipped: hold restarts
  EXPECT_FALSE(guard.update(host(1024, 200), reserve, 600'000).ended);
  EXPECT_FALSE(guard.update(host(1024, 200), reserve, 2'500'000).ended);
  EXPECT_TRUE(guard.update(host(1024, 200), reserve, 2'600'000).ended);
  EXPECT_EQ(guard.state(), GuardState::Ok);
}

TEST(HostGuard, PressureActsBeforeTheReserveIsReached) {
  HostGuard guard;
  EXPECT_TRUE(guard.update(host(1024, 500, 25.0), 100 * MiB, 0).began);
  EXPECT_EQ(guard.state(), GuardState::Pressure);
  // Under the threshold but not under half of it: still held.
  guard.update(host(1024, 500, 7.0), 100 * MiB, 3'000'000);
  EXPECT_FALSE(guard.update(host(1024, 500, 7.0), 100 * MiB, 6'000'000).ended);
  guard.update(host(1024, 500, 1.0), 100 * MiB, 7'000'000);
  EXPECT_TRUE(guard.update(host(1024, 500, 1.0), 100 * MiB, 9'000'000).ended);
}

TEST(HostGuard, AZeroReserveTurnsItOff) {
  HostGuard guard;
  guard.update(host(1024, 10), 0, 0);
  EXPECT_EQ(guard.state(), GuardState::Off);
  EXPECT_FALSE(guard.short_of_memory());
}

TEST(MaySpawn, APoolOverItsBudgetStartsNoWorkerAndSaysWhy) {
  auto view = pool({busy(1, 290), busy(2, 290)}, 600);
  auto verdict = maySpawn(view, host(4096, 3000), 100 * MiB, GuardState::Ok);
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.reason,
            "[pool www] not starting a worker: pool memory 580 MiB of 600 MiB "
            "(pm.max_pool_memory; a worker takes 40 MiB)");
  view.budget = 700 * MiB;
  EXPECT_TRUE(maySpawn(view, host(4096, 3000), 100 * MiB, GuardState::Ok).allowed);
}

TEST(MaySpawn, TheGuardRefusesWhileShortButNeverTheFirstWorker) {
  auto view = pool({busy(1, 40)});
  EXPECT_FALSE(maySpawn(view, host(1024, 90), 100 * MiB, GuardState::Low).allowed);
  EXPECT_FALSE(maySpawn(view, host(1024, 500, 30), 100 * MiB, GuardState::Pressure).allowed);
  auto empty = pool({leaving(1, 300)});
  EXPECT_TRUE(maySpawn(empty, host(1024, 10), 100 * MiB, GuardState::Low).allowed);
  EXPECT_TRUE(maySpawn(pool({}), host(1024, 10), 100 * MiB, GuardState::Low).allowed);
}

TEST(MaySpawn, ABurstCannotOutrunTheGuardsSamples) {
  // 300 MiB available, 100 MiB reserve, 40 MiB workers: the reading holds none of the
  // workers started since, so each counts at its whole footprint, and only as many start
  // as the room allows before a reading moves.
  PoolMemoryView view = pool({busy(1, 40)});
  int started = 0;
  while (maySpawn(view, host(1024, 300), 100 * MiB, GuardState::Ok).allowed && started < 50) {
    view.workers.push_back({static_cast<pid_t>(100 + started), true, false, 10 * MiB, 0, true});
    ++started;
  }
  EXPECT_EQ(started, 5);  // 5 x 40 MiB fill the 200 MiB above the reserve
}

TEST(MaySpawn, TheGuardOffAndNoBudgetAllowsEverything) {
  EXPECT_TRUE(maySpawn(pool({busy(1, 400)}), host(1024, 10), 0, GuardState::Off).allowed);
}

TEST(ShedForBudget, StopsIdleLargestFirstThenRecyclesBusyOverTheirShare) {
  auto view = pool({idle(1, 50), idle(2, 120), busy(3, 300), busy(4, 100), idle(5, 80)}, 500);
  // 650 MiB used, 150 over: the 120 and the 80 MiB idle ones.
  ShedDecision decision = shedForBudget(view);
  EXPECT_EQ(decision.stop, (std::vector<pid_t>{2, 5}));
  EXPECT_TRUE(decision.recycle.empty());
  EXPECT_EQ(decision.reasons[0],
            "[pool www] stopping idle child 2 (PSS 120 MiB): pool memory 650 MiB is over "
            "pm.max_pool_memory 500 MiB");

  auto all_busy = pool({busy(1, 300), busy(2, 150), busy(3, 100)}, 400);
  decision = shedForBudget(all_busy);
  EXPECT_TRUE(decision.stop.empty());
  EXPECT_EQ(decision.recycle, (std::vector<pid_t>{1}));  // over its share of 133 MiB
}

TEST(ShedForBudget, UnderBudgetOrLeavingWorkersAlreadyCoveringItDoesNothing) {
  EXPECT_TRUE(shedForBudget(pool({idle(1, 100)}, 500)).stop.empty());
  EXPECT_TRUE(shedForBudget(pool({idle(1, 100), leaving(2, 450)}, 500)).stop.empty());
  // The last worker stays.
  auto one = shedForBudget(pool({idle(1, 700)}, 500));
  EXPECT_TRUE(one.stop.empty());
}

TEST(ShedForHost, StopsIdleLargestFirstAcrossPoolsAndKeepsOneEach) {
  PoolMemoryView www = pool({idle(1, 60), idle(2, 90), busy(3, 80)});
  PoolMemoryView api = pool({idle(10, 120)});
  api.name = "api";
  auto decisions = shedForHost({www, api}, 100 * MiB, GuardState::Low);
  ASSERT_EQ(decisions.size(), 2U);
  // api's only worker stays; www gives its 90 then its 60 MiB idle ones.
  EXPECT_EQ(decisions[0].stop, (std::vector<pid_t>{2, 1}));
  EXPECT_TRUE(decisions[1].stop.empty());
  EXPECT_TRUE(decisions[0].recycle.empty());
}

TEST(ShedForHost, RecyclesTheLargestBusyWorkerWhenNoIdleOneIsLeft) {
  auto decisions =
      shedForHost({pool({busy(1, 60), busy(2, 200), busy(3, 90)})}, 50 * MiB, GuardState::Low);
  EXPECT_TRUE(decisions[0].stop.empty());
  EXPECT_EQ(decisions[0].recycle, (std::vector<pid_t>{2}));
}

TEST(ShedForHost, WorkersAlreadyLeavingCountAndOkDoesNothing) {
  auto view = pool({idle(1, 60), leaving(2, 200)});
  EXPECT_TRUE(shedForHost({view}, 150 * MiB, GuardState::Low)[0].stop.empty());
  EXPECT_TRUE(
      shedForHost({pool({idle(1, 60), idle(2, 60)})}, 150 * MiB, GuardState::Ok)[0].stop.empty());
  // Pressure with no shortfall: one worker at a time.
  auto pressured =
      shedForHost({pool({idle(1, 60), idle(2, 70), idle(3, 10)})}, 0, GuardState::Pressure);
  EXPECT_EQ(pressured[0].stop, (std::vector<pid_t>{2}));
}

}  // namespace
}  // namespace fpmd::master::pm
