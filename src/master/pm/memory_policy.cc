#include "master/pm/memory_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace fpmd::master::pm {
namespace {

constexpr auto mib = roundedMiB;

bool shortOfMemory(GuardState state) {
  return state == GuardState::Low || state == GuardState::Pressure;
}

// What a worker holds that leaving would give back, as near as the readings tell.
uint64_t sizeOf(const WorkerMemory& worker) {
  return worker.pss != 0 ? worker.pss : worker.rss;
}

int liveWorkers(const PoolMemoryView& pool) {
  return static_cast<int>(std::count_if(pool.workers.begin(), pool.workers.end(),
                                        [](const WorkerMemory& w) { return !w.leaving; }));
}

std::string sizeText(const WorkerMemory& worker) {
  return worker.pss != 0 ? fmt::format("PSS {} MiB", mib(worker.pss))
                         : fmt::format("RSS {} MiB", mib(worker.rss));
}

}  // namespace

uint64_t reserveBytes(const std::optional<config::GlobalConfig::MemoryReserve>& reserve,
                      uint64_t limit) {
  if (!reserve) {
    auto share = static_cast<uint64_t>(static_cast<double>(limit) * kDefaultReservePercent / 100);
    return std::min(limit / 2, std::max(share, kMinimumReserve));
  }
  if (reserve->bytes > 0) return reserve->bytes;
  return static_cast<uint64_t>(std::llround(static_cast<double>(limit) * reserve->percent / 100));
}

int autoMaxChildren(uint64_t pool_memory, uint64_t footprint, int cap) {
  if (footprint == 0) footprint = kFirstFootprintGuess;
  uint64_t fits = pool_memory / footprint;
  return static_cast<int>(std::clamp<uint64_t>(fits, 1, static_cast<uint64_t>(std::max(cap, 1))));
}

void FootprintEstimator::record(uint64_t bytes) {
  if (bytes == 0) return;
  ring_[next_] = bytes;
  next_ = (next_ + 1) % kFootprintSamples;
  count_ = std::min(count_ + 1, kFootprintSamples);
}

uint64_t FootprintEstimator::footprint() const {
  if (count_ == 0) return kFirstFootprintGuess;
  std::vector<uint64_t> sorted(ring_, ring_ + count_);
  auto rank = static_cast<size_t>(std::ceil(kFootprintRank * static_cast<double>(count_))) - 1;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank),
                   sorted.end());
  return sorted[rank];
}

int AutoSizer::update(int wanted, int64_t now_us) {
  if (current_ == 0 || wanted <= current_) {
    current_ = wanted;
    raise_to_ = 0;
    return current_;
  }
  if (raise_to_ == 0) {
    raise_to_ = wanted;
    raise_since_us_ = now_us;
  } else {
    raise_to_ = std::min(raise_to_, wanted);  // raise only to what held all along
  }
  if (now_us - raise_since_us_ >= kRaiseHoldUs) {
    current_ = raise_to_;
    raise_to_ = 0;
  }
  return current_;
}

const char* guardStateName(GuardState state) {
  switch (state) {
    case GuardState::Ok:
      return "ok";
    case GuardState::Low:
      return "low";
    case GuardState::Pressure:
      return "pressure";
    default:
      return "off";
  }
}

HostGuard::Change HostGuard::update(const HostReading& reading, uint64_t reserve, int64_t now_us) {
  Change change;
  if (reserve == 0) {
    change.ended = short_of_memory();
    state_ = GuardState::Off;
    return change;
  }
  bool low = reading.available < reserve;
  bool pressured =
      reading.pressure_some_avg10 && *reading.pressure_some_avg10 >= kPressureThreshold;
  if (low || pressured) {
    change.began = !short_of_memory();
    state_ = low ? GuardState::Low : GuardState::Pressure;
    calm_since_us_ = -1;
    return change;
  }
  if (!short_of_memory()) {
    state_ = GuardState::Ok;
    return change;
  }
  bool calm =
      reading.available >= reserve + reserve / 10 &&
      (!reading.pressure_some_avg10 || *reading.pressure_some_avg10 < kPressureThreshold / 2);
  if (!calm) {
    calm_since_us_ = -1;
    return change;
  }
  if (calm_since_us_ < 0) calm_since_us_ = now_us;
  if (now_us - calm_since_us_ >= kRecoverHoldUs) {
    state_ = GuardState::Ok;
    calm_since_us_ = -1;
    change.ended = true;
  }
  return change;
}

uint64_t poolMemory(const PoolMemoryView& pool) {
  uint64_t total = 0;
  for (const WorkerMemory& worker : pool.workers) {
    if (worker.leaving) continue;
    uint64_t size = sizeOf(worker);
    total += size != 0 ? size : pool.footprint;
  }
  return total;
}

SpawnVerdict maySpawn(const PoolMemoryView& pool, const HostReading& host, uint64_t reserve,
                      GuardState guard) {
  if (liveWorkers(pool) == 0) return {};
  if (guard == GuardState::Low) {
    return {false, fmt::format("[pool {}] not starting a worker: available memory {} MiB is "
                               "under memory_reserve {} MiB",
                               pool.name, mib(host.available), mib(reserve))};
  }
  if (guard == GuardState::Pressure) {
    return {false,
            fmt::format("[pool {}] not starting a worker: memory pressure {:.1f}% "
                        "(PSI some avg10) with {} MiB available",
                        pool.name, host.pressure_some_avg10.value_or(0), mib(host.available))};
  }
  if (reserve > 0) {
    uint64_t growth = 0;
    for (const WorkerMemory& worker : pool.workers) {
      if (worker.leaving) continue;
      if (worker.after_reading) {
        growth += pool.footprint;
      } else if (worker.rss < pool.footprint) {
        growth += pool.footprint - worker.rss;
      }
    }
    uint64_t needed = reserve + growth + pool.footprint;
    if (host.available < needed) {
      return {false, fmt::format("[pool {}] not starting a worker: available memory {} MiB "
                                 "would fall under memory_reserve {} MiB (its workers may grow "
                                 "by {} MiB, a new one takes {} MiB)",
                                 pool.name, mib(host.available), mib(reserve), mib(growth),
                                 mib(pool.footprint))};
    }
  }
  if (pool.budget > 0) {
    uint64_t used = poolMemory(pool);
    if (used + pool.footprint > pool.budget) {
      return {false, fmt::format("[pool {}] not starting a worker: pool memory {} MiB of {} MiB "
                                 "(pm.max_pool_memory; a worker takes {} MiB)",
                                 pool.name, mib(used), mib(pool.budget), mib(pool.footprint))};
    }
  }
  return {};
}

