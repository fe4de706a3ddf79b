#include "master/supervisor.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <climits>

#include "log/log.h"
#include "net/listen_queue.h"
#include "os/exit_status.h"
#include "os/process_state.h"

namespace fpmd::master {

namespace {

std::unique_ptr<WorkerOutput> makeOutput(const Pool& pool, pid_t pid,
                                         const config::GlobalConfig& global) {
  WorkerOutputSettings settings;
  settings.pool = pool.name();
  settings.pid = pid;
  settings.decorate = pool.config.decorate_workers_output;
  // Syslog takes whole lines: PHP-FPM buffers for it whatever log_buffering says.
  settings.buffered = global.log_buffering || !log::takesPieces();
  settings.limit = static_cast<size_t>(global.log_limit);
  return std::make_unique<WorkerOutput>(
      std::move(settings), [] { return log::lineStart(log::Level::Warning); },
      [](std::string_view text) { log::writeFormatted(log::Level::Warning, text); });
}

}  // namespace

Supervisor::Supervisor(os::EventLoop& loop, Spawner& spawner, const config::GlobalConfig& global,
                       std::vector<std::unique_ptr<Pool>>& pools, Hooks hooks)
    : loop_(loop),
      clock_(loop.clock()),
      spawner_(spawner),
      global_(global),
      pools_(pools),
      hooks_(std::move(hooks)),
      emergency_(global.emergency_restart_threshold, global.emergency_restart_interval),
      deferred_timer_(loop, [this] { spawnDeferred(); }) {}

size_t Supervisor::childCount() const {
  size_t count = 0;
  for (const auto& pool : pools_) count += pool->children.size();
  return count;
}

os::ProcessCounts Supervisor::processCounts() const {
  os::ProcessCounts counts;
  for (const auto& pool : pools_) {
    for (const auto& [pid, child] : pool->children) {
      if (pool->scoreboard->stage(child->slot) == cgi::Stage::Idle) {
        counts.idle++;
      } else {
        counts.active++;
      }
    }
    counts.requests += pool->scoreboard->header().accepted_conn;
    counts.slow += pool->scoreboard->header().slow_requests;
  }
  return counts;
}

void Supervisor::startPools() {
  for (auto& pool : pools_) {
    int initial = std::min(pm::initialChildren(pool->pm_settings), pool->pm_settings.max_children);
    for (int i = 0; i < initial; ++i) {
      if (!spawn(*pool, true)) break;
    }
    // With request_queue_timeout the master accepts (master/request_queue.h), and each
    // connection it queues counts as one waiting.
    if (pool->config.pm == config::PoolConfig::Pm::Ondemand && !pool->queue_credits) {
      // Edge-triggered: one wake-up per arrival, and the master never accepts: the
      // connection stays queued for the worker it forks (or an idle one).
      Pool* pool_ptr = pool.get();
      loop_.add(pool->listener.get(), EPOLLIN | EPOLLET,
                [this, pool_ptr](uint32_t) { onConnectionsWaiting(*pool_ptr); });
    }
  }
}

bool Supervisor::spawn(Pool& pool, bool startup) {
  int process_max = global_.process_max;
  if (process_max > 0 && childCount() >= static_cast<size_t>(process_max)) {
    log::warning(
        "The maximum number of processes has been reached. Please review your "
        "configuration and consider raising 'process.max'");
    return false;
  }
  if (hooks_.may_spawn && !hooks_.may_spawn(pool)) return false;
  int slot = pool.scoreboard->claimSlot(-1);
  if (slot < 0) return false;
  std::optional<SpawnedWorker> started = spawner_.start(pool, slot, startup);
  if (!started) {
    pool.scoreboard->releaseSlot(slot);
    return false;
  }
  pid_t pid = started->pid;
  pool.scoreboard->setSlotPid(slot, pid);
  auto child = std::make_unique<Child>();
  child->pid = pid;
  child->slot = slot;
  child->started_us = clock_.nowMicros();
  child->startup = startup;
  if (started->stdout_pipe && started->stderr_pipe) {
    int stdout_fd = started->stdout_pipe.get();
    int stderr_fd = started->stderr_pipe.get();
    child->stdout_pipe = std::move(started->stdout_pipe);
    child->stderr_pipe = std::move(started->stderr_pipe);
    child->output = makeOutput(pool, pid, global_);
    Pool* pool_ptr = &pool;
    loop_.add(stdout_fd, EPOLLIN,
              [this, pool_ptr, pid](uint32_t) { onChildOutput(*pool_ptr, pid, false); });
    loop_.add(stderr_fd, EPOLLIN,
              [this, pool_ptr, pid](uint32_t) { onChildOutput(*pool_ptr, pid, true); });
  }
  pool.children[pid] = std::move(child);
  if (startup) {
    log::debug("[pool {}] child {} started", pool.name(), pid);
  } else {
    log::notice("[pool {}] child {} started", pool.name(), pid);
  }
  return true;
}

void Supervisor::onChildOutput(Pool& pool, pid_t pid, bool is_stderr) {
  auto it = pool.children.find(pid);
  if (it == pool.children.end()) return;
  Child& child = *it->second;
  UniqueFd& pipe = is_stderr ? child.stderr_pipe : child.stdout_pipe;
  bool ended = relayPipe(child, is_stderr);
  if (!ended) return;
  loop_.remove(pipe.get());
  pipe.reset();
}

bool Supervisor::relayPipe(Child& child, bool is_stderr) {
  UniqueFd& pipe = is_stderr ? child.stderr_pipe : child.stdout_pipe;
  // All there is, as PHP-FPM reads it: whether the end of the pipe came in the same
  // wake-up decides ", pipe is closed". Bounded, so that a worker writing without pause
  // cannot hold the master; the rest comes at the next wake-up.
  constexpr size_t kMaxPerWakeUp = 1 << 20;
  std::string data;
  bool ended = false;
  char buf[16384];
  while (data.size() < kMaxPerWakeUp) {
    ssize_t n = ::read(pipe.get(), buf, sizeof(buf));
    if (n > 0) {
      data.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) {
      log::sysError(log::Level::Error, "unable to read what child {} said into {}", child.pid,
                    is_stderr ? "stderr" : "stdout");
    }
    ended = true;
    break;
  }
  child.output->relay(is_stderr ? OutputPipe::Stderr : OutputPipe::Stdout, data, ended);
  return ended;
}

void Supervisor::reap() {
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    onChildExit(pid, status);
  }
}

