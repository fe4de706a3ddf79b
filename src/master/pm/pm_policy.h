#pragma once

// The process manager's decisions (PHP-FPM's fpm_pctl_perform_idle_server_maintenance and
// fpm_pctl_on_socket_accept) as pure functions: the master describes a pool as it is now,
// the policy says how many workers to fork and which idle ones to SIGQUIT. No processes,
// no clock, no logging here, so every rule is unit-tested with a fake time.
//
// The master owns one PmState per pool and calls, always in the master process:
//   - initialChildren() once per pool at start-up (and after a reload's re-exec);
//   - onTick() from the 1-second maintenance heartbeat;
//   - onDemand() when the pool's listening socket becomes readable (ondemand, and dynamic
//     when it watches the socket), so a burst is served within one event-loop turn.
// It then forks `spawn` workers, SIGQUITs the `stop` pids (marking them killed by the
// process manager: no respawn, DEBUG "has been killed by the process management" line),
// logs `warnings` at WARNING and bumps the scoreboard's max-children-reached counter when
// `max_children_reached` is set.
//
// Where fpmd departs from PHP-FPM (see the .cc for the reasons):
//   - dynamic: the per-tick spawn batch is clamped to pm.max_spawn_rate (PHP-FPM doubles
//     past it when the rate is not a power of two, e.g. 16 with a rate of 10);
//   - dynamic: beyond PHP-FPM's one stop per tick, idle workers above pm.max_spare_servers
//     that have been idle for pm.process_idle_timeout go too, half of them per tick;
//   - ondemand: every worker idle for longer than pm.process_idle_timeout is a candidate
//     (PHP-FPM only looks at the oldest one) and half of them go per tick (PHP-FPM: one);
//   - onDemand() forks for a measured accept queue without waiting for one readiness event
//     per fork, bounded by pm.max_children, process.max and pm.max_spawn_rate (ondemand
//     too), and paced by progress: one worker takes connections during the first ramp
//     interval of a wait (a short burst is over before a second one would pay for its
//     start-up), then it keeps about one worker per CPU taking connections (idle, just
//     forked, cycling through short requests, or running a long one on a CPU) and adds
//     more, doubling per ramp interval, only for connections stuck behind requests that
//     sleep in the kernel (a slow upstream, sleep()) for longer than the ramp interval.
//     Forking one worker per waiting connection made a burst of short requests slower than
//     PHP-FPM's one fork per event: on 2 CPUs, 16 fresh workers starting up competed with
//     the 2 that were already serving the queue (45 ms against 14 ms for 50 requests);
//   - while connections wait and the pool may still grow, the policy asks to be called
//     again after the ramp interval (PmState::recheck_at_us): an edge-triggered readiness
//     event may never come again for connections already queued;
//   - onTick() also catches up with a known accept queue that idle workers cannot absorb,
//     by the same rule;
//   - ondemand counts "max children reached" only when a connection actually waits for a
//     worker (PHP-FPM counts every readiness event at the limit, even with idle workers).

#include <sys/types.h>

#include <climits>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"