ShedDecision shedForBudget(const PoolMemoryView& pool) {
  ShedDecision decision;
  if (pool.budget == 0) return decision;
  uint64_t used = poolMemory(pool);
  if (used <= pool.budget) return decision;
  uint64_t excess = used - pool.budget;
  int live = liveWorkers(pool);
  std::vector<const WorkerMemory*> idle, busy;
  for (const WorkerMemory& worker : pool.workers) {
    if (!worker.leaving) (worker.idle ? idle : busy).push_back(&worker);
  }
  auto larger = [](const WorkerMemory* a, const WorkerMemory* b) {
    return sizeOf(*a) > sizeOf(*b);
  };
  std::sort(idle.begin(), idle.end(), larger);
  std::sort(busy.begin(), busy.end(), larger);
  std::string why = fmt::format("pool memory {} MiB is over pm.max_pool_memory {} MiB", mib(used),
                                mib(pool.budget));
  for (const WorkerMemory* worker : idle) {
    if (excess == 0 || live <= 1) break;
    decision.stop.push_back(worker->pid);
    decision.reasons.push_back(fmt::format("[pool {}] stopping idle child {} ({}): {}", pool.name,
                                           worker->pid, sizeText(*worker), why));
    excess -= std::min(excess, sizeOf(*worker));
    --live;
  }
  uint64_t share = pool.budget / static_cast<uint64_t>(std::max(live, 1));
  for (const WorkerMemory* worker : busy) {
    if (excess == 0 || sizeOf(*worker) <= share) break;
    decision.recycle.push_back(worker->pid);
    decision.reasons.push_back(
        fmt::format("[pool {}] recycling child {} after its request ({}, its share is {} MiB): {}",
                    pool.name, worker->pid, sizeText(*worker), mib(share), why));
    excess -= std::min(excess, sizeOf(*worker));
  }
  return decision;
}

std::vector<ShedDecision> shedForHost(const std::vector<PoolMemoryView>& pools, uint64_t deficit,
                                      GuardState guard) {
  std::vector<ShedDecision> decisions(pools.size());
  if (!shortOfMemory(guard)) return decisions;
  // What is already on its way out counts as given back.
  bool any_leaving = false;
  for (const PoolMemoryView& pool : pools) {
    for (const WorkerMemory& worker : pool.workers) {
      if (!worker.leaving) continue;
      any_leaving = true;
      deficit -= std::min(deficit, sizeOf(worker));
    }
  }
  bool want_one = deficit == 0 && !any_leaving;  // pressure without a shortfall: one at a time
  if (deficit == 0 && !want_one) return decisions;

  struct Candidate {
    size_t pool;
    const WorkerMemory* worker;
  };
  std::vector<Candidate> idle, busy;
  std::vector<int> live(pools.size());
  for (size_t i = 0; i < pools.size(); ++i) {
    live[i] = liveWorkers(pools[i]);
    for (const WorkerMemory& worker : pools[i].workers) {
      if (!worker.leaving) (worker.idle ? idle : busy).push_back({i, &worker});
    }
  }
  auto larger = [](const Candidate& a, const Candidate& b) {
    return std::max(a.worker->rss, sizeOf(*a.worker)) > std::max(b.worker->rss, sizeOf(*b.worker));
  };
  std::sort(idle.begin(), idle.end(), larger);
  std::sort(busy.begin(), busy.end(), larger);
  std::string why = guard == GuardState::Low
                        ? std::string("available memory is under memory_reserve")
                        : std::string("memory pressure (PSI)");
  auto done = [&] { return deficit == 0 && !want_one; };
  for (const Candidate& candidate : idle) {
    if (done()) break;
    if (live[candidate.pool] <= 1) continue;
    ShedDecision& decision = decisions[candidate.pool];
    decision.stop.push_back(candidate.worker->pid);
    decision.reasons.push_back(fmt::format("[pool {}] stopping idle child {} ({}): {}",
                                           pools[candidate.pool].name, candidate.worker->pid,
                                           sizeText(*candidate.worker), why));
    deficit -= std::min(deficit, sizeOf(*candidate.worker));
    want_one = false;
    --live[candidate.pool];
  }
  if (done()) return decisions;
  // No idle worker left to give enough back: the largest busy one goes after its request
  // (one per reading, so the next reading sees what it freed).
  for (const Candidate& candidate : busy) {
    if (live[candidate.pool] <= 1) continue;
    ShedDecision& decision = decisions[candidate.pool];
    decision.recycle.push_back(candidate.worker->pid);
    decision.reasons.push_back(fmt::format(
        "[pool {}] recycling child {} after its request ({}): {}", pools[candidate.pool].name,
        candidate.worker->pid, sizeText(*candidate.worker), why));
    break;
  }
  return decisions;
}

}  // namespace fpmd::master::pm