void Supervisor::relayRemainingOutput(Child& child) {
  if (!child.output) return;
  // Only what is already there: the child is gone, nothing more will come.
  for (bool is_stderr : {false, true}) {
    UniqueFd& pipe = is_stderr ? child.stderr_pipe : child.stdout_pipe;
    if (!pipe) continue;
    relayPipe(child, is_stderr);
    loop_.remove(pipe.get());
  }
  child.output->finish();
}

void Supervisor::onChildExit(pid_t pid, int status) {
  Pool* owner = nullptr;
  for (auto& pool : pools_) {
    if (pool->children.count(pid) != 0) owner = pool.get();
  }
  if (owner == nullptr) {
    log::alert("oops, unknown child ({}) exited {}. Please open a bug report.", pid,
               os::describeExit(status));
    return;
  }
  Pool& pool = *owner;
  std::unique_ptr<Child> child = std::move(pool.children[pid]);
  pool.children.erase(pid);
  relayRemainingOutput(*child);
  if (hooks_.child_exited)
    hooks_.child_exited(pool, *child, pool.scoreboard->readSlot(child->slot));
  pool.scoreboard->releaseSlot(child->slot);

  int64_t now = clock_.nowMicros();
  int64_t lived_us = now - child->started_us;
  if (child->stopped_by_pm) {
    log::debug(
        "[pool {}] child {} has been killed by the process management after {}.{:06d} "
        "seconds from start",
        pool.name(), pid, lived_us / 1000000, static_cast<int>(lived_us % 1000000));
    return;
  }
  const bool serving = hooks_.serving();
  log::Level level = os::exitedCleanly(status) ? log::Level::Notice : log::Level::Warning;
  if (!serving) level = log::Level::Debug;
  log::log(level, "[pool {}] child {} exited {} after {}.{:06d} seconds from start", pool.name(),
           pid, os::describeExit(status), lived_us / 1000000, static_cast<int>(lived_us % 1000000));

  if (!serving) return;
  if (WIFSIGNALED(status) && emergency_.onChildDeath(WTERMSIG(status), now)) {
    log::warning("{}", emergency_.message());
    hooks_.emergency();
    return;
  }
  // A crash loop must not spin: the back-off delays the replacement.
  pm::BackoffVerdict verdict = pool.backoff.onExit(!os::exitedCleanly(status), lived_us, now);
  if (verdict.log) {
    log::warning("{}",
                 pm::backoffMessage(pool.name(), pid, os::describeExit(status), verdict.delay_us));
  }
  if (verdict.delay_us > 0 || !pool.backoff.maySpawn(now)) {
    pool.deferred_spawns++;
    armDeferredTimer();
    return;
  }
  spawn(pool, false);
}

