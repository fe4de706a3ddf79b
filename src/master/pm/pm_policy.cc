#include "master/pm/pm_policy.h"

#include <fmt/format.h>

#include <algorithm>

namespace fpmd::master::pm {
namespace {

struct Counts {
  int running = 0;  // every process holding a slot, stopping ones included
  int idle = 0;     // idle and not already asked to stop
};

Counts countWorkers(const PoolView& view) {
  Counts counts;
  counts.running = static_cast<int>(view.workers.size());
  for (const WorkerView& worker : view.workers) {
    if (worker.idle && !worker.stopping) ++counts.idle;
  }
  return counts;
}

int spawnRateCap(const PoolSettings& settings) {
  return std::max(1, settings.max_spawn_rate);
}

/// Idle workers that may be stopped, oldest start first: PHP-FPM picks the oldest, which
/// also recycles the process that has accumulated the most state.
std::vector<const WorkerView*> idleOldestFirst(const PoolView& view) {
  std::vector<const WorkerView*> idle;
  for (const WorkerView& worker : view.workers) {
    if (worker.idle && !worker.stopping) idle.push_back(&worker);
  }
  std::sort(idle.begin(), idle.end(), [](const WorkerView* a, const WorkerView* b) {
    if (a->started_us != b->started_us) return a->started_us < b->started_us;
    return a->pid < b->pid;
  });
  return idle;
}

bool idleLongerThan(const WorkerView& worker, int64_t now_us, int64_t limit_us) {
  return now_us - worker.last_activity_us > limit_us;
}

/// Half of the stale workers per tick, at least one: after a peak the surplus goes in a
/// few seconds instead of one per second (php-src#12798), yet a load that comes back
/// mid-way still finds part of the pool warm instead of forking it all again.
size_t halfRoundedUp(size_t n) {
  return (n + 1) / 2;
}

void reachedMaxChildren(const PoolSettings& settings, PmState& state, PmDecision& decision) {
  if (state.max_children_warned) return;
  // ondemand's text has no "pm." (fpm_pctl_on_socket_accept); operators grep for both.
  const char* directive = settings.pm == Pm::Ondemand ? "max_children" : "pm.max_children";
  decision.warnings.push_back(
      fmt::format("[pool {}] server reached {} setting ({}), consider "
                  "raising it",
                  settings.name, directive, settings.max_children));
  decision.max_children_reached = true;
  ++state.max_children_reached;
  state.max_children_warned = true;
}

/// `wanted` forks, cut by process.max (already below pm.max_children). The warning is
/// PHP-FPM's, logged once until a spawn is no longer cut.
int capByProcessMax(const PoolView& view, int wanted, PmState& state, PmDecision& decision) {
  int room = std::max(0, view.process_max_room);
  if (wanted <= room) {
    state.process_max_warned = false;
    return wanted;
  }
  if (!state.process_max_warned) {
    decision.warnings.push_back(
        "The maximum number of processes has been reached. Please review your configuration "
        "and consider raising 'process.max'");
    state.process_max_warned = true;
  }
  return room;
}

/// Connections that no idle worker will take. With an unknown queue, a readiness event
/// with no idle worker means at least one connection waits (PHP-FPM's ondemand rule);
/// a tick without a measurement knows nothing.
int queueShortfall(const PoolView& view, int idle, bool readiness_event) {
  int waiting = view.queued;
  if (waiting < 0) waiting = readiness_event && idle == 0 ? 1 : 0;
  return std::max(0, waiting - idle);
}

/// Workers that will take a queued connection soon (`progressing`): idle ones (just forked
/// included), busy ones whose request started within the ramp interval (they cycle
/// through short requests), and busy ones that run or wait for a CPU (a new worker would
/// compete for the same CPUs). The others (`held`) sleep in a longer request.
struct Progress {
  int progressing = 0;
  int held = 0;
};

Progress workerProgress(const PoolSettings& settings, const PoolView& view) {
  Progress progress;
  for (const WorkerView& worker : view.workers) {
    if (worker.stopping) continue;
    bool recent = view.now_us - worker.request_started_us < settings.ramp_interval_us;
    if (worker.idle || recent || (view.sleeps && !view.sleeps(worker.pid))) {
      ++progress.progressing;
    } else {
      ++progress.held;
    }
  }
  return progress;
}

constexpr int64_t kNever = INT64_MIN / 2;

/// The part of the shortfall worth forking for now. With a measured queue, workers that
/// take connections are kept at about one per CPU (ramp_step): more serve a burst of
/// short requests no sooner, and their start-up takes CPU from the workers draining the
/// queue. Workers held by long requests do not count, so connections behind them get new
/// workers, and each interval that finds such workers doubles the width (4, 8, 16 … on 2
/// CPUs) so a burst of slow requests reaches its size in a few rounds. With an unknown
/// queue, PHP-FPM's rule (one per readiness event with nobody idle) forks little anyway.
int rampedShortfall(const PoolSettings& settings, const PoolView& view, int shortfall,
                    PmState& state) {
  if (shortfall <= 0) {
    state.ramp_width = 0;
    state.ramp_grown_us = kNever;
    state.ramp_started_us = kNever;
    return 0;
  }
  if (view.queued < 0) return shortfall;
  if (static_cast<int>(view.workers.size()) >= settings.max_children) return 0;
  if (state.ramp_started_us == kNever) state.ramp_started_us = view.now_us;
  Progress progress = workerProgress(settings, view);
  // The first interval of a wait gets one worker taking connections: a fresh worker needs
  // about 10 ms of CPU (fork, start-up, its cold first request) before it serves at full
  // speed, more than a short burst holds. Connections still waiting an interval later
  // get one per CPU.
  bool first_interval = view.now_us - state.ramp_started_us < settings.ramp_interval_us;
  int width = std::max({1, first_interval ? 1 : settings.ramp_step, state.ramp_width});
  // Once per interval: every arrival is a readiness event, and a burst must not double the
  // width once per connection.
  if (progress.held > 0 && view.now_us >= state.ramp_grown_us + settings.ramp_interval_us) {
    width = std::min(width * 2, std::max(settings.max_children, 1));
    state.ramp_width = width;
    state.ramp_grown_us = view.now_us;
  }
  return std::clamp(width - progress.progressing, 0, shortfall);
}

/// Forks for waiting connections: what rampedShortfall() allows, plus dynamic's min_spare
/// so the pool is not saturated again by the next arrival; at most pm.max_spawn_rate per
/// turn so a flood of connections cannot make the master fork hundreds of PHP workers at
/// once.
int demandWanted(const PoolSettings& settings, int ramped) {
  if (ramped <= 0) return 0;
  int wanted = ramped + (settings.pm == Pm::Dynamic ? settings.min_spare : 0);
  return std::min(wanted, spawnRateCap(settings));
}

struct QueueDemand {
  int shortfall = 0;  // connections no idle worker will take
  int wanted = 0;     // forks justified now
};

/// What the queue asks for, and whether to look again after the ramp interval: while
/// connections wait beyond what is forked now and the pool may still grow, nothing else
/// may wake the master for them (the readiness event is edge-triggered).
QueueDemand queueDemand(const PoolSettings& settings, const PoolView& view, Counts counts,
                        bool readiness_event, PmState& state) {
  QueueDemand demand;
  demand.shortfall = queueShortfall(view, counts.idle, readiness_event);
  demand.wanted = demandWanted(settings, rampedShortfall(settings, view, demand.shortfall, state));
  bool may_grow = counts.running + demand.wanted < settings.max_children &&
                  demand.wanted < view.process_max_room;
  bool waiting = view.queued >= 0 && demand.shortfall > demand.wanted;
  state.recheck_at_us = waiting && may_grow ? view.now_us + settings.ramp_interval_us : 0;
  return demand;
}

PmDecision spawnForDemand(const PoolSettings& settings, const PoolView& view, Counts counts,
                          QueueDemand demand, PmState& state) {
  PmDecision decision;
  if (demand.shortfall <= 0) return decision;
  // Connections wait and the pool is full: the episode counts even while the workers
  // still cycle through them.
  if (counts.running >= settings.max_children) {
    reachedMaxChildren(settings, state, decision);
    return decision;
  }
  if (demand.wanted <= 0) return decision;
  int n = std::min(demand.wanted, settings.max_children - counts.running);
  decision.spawn = capByProcessMax(view, n, state, decision);
  if (decision.spawn > 0) state.max_children_warned = false;
  return decision;
}

PmDecision tickStatic(const PoolSettings& settings, const PoolView& view, PmState& state) {
  PmDecision decision;
  int missing = settings.max_children - countWorkers(view).running;
  if (missing > 0) decision.spawn = capByProcessMax(view, missing, state, decision);
  return decision;
}

PmDecision stopSurplusDynamic(const PoolSettings& settings, const PoolView& view, Counts counts) {
  PmDecision decision;
  std::vector<const WorkerView*> idle = idleOldestFirst(view);
  // PHP-FPM's rule: the oldest idle worker goes, however briefly it has been idle.
  decision.stop.push_back(idle.front()->pid);
  // fpmd: the rest of the surplus goes too once it has stayed idle for the cool-down, so
  // a short dip in load does not shed workers that the next second needs again. Never
  // below max_spare idle (hence never below min_spare).
  std::vector<pid_t> stale;
  for (size_t i = 1; i < idle.size(); ++i) {
    if (idleLongerThan(*idle[i], view.now_us, settings.process_idle_timeout_us)) {
      stale.push_back(idle[i]->pid);
    }
  }
  size_t surplus = static_cast<size_t>(counts.idle - settings.max_spare);
  size_t extra = std::min(surplus - 1, halfRoundedUp(stale.size()));
  decision.stop.insert(decision.stop.end(), stale.begin(), stale.begin() + extra);
  return decision;
}

PmDecision tickDynamic(const PoolSettings& settings, const PoolView& view, PmState& state) {
  Counts counts = countWorkers(view);
  if (counts.idle > settings.max_spare) {
    state.spawn_rate = 1;
    return stopSurplusDynamic(settings, view, counts);
  }
  QueueDemand for_queue = queueDemand(settings, view, counts, false, state);
  if (counts.idle >= settings.min_spare) {
    state.spawn_rate = 1;
    return spawnForDemand(settings, view, counts, for_queue, state);
  }

  PmDecision decision;
  if (counts.running >= settings.max_children) {
    reachedMaxChildren(settings, state, decision);
    state.spawn_rate = 1;
    return decision;
  }
  if (state.spawn_rate >= 8) {
    decision.warnings.push_back(fmt::format(
        "[pool {}] seems busy (you may need to increase pm.start_servers, or "
        "pm.min/max_spare_servers), spawning {} children, there are {} idle, and {} total "
        "children",
        settings.name, state.spawn_rate, counts.idle, counts.running));
  }
  int wanted = std::min(state.spawn_rate, settings.min_spare - counts.idle);
  // fpmd: a measured queue is served now rather than by the 1-2-4 ladder.
  wanted = std::max(wanted, for_queue.wanted);
  wanted = std::min(wanted, settings.max_children - counts.running);
  decision.spawn = capByProcessMax(view, wanted, state, decision);
  if (decision.spawn > 0) state.max_children_warned = false;
  // Clamped: PHP-FPM doubles while below the cap, so a rate of 10 yields batches of 16.
  state.spawn_rate = std::min(state.spawn_rate * 2, spawnRateCap(settings));
  return decision;
}

PmDecision tickOndemand(const PoolSettings& settings, const PoolView& view, PmState& state) {
  Counts counts = countWorkers(view);
  QueueDemand for_queue = queueDemand(settings, view, counts, false, state);
  if (for_queue.shortfall > 0) return spawnForDemand(settings, view, counts, for_queue, state);

  // PHP-FPM checks only the oldest idle worker and stops at most one per tick; fpmd
  // considers every worker idle past pm.process_idle_timeout and stops half of them.
  PmDecision decision;
  std::vector<pid_t> stale;
  for (const WorkerView* worker : idleOldestFirst(view)) {
    if (idleLongerThan(*worker, view.now_us, settings.process_idle_timeout_us)) {
      stale.push_back(worker->pid);
    }
  }
  stale.resize(halfRoundedUp(stale.size()));
  decision.stop = std::move(stale);
  return decision;
}

}  // namespace

PoolSettings poolSettings(const config::PoolConfig& pool, int usable_cpus) {
  PoolSettings settings;
  settings.name = pool.name;
  settings.pm = pool.pm;
  settings.max_children = pool.pm_max_children;
  settings.start_servers = pool.pm_start_servers;
  settings.min_spare = pool.pm_min_spare_servers;
  settings.max_spare = pool.pm_max_spare_servers;
  settings.max_spawn_rate = pool.pm_max_spawn_rate;
  settings.process_idle_timeout_us = int64_t{pool.pm_process_idle_timeout} * 1'000'000;
  settings.ramp_step = std::max(1, usable_cpus);
  return settings;
}

int initialChildren(const PoolSettings& settings) {
  switch (settings.pm) {
    case Pm::Static:
      return settings.max_children;
    case Pm::Dynamic:
      return settings.start_servers;
    case Pm::Ondemand:
      return 0;
  }
  return 0;
}

PmDecision onTick(const PoolSettings& settings, const PoolView& view, PmState& state) {
  switch (settings.pm) {
    case Pm::Static:
      return tickStatic(settings, view, state);
    case Pm::Dynamic:
      return tickDynamic(settings, view, state);
    case Pm::Ondemand:
      return tickOndemand(settings, view, state);
  }
  return {};
}

PmDecision onDemand(const PoolSettings& settings, const PoolView& view, PmState& state) {
  if (settings.pm == Pm::Static) return {};
  Counts counts = countWorkers(view);
  return spawnForDemand(settings, view, counts, queueDemand(settings, view, counts, true, state),
                        state);
}

}  // namespace fpmd::master::pm
