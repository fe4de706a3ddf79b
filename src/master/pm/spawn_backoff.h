#pragma once

// Crash-loop back-off, per pool. PHP-FPM respawns a dead child at once, so a worker that
// cannot start (a broken extension, a missing chroot, an unwritable session path) is
// forked again and again as fast as the master can, flooding the log. fpmd delays the
// respawn of a child that died abnormally soon after start: 100 ms, then 200 ms, 400 ms …
// up to 10 s; a child that lived past the fast-exit window, or a long enough quiet spell,
// brings the delay back to zero.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace fpmd::master::pm {

struct BackoffOptions {
  /// A child dying sooner than this after start is a start-up failure.
  int64_t fast_exit_us = 1'000'000;
  int64_t initial_us = 100'000;
  int64_t max_us = 10'000'000;
};

struct BackoffVerdict {
  /// Wait this long before replacing the child; 0: respawn now.
  int64_t delay_us = 0;
  /// The delay grew with this exit: log backoffMessage() once (at WARNING), not for
  /// every child of the same failed generation.
  bool log = false;
};

class SpawnBackoff {
 public:
  explicit SpawnBackoff(BackoffOptions options = {}) : options_(options) {}

  /// A child of the pool was reaped. `abnormal`: exit code other than 0 or a signal
  /// other than SIGQUIT (the master's os::exitedCleanly() negated).
  BackoffVerdict onExit(bool abnormal, int64_t lived_us, int64_t now_us);

  /// Whether the pool may fork now (for respawns and for the process manager's spawns
  /// alike: a pool in a crash loop must not be refilled by the maintenance tick either).
  bool maySpawn(int64_t now_us) const { return now_us >= next_spawn_us_; }
  /// When the master should wake to fork the deferred children.
  int64_t nextSpawnUs() const { return next_spawn_us_; }
  int64_t delayUs() const { return delay_us_; }

 private:
  BackoffOptions options_;
  int64_t delay_us_ = 0;
  int64_t next_spawn_us_ = 0;
  int64_t last_crash_us_ = 0;
};

/// "100ms", "1.6s", "10s".
std::string formatDelay(int64_t delay_us);

/// "[pool www] child 123 exited on signal 11 (SIGSEGV) soon after start; respawning in
/// 400ms". `how` is the master's os::describeExit() text.
std::string backoffMessage(std::string_view pool, pid_t pid, std::string_view how,
                           int64_t delay_us);

}  // namespace fpmd::master::pm