pm::PoolView Supervisor::poolView(const Pool& pool, int64_t now_us) const {
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
  if (pool.listener) {
    if (auto queue = net::listenQueue(pool.listener.get(), pool.address.isUnix())) {
      view.queued = static_cast<int>(queue->depth);
    }
  }
  view.sleeps = os::sleepsInKernel;
  int process_max = global_.process_max;
  if (process_max > 0)
    view.process_max_room = std::max(0, process_max - static_cast<int>(childCount()));
  return view;
}

void Supervisor::apply(Pool& pool, const pm::PmDecision& decision, int64_t now_us) {
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
  // The policy may have asked to look at the queue again (pm_state.recheck_at_us).
  armDeferredTimer();
}

void Supervisor::onConnectionsWaiting(Pool& pool) {
  if (!hooks_.serving()) return;
  int64_t now = clock_.nowMicros();
  apply(pool, pm::onDemand(pool.pm_settings, poolView(pool, now), pool.pm_state), now);
}

void Supervisor::onConnectionQueued(Pool& pool) {
  if (pool.config.pm == config::PoolConfig::Pm::Static) return;
  int64_t now = clock_.nowMicros();
  pm::PoolView view = poolView(pool, now);
  view.queued = std::max(view.queued, 0) + 1;
  apply(pool, pm::onDemand(pool.pm_settings, view, pool.pm_state), now);
}

void Supervisor::spawnDeferred() {
  if (!hooks_.serving()) return;
  int64_t now_us = clock_.nowMicros();
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
  armDeferredTimer();
}

void Supervisor::armDeferredTimer() {
  int64_t next = INT64_MAX;
  for (const auto& pool : pools_) {
    if (pool->deferred_spawns > 0) next = std::min(next, pool->backoff.nextSpawnUs());
    if (pool->pm_state.recheck_at_us != 0) next = std::min(next, pool->pm_state.recheck_at_us);
  }
  if (next == INT64_MAX) {
    deferred_timer_.disarm();
  } else if (!deferred_timer_.armed() || deferred_timer_.deadline() != next) {
    deferred_timer_.armAt(next);
  }
}

void Supervisor::tick() {
  for (auto& pool : pools_) {
    uint64_t active = 0;
    for (const auto& [pid, child] : pool->children) {
      if (pool->scoreboard->stage(child->slot) != cgi::Stage::Idle) ++active;
    }
    pool->scoreboard->noteActive(active);
    pool->scoreboard->prepareLatency(clock_.nowMicros());
    if (pool->listener) {
      if (auto queue = net::listenQueue(pool->listener.get(), pool->address.isUnix())) {
        pool->scoreboard->setListenQueue(queue->depth, queue->limit);
      }
    }
  }
  if (!hooks_.serving()) return;
  spawnDeferred();
  int64_t now = clock_.nowMicros();
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
