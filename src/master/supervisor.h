#pragma once

// The pools' workers: starting them (through a Spawner), burying them, relaying their
// output, and carrying out the process manager's decisions (master/pm) — including the
// crash-loop back-off's deferred replacements, on a timer of its own.

#include <sys/types.h>

#include <functional>
#include <memory>
#include <vector>

#include "config/config.h"
#include "master/pm/emergency_restart.h"
#include "master/pm/pm_policy.h"
#include "master/pool.h"
#include "master/spawner.h"
#include "os/event_loop.h"
#include "os/systemd_notify.h"

namespace fpmd::master {

class Supervisor {
 public:
  struct Hooks {
    /// Whether the master serves normally (no stop or reload in progress): only then are
    /// workers replaced and pools grown.
    std::function<bool()> serving;
    /// emergency_restart_threshold was crossed: the master reloads.
    std::function<void()> emergency;
    /// The memory governor's admission: whether `pool` may fork one more worker now.
    /// Unset: always.
    std::function<bool(Pool&)> may_spawn;
    /// A child exited; its slot as it left it (before the slot is released). Unset: nobody.
    std::function<void(Pool&, const Child&, const scoreboard::Slot&)> child_exited;
  };

  Supervisor(os::EventLoop& loop, Spawner& spawner, const config::GlobalConfig& global,
             std::vector<std::unique_ptr<Pool>>& pools, Hooks hooks);

  /// Each pool's first workers; an ondemand pool's listening socket watched.
  void startPools();
  /// Reaps every child that has exited (on SIGCHLD).
  void reap();
  /// A child of ours exited with wait status `status`.
  void onChildExit(pid_t pid, int status);
  /// The process manager's 1-s tick: grow, shrink, replace.
  void tick();
  /// A connection was queued for `pool`'s workers (a kept-alive one the master passed on):
  /// make sure a worker exists to take it.
  void onConnectionQueued(Pool& pool);

  size_t childCount() const;
  os::ProcessCounts processCounts() const;

 private:
  bool spawn(Pool& pool, bool startup);
  void onChildOutput(Pool& pool, pid_t pid, bool is_stderr);
  /// Reads one of the child's pipes dry into its output; true when the pipe ended.
  bool relayPipe(Child& child, bool is_stderr);
  void relayRemainingOutput(Child& child);
  pm::PoolView poolView(const Pool& pool, int64_t now_us) const;
  void apply(Pool& pool, const pm::PmDecision& decision, int64_t now_us);
  void onConnectionsWaiting(Pool& pool);
  /// Replacements the back-off held back, and the policy's re-check of a queue that still
  /// waits (the ramp-up's 20-ms pacing); then the timer is set for the next of either.
  void spawnDeferred();
  void armDeferredTimer();

  os::EventLoop& loop_;
  const os::Clock& clock_;
  Spawner& spawner_;
  const config::GlobalConfig& global_;
  std::vector<std::unique_ptr<Pool>>& pools_;
  Hooks hooks_;
  pm::EmergencyRestart emergency_;
  os::Timer deferred_timer_;
};

}  // namespace fpmd::master
