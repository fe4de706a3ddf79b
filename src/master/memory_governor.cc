#include "master/memory_governor.h"

#include <signal.h>

#include <algorithm>
#include <atomic>

#include "log/log.h"
#include "os/process_memory.h"

namespace fpmd::master {
namespace {

constexpr auto mib = pm::roundedMiB;

/// A maySpawn() just after other forks reads the host again when the last reading is
/// older than this: a burst of forks is paced by fresh readings, not the 200-ms timer.
constexpr int64_t kSpawnReadingAgeUs = 20'000;

const char* sourceName(os::CgroupVersion source) {
  switch (source) {
    case os::CgroupVersion::V1:
      return "cgroup v1 limit";
    case os::CgroupVersion::V2:
      return "cgroup v2 limit";
    default:
      return "host memory";
  }
}

scoreboard::MemoryGuardState boardState(pm::GuardState state) {
  switch (state) {
    case pm::GuardState::Ok:
      return scoreboard::MemoryGuardState::Ok;
    case pm::GuardState::Low:
      return scoreboard::MemoryGuardState::Low;
    case pm::GuardState::Pressure:
      return scoreboard::MemoryGuardState::Pressure;
    default:
      return scoreboard::MemoryGuardState::Off;
  }
}

void countRecycled(Pool& pool) {
  std::atomic_ref<uint64_t>(pool.scoreboard->header().recycled_for_memory).fetch_add(1);
}

}  // namespace

MemoryGovernor::MemoryGovernor(os::EventLoop& loop, const config::GlobalConfig& global,
                               std::vector<std::unique_ptr<Pool>>& pools, HostReader read_host,
                               Hooks hooks)
    : loop_(loop),
      global_(global),
      pools_(pools),
      read_host_(std::move(read_host)),
      hooks_(std::move(hooks)),
      timer_(loop, [this] {
        timer_.armAfter(kSampleIntervalUs);
        sample();
      }) {}

void MemoryGovernor::start() {
  states_.assign(pools_.size(), PoolMemoryState{});
  readHost();
  if (host_) {
    guard_.update(pm::HostReading{host_->limit, host_->available, std::nullopt}, reserve_,
                  loop_.clock().nowMicros());
    log::debug("memory: {} {} MiB, {} MiB available, memory_reserve {} MiB",
               sourceName(host_->source), mib(host_->limit), mib(host_->available), mib(reserve_));
  }
  resizeAutoPools();
  publish();
  timer_.armAfter(kSampleIntervalUs);
}

size_t MemoryGovernor::indexOf(const Pool& pool) const {
  size_t index = 0;
  while (index < pools_.size() && pools_[index].get() != &pool) ++index;
  return index;  // pools_.size(): not one of ours
}

void MemoryGovernor::readHost() {
  host_ = read_host_();
  host_read_us_ = loop_.clock().nowMicros();
  reserve_ = host_ ? pm::reserveBytes(global_.memory_reserve, host_->limit) : 0;
}

pm::PoolMemoryView MemoryGovernor::viewOf(const Pool& pool, const PoolMemoryState& state) const {
  pm::PoolMemoryView view;
  view.name = pool.name();
  view.footprint = state.footprint.footprint();
  view.budget = pool.config.pm_max_pool_memory;
  for (const auto& [pid, child] : pool.children) {
    scoreboard::Slot slot = pool.scoreboard->readSlot(child->slot);
    pm::WorkerMemory worker;
    worker.pid = pid;
    worker.idle = static_cast<cgi::Stage>(slot.stage) == cgi::Stage::Idle;
    worker.leaving = child->stopped_by_pm || child->recycled_for_memory ||
                     slot.exit_reason != static_cast<uint8_t>(scoreboard::ExitReason::None);
    worker.rss = std::max(slot.memory_rss, slot.rss_after_request);
    worker.pss = slot.memory_pss;
    // The worker's own reading after a request is newer than the master's last sample:
    // what it grew by since counts in full (private memory, as a leak is).
    if (worker.pss != 0 && slot.rss_after_request > slot.memory_rss) {
      worker.pss += slot.rss_after_request - slot.memory_rss;
    }
    worker.after_reading = child->started_us > host_read_us_;
    view.workers.push_back(worker);
  }
  return view;
}

bool MemoryGovernor::maySpawn(Pool& pool) {
  if (states_.empty()) return true;  // not started (tests of other parts)
  if (loop_.clock().nowMicros() - host_read_us_ > kSpawnReadingAgeUs) readHost();
  size_t index = indexOf(pool);
  if (index == states_.size()) return true;
  pm::HostReading reading;
  if (host_) {
    reading = {host_->limit, host_->available,
               host_->pressure ? std::optional<double>(host_->pressure->some_avg10) : std::nullopt};
  }
  uint64_t reserve = host_ ? reserve_ : 0;
  pm::SpawnVerdict verdict =
      pm::maySpawn(viewOf(pool, states_[index]), reading, reserve, guard_.state());
  if (verdict.allowed) {
    pool.memory_refusal.succeeded();
    return true;
  }
  if (pool.memory_refusal.failed()) log::warning("{}", verdict.reason);
  return false;
}

void MemoryGovernor::recordFootprints(Pool& pool, PoolMemoryState& state) {
  for (auto& [pid, child] : pool.children) {
    scoreboard::Slot slot = pool.scoreboard->readSlot(child->slot);
    if (slot.requests == child->requests_seen) continue;
    child->requests_seen = slot.requests;
    state.footprint.record(std::max(slot.rss_after_request, slot.rss_peak));
  }
}

void MemoryGovernor::refreshPss(Pool& pool, size_t& budget_left) {
  if (pool.children.empty() || budget_left == 0) return;
  std::vector<Child*> children;
  for (auto& [pid, child] : pool.children) children.push_back(child.get());
  size_t count = std::min(children.size(), budget_left);
  for (size_t i = 0; i < count; ++i) {
    Child* child = children[(pss_cursor_ + i) % children.size()];
    if (auto memory = os::readProcessMemory(child->pid)) {
      pool.scoreboard->setMemory(child->slot, memory->rss, memory->pss);
    }
  }
  pss_cursor_ = (pss_cursor_ + count) % children.size();
  budget_left -= count;
}

void MemoryGovernor::resizeAutoPools() {
  int auto_pools_sharing_host = 0;
  for (const auto& pool : pools_) {
    if (pool->config.pm_max_children_auto && pool->config.pm_max_pool_memory == 0) {
      ++auto_pools_sharing_host;
    }
  }
  int64_t now = loop_.clock().nowMicros();
  for (size_t i = 0; i < pools_.size(); ++i) {
    Pool& pool = *pools_[i];
    if (!pool.config.pm_max_children_auto) continue;
    PoolMemoryState& state = states_[i];
    int cap = static_cast<int>(pool.scoreboard->slotCount());
    uint64_t usable = 0;
    std::string from;
    if (pool.config.pm_max_pool_memory > 0) {
      usable = pool.config.pm_max_pool_memory;
      from = fmt::format("pm.max_pool_memory {} MiB", mib(usable));
    } else if (host_) {
      uint64_t limit = host_->limit;
      usable = (limit > reserve_ ? limit - reserve_ : 0) /
               static_cast<uint64_t>(std::max(auto_pools_sharing_host, 1));
      from = fmt::format("{} MiB - {} MiB reserve", mib(limit), mib(reserve_));
      if (auto_pools_sharing_host > 1) {
        from = fmt::format("({}) / {} pools", from, auto_pools_sharing_host);
      }
    } else {
      continue;  // nothing to size from: the cap stays
    }
    uint64_t footprint = state.footprint.footprint();
    int wanted = pm::autoMaxChildren(usable, footprint, cap);
    int in_effect = state.auto_size.update(wanted, now);
    pool.pm_settings.max_children = in_effect;
    if (in_effect != state.logged_max_children) {
      log::notice("[pool {}] pm.max_children = auto: {} ({}) / {} MiB per worker{}", pool.name(),
                  in_effect, from, mib(footprint),
                  state.footprint.samples() == 0 ? " (first guess, before any request)" : "");
      state.logged_max_children = in_effect;
    }
  }
}

void MemoryGovernor::publish() {
  for (auto& pool : pools_) {
    scoreboard::Header& header = pool->scoreboard->header();
    size_t index = indexOf(*pool);
    auto store = [](uint64_t& field, uint64_t value) {
      std::atomic_ref<uint64_t>(field).store(value, std::memory_order_relaxed);
    };
    store(header.max_children, static_cast<uint64_t>(pool->pm_settings.max_children));
    store(header.memory_budget, pool->config.pm_max_pool_memory);
    store(header.memory_reserve, reserve_);
    store(header.memory_limit, host_ ? host_->limit : 0);
    store(header.memory_available, host_ ? host_->available : 0);
    store(header.worker_footprint,
          index < states_.size() ? states_[index].footprint.footprint() : 0);
    std::atomic_ref<uint8_t>(header.max_children_auto)
        .store(pool->config.pm_max_children_auto ? 1 : 0, std::memory_order_relaxed);
    std::atomic_ref<uint8_t>(header.memory_guard)
        .store(static_cast<uint8_t>(boardState(guard_.state())), std::memory_order_relaxed);
  }
}

void MemoryGovernor::carryOut(Pool& pool, const pm::ShedDecision& decision) {
  for (const std::string& reason : decision.reasons) log::notice("{}", reason);
  for (pid_t pid : decision.stop) {
    auto it = pool.children.find(pid);
    if (it == pool.children.end() || it->second->stopped_by_pm) continue;
    it->second->stopped_by_pm = true;
    countRecycled(pool);
    hooks_.signal(pid, SIGQUIT);
  }
  for (pid_t pid : decision.recycle) {
    auto it = pool.children.find(pid);
    if (it == pool.children.end() || it->second->recycled_for_memory) continue;
    it->second->recycled_for_memory = true;
    countRecycled(pool);
    hooks_.signal(pid, SIGQUIT);  // a worker finishes its request before it leaves
  }
}

void MemoryGovernor::stopSurplus(Pool& pool) {
  // pm.max_children = auto went down: idle workers above it go, the busy ones stay (their
  // requests finish; they are not replaced past the new number).
  int live = 0;
  for (const auto& [pid, child] : pool.children) {
    if (!child->stopped_by_pm && !child->recycled_for_memory) ++live;
  }
  int surplus = live - pool.pm_settings.max_children;
  for (auto& [pid, child] : pool.children) {
    if (surplus <= 0) break;
    if (child->stopped_by_pm || child->recycled_for_memory) continue;
    if (pool.scoreboard->stage(child->slot) != cgi::Stage::Idle) continue;
    child->stopped_by_pm = true;
    hooks_.signal(pid, SIGQUIT);
    --surplus;
  }
}

void MemoryGovernor::sample() {
  readHost();
  int64_t now = host_read_us_;
  pm::HostReading reading;
  if (host_) {
    reading = {host_->limit, host_->available,
               host_->pressure ? std::optional<double>(host_->pressure->some_avg10) : std::nullopt};
    pm::HostGuard::Change change = guard_.update(reading, reserve_, now);
    if (change.began) {
      if (guard_.state() == pm::GuardState::Low) {
        log::warning(
            "memory guard: available memory {} MiB is under memory_reserve {} MiB ({} {} MiB, "
            "{} MiB in use): no new workers; idle ones stopped and the largest recycled until "
            "it recovers",
            mib(host_->available), mib(reserve_), sourceName(host_->source), mib(host_->limit),
            mib(host_->used));
      } else {
        log::warning(
            "memory guard: memory pressure {:.1f}% (PSI some avg10) with {} MiB available of "
            "{} MiB: no new workers; idle ones stopped and the largest recycled until it "
            "recovers",
            reading.pressure_some_avg10.value_or(0), mib(host_->available), mib(host_->limit));
      }
    }
    if (change.ended) {
      log::notice(
          "memory guard: memory recovered ({} MiB available, memory_reserve {} MiB): "
          "workers may start again",
          mib(host_->available), mib(reserve_));
    }
  }
  size_t pss_reads_left = kPssReadsPerSample;
  for (size_t i = 0; i < pools_.size(); ++i) {
    recordFootprints(*pools_[i], states_[i]);
    if (pools_[i]->config.pm_max_pool_memory > 0) refreshPss(*pools_[i], pss_reads_left);
  }
  resizeAutoPools();
  publish();
  if (!hooks_.serving()) return;

  for (size_t i = 0; i < pools_.size(); ++i) {
    carryOut(*pools_[i], pm::shedForBudget(viewOf(*pools_[i], states_[i])));
    stopSurplus(*pools_[i]);
  }
  if (host_ && guard_.short_of_memory()) {
    std::vector<pm::PoolMemoryView> views;
    for (size_t i = 0; i < pools_.size(); ++i) views.push_back(viewOf(*pools_[i], states_[i]));
    uint64_t deficit = reserve_ > host_->available ? reserve_ - host_->available : 0;
    std::vector<pm::ShedDecision> decisions = pm::shedForHost(views, deficit, guard_.state());
    for (size_t i = 0; i < pools_.size(); ++i) carryOut(*pools_[i], decisions[i]);
  }
}

void MemoryGovernor::onChildExit(Pool& pool, const Child& child, const scoreboard::Slot& slot) {
  size_t index = indexOf(pool);
  if (index < states_.size() && slot.requests != child.requests_seen) {
    states_[index].footprint.record(std::max(slot.rss_after_request, slot.rss_peak));
  }
  if (slot.exit_reason == static_cast<uint8_t>(scoreboard::ExitReason::MaxMemory)) {
    countRecycled(pool);
    log::notice(
        "[pool {}] child {} recycled: RSS {} MiB after its request is over "
        "pm.max_memory {} MiB",
        pool.name(), child.pid, mib(slot.rss_after_request), mib(pool.config.pm_max_memory));
  }
}

}  // namespace fpmd::master
