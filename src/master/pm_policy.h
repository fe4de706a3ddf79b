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
//   - onDemand() forks what the accept queue needs at once, bounded by pm.max_children,
//     process.max and pm.max_spawn_rate (ondemand too), instead of one worker per event;
//   - onTick() also catches up with a known accept queue that idle workers cannot absorb
//     (an edge-triggered readiness event may never come again for those connections);
//   - ondemand counts "max children reached" only when a connection actually waits for a
//     worker (PHP-FPM counts every readiness event at the limit, even with idle workers).

#include <sys/types.h>

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace fpmd::master {

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
};

PoolSettings poolSettings(const config::PoolConfig& pool);

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
};

struct PoolView {
  std::vector<WorkerView> workers;
  int64_t now_us = 0;
  /// Connections waiting in the accept queue; -1 when unknown (unix sockets without
  /// sock_diag, or no measurement on this path).
  int queued = -1;
  /// How many more processes process.max allows, over all pools.
  int process_max_room = INT_MAX;
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

/// Connections are waiting on the pool's socket (it became readable, or the measured
/// queue grew). Forks what the queue needs now; stops nothing.
PmDecision onDemand(const PoolSettings& settings, const PoolView& view, PmState& state);

}  // namespace fpmd::master
