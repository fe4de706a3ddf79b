#pragma once

// emergency_restart_threshold / emergency_restart_interval (global): when that many
// children died of SIGSEGV or SIGBUS within that many seconds, the master reloads, as
// PHP-FPM's fpm_children_bury does (a corrupted shared state such as opcache's is the
// usual cause, and only a fresh master clears it).

#include <cstdint>
#include <deque>
#include <string>

namespace fpmd::master::pm {

class EmergencyRestart {
 public:
  /// Off when either value is 0, as in PHP-FPM.
  EmergencyRestart(int threshold, int interval_seconds)
      : threshold_(threshold), interval_s_(interval_seconds) {}

  /// A child died; `term_signal` is WTERMSIG, 0 for a normal exit. True when this death
  /// makes `threshold` faults within `interval` seconds: log message() at WARNING and
  /// reload. The count then starts over.
  bool onChildDeath(int term_signal, int64_t now_us);

  /// "failed processes threshold (%d in %d sec) is reached, initiating reload"
  std::string message() const;

 private:
  int threshold_;
  int interval_s_;
  /// Whole seconds of the last `threshold_` faults, oldest first: PHP-FPM compares
  /// tv_sec values, so does fpmd.
  std::deque<int64_t> faults_;
};

}  // namespace fpmd::master::pm
