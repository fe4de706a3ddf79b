// Carrying out the process manager's decisions (pm_policy.h) for each pool.

#include <signal.h>

#include <atomic>
#include <climits>

#include "log/log.h"
#include "master/master.h"
#include "net/listen_queue.h"
#include "os/process_state.h"

namespace fpmd::master {

void Master::startPools() {
  for (auto& pool : pools_) {
    Pool* handback_pool = pool.get();
    loop_.add(pool->handback_master.get(), EPOLLIN,
              [this, handback_pool](uint32_t) { onHandback(*handback_pool); });
    for (int i = 0; i < pm::initialChildren(pool->pm_settings); ++i) {
      if (!spawn(*pool, true)) break;
    }
    if (pool->config.pm == config::PoolConfig::Pm::Ondemand) {
      // Edge-triggered: one wake-up per arrival, and the master never accepts: the
      // connection stays queued for the worker it forks (or an idle one).
      Pool* pool_ptr = pool.get();
      loop_.add(pool->listener.get(), EPOLLIN | EPOLLET,
                [this, pool_ptr](uint32_t) { onConnectionsWaiting(*pool_ptr); });
    }
  }
}

pm::PoolView Master::poolView(const Pool& pool, int64_t now_us) const {
  pm::PoolView view;
  view.now_us = now_us;
  for (const auto& [pid, child] : pool.children) {
    scoreboard::Slot slot = pool.scoreboard->readSlot(child->slot);
    pm::WorkerView worker;
    worker.pid = pid;
    worker.idle = static_cast<cgi::Stage>(slot.stage) == cgi::Stage::Idle;
    worker.started_us = child->started_us;
    worker.last_activity_us =
        slot.request_ended_us != 0 ? slot.request_ended_us : child->started_us;
    worker.stopping = child->stopped_by_pm;
    worker.request_started_us = slot.request_started_us;
    view.workers.push_back(worker);
  }
  if (auto queue = net::listenQueue(pool.listener.get(), pool.address.isUnix())) {
    view.queued = static_cast<int>(queue->depth);
  }
  view.sleeps = os::sleepsInKernel;
  int process_max = config_.global.process_max;
  if (process_max > 0)
    view.process_max_room = std::max(0, process_max - static_cast<int>(childCount()));
  return view;
}

void Master::apply(Pool& pool, const pm::PmDecision& decision, int64_t now_us) {
  for (const std::string& warning : decision.warnings) log::warning("{}", warning);
  if (decision.max_children_reached) {
    std::atomic_ref<uint64_t>(pool.scoreboard->header().max_children_reached).fetch_add(1);
  }
  for (pid_t pid : decision.stop) {
    auto it = pool.children.find(pid);
    if (it == pool.children.end() || it->second->stopped_by_pm) continue;
    it->second->stopped_by_pm = true;
    ::kill(pid, SIGQUIT);
  }
  int spawned = 0;
  for (int i = 0; i < decision.spawn && pool.backoff.maySpawn(now_us); ++i) {
    if (!spawn(pool, false)) break;
    ++spawned;
  }
  if (spawned > 0 && pool.config.pm != config::PoolConfig::Pm::Static) {
    log::debug("[pool {}] {} child(ren) have been created dynamically", pool.name(), spawned);
  }
}

void Master::onConnectionsWaiting(Pool& pool) {
  if (state_ != pm::MasterState::Normal) return;
  int64_t now = scoreboard::nowMicros();
  apply(pool, pm::onDemand(pool.pm_settings, poolView(pool, now), pool.pm_state), now);
}

void Master::spawnDeferred(int64_t now_us) {
  for (auto& pool : pools_) {
    while (pool->deferred_spawns > 0 && pool->backoff.maySpawn(now_us)) {
      pool->deferred_spawns--;
      if (!spawn(*pool, false)) break;
    }
    // Connections still queued at the policy's re-check: no readiness event comes for
    // them again, so look at the queue now.
    int64_t recheck = pool->pm_state.recheck_at_us;
    if (recheck != 0 && now_us >= recheck) {
      pool->pm_state.recheck_at_us = 0;
      apply(*pool, pm::onDemand(pool->pm_settings, poolView(*pool, now_us), pool->pm_state),
            now_us);
    }
  }
}

int64_t Master::nextDeferredSpawnUs() const {
  int64_t next = INT64_MAX;
  for (const auto& pool : pools_) {
    if (pool->deferred_spawns > 0) next = std::min(next, pool->backoff.nextSpawnUs());
    if (pool->pm_state.recheck_at_us != 0) next = std::min(next, pool->pm_state.recheck_at_us);
  }
  return next;
}

void Master::updateScoreboards() {
  for (auto& pool : pools_) {
    uint64_t active = 0;
    for (const auto& [pid, child] : pool->children) {
      if (pool->scoreboard->stage(child->slot) != cgi::Stage::Idle) ++active;
    }
    pool->scoreboard->noteActive(active);
    pool->scoreboard->prepareLatency(scoreboard::nowMicros());
    if (auto queue = net::listenQueue(pool->listener.get(), pool->address.isUnix())) {
      pool->scoreboard->setListenQueue(queue->depth, queue->limit);
    }
  }
}

void Master::maintenance() {
  updateScoreboards();
  sampleWorkerMemory();
  for (auto& endpoint : status_endpoints_) endpoint.server->sweep(scoreboard::nowMicros());
  if (!pending_dispatch_.empty()) dispatchPending();
  if (state_ != pm::MasterState::Normal) return;
  int64_t now = scoreboard::nowMicros();
  spawnDeferred(now);
  for (auto& pool : pools_) {
    // Deferred replacements count as running, so the tick does not refill around the
    // back-off.
    pm::PoolView view = poolView(*pool, now);
    for (int i = 0; i < pool->deferred_spawns; ++i)
      view.workers.push_back(pm::WorkerView{0, false, now, now, false});
    apply(*pool, pm::onTick(pool->pm_settings, view, pool->pm_state), now);
  }
}

}  // namespace fpmd::master