namespace fpmd::master::pm {

using Pm = config::PoolConfig::Pm;

struct PoolSettings {
  std::string name;  // for the "[pool %s]" prefix of the warnings
  Pm pm = Pm::Static;
  int max_children = 5;
  int start_servers = 2;
  int min_spare = 1;
  int max_spare = 3;
  int max_spawn_rate = 32;
  /// pm.process_idle_timeout: ondemand's idle limit, and the cool-down before dynamic
  /// stops more than one surplus worker per tick.
  int64_t process_idle_timeout_us = 10'000'000;
  /// Workers that take connections at once, at most, when a queue builds up: beyond one
  /// per CPU, short requests are served no sooner, and each fresh worker's start-up takes
  /// CPU from the ones serving the queue.
  int ramp_step = 1;
  /// A request running for longer than this holds its worker: connections queued behind
  /// it get a worker of their own. Also the delay of the re-check while they wait. A fresh
  /// worker's first request takes several ms (measured: 8-13 ms for hello.php on a busy
  /// 2-CPU host, php-fpm's alike), so a shorter interval mistakes it for a long one.
  int64_t ramp_interval_us = 20'000;
};

/// `usable_cpus`: how many workers can run at once (the ramp-up's step), read by the caller.
PoolSettings poolSettings(const config::PoolConfig& pool, int usable_cpus);

struct WorkerView {
  pid_t pid = 0;
  /// Waiting for a connection. A worker just forked that has not accepted yet counts as
  /// idle (its scoreboard slot starts Idle): it is capacity about to arrive, and counting
  /// it keeps successive events from forking for the same connections again.
  bool idle = true;
  /// Start of the current idle period: end of the last request, or the start of the
  /// worker if it has not served one yet (PHP-FPM's fpm_request_last_activity).
  int64_t last_activity_us = 0;
  int64_t started_us = 0;
  /// Already sent SIGQUIT by the process manager: still holds a slot (counts against
  /// pm.max_children) but is neither idle capacity nor a candidate to stop again.
  bool stopping = false;
  /// When the request it runs now was accepted (meaningful only when not idle).
  int64_t request_started_us = 0;
};

struct PoolView {
  std::vector<WorkerView> workers;
  int64_t now_us = 0;
  /// Connections waiting in the accept queue; -1 when unknown (unix sockets without
  /// sock_diag, or no measurement on this path).
  int queued = -1;
  /// How many more processes process.max allows, over all pools.
  int process_max_room = INT_MAX;
  /// Whether a worker sleeps in the kernel rather than runs or waits for a CPU. Asked only
  /// about workers whose request has run for longer than the ramp interval, while
  /// connections wait and the pool may grow. Unset: every such worker counts as sleeping.
  std::function<bool(pid_t)> sleeps;
};

/// What must survive from one call to the next, per pool.
struct PmState {
  /// dynamic's per-tick spawn batch: 1, 2, 4, … up to pm.max_spawn_rate.
  int spawn_rate = 1;
  /// The "reached max_children" warning was logged in the current episode; cleared by
  /// the next successful spawn.
  bool max_children_warned = false;
  /// Same for process.max.
  bool process_max_warned = false;
  /// Episodes of hitting pm.max_children (the status page's "max children reached").
  uint64_t max_children_reached = 0;
  /// When to call onDemand() again because connections still wait for a worker the pool
  /// may fork; 0: no re-check pending.
  int64_t recheck_at_us = 0;
  /// How many workers may take connections while a queue waits: PoolSettings::ramp_step,
  /// doubled by each ramp interval that finds workers held by long requests; 0 once the
  /// queue is served.
  int ramp_width = 0;
  /// When ramp_width last doubled: at most once per ramp interval.
  int64_t ramp_grown_us = INT64_MIN / 2;
  /// When connections began to wait for a worker (the first interval gets one worker).
  int64_t ramp_started_us = INT64_MIN / 2;
};

struct PmDecision {
  int spawn = 0;
  /// Idle workers to SIGQUIT, oldest first.
  std::vector<pid_t> stop;
  /// Lines to log at WARNING, PHP-FPM's texts.
  std::vector<std::string> warnings;
  /// Bump the scoreboard's max-children-reached counter by one.
  bool max_children_reached = false;
};

/// static: pm.max_children; dynamic: pm.start_servers; ondemand: none.
int initialChildren(const PoolSettings& settings);

/// The 1-second maintenance of one pool. Call only while the master may spawn (normal
/// state).
PmDecision onTick(const PoolSettings& settings, const PoolView& view, PmState& state);

/// Connections are waiting on the pool's socket (it became readable, the measured queue
/// grew, or a re-check fell due). Forks what the queue needs now; stops nothing.
PmDecision onDemand(const PoolSettings& settings, const PoolView& view, PmState& state);

}  // namespace fpmd::master::pm
