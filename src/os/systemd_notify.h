#pragma once

// systemd's notify protocol, as PHP-FPM's systemd build speaks it (fpm_systemd.c):
// READY=1 once the pools serve, then every systemd_interval a STATUS line, and
// WATCHDOG=1 when the unit has a watchdog. Does nothing outside a Type=notify unit.

#include <cstdint>
#include <string>

namespace fpmd::os {

struct ProcessCounts {
  uint64_t active = 0;
  uint64_t idle = 0;
  uint64_t requests = 0;
  uint64_t slow = 0;
};

/// "Processes active: 0, idle: 2, Requests: 12, slow: 0, Traffic: 0.5req/sec"
std::string systemdStatusLine(const ProcessCounts& counts, double requests_per_second);

class SystemdNotifier {
 public:
  /// interval_s: systemd_interval (0 disables the periodic part).
  explicit SystemdNotifier(int interval_s);
  bool enabled() const { return enabled_; }
  int64_t intervalMicros() const { return interval_us_; }
  void ready();
  /// The periodic heartbeat: READY=1, STATUS=…, WATCHDOG=1 when asked for.
  void heartbeat(const ProcessCounts& counts, int64_t now_us);
  void stopping();

 private:
  bool enabled_ = false;
  bool watchdog_ = false;
  int64_t interval_us_ = 0;
  uint64_t last_requests_ = 0;
  int64_t last_us_ = 0;
};

}  // namespace fpmd::os
