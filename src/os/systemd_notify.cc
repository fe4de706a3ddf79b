#include "os/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>

#include <fmt/format.h>

#include "log/log.h"

namespace fpmd::os {

std::string systemdStatusLine(const ProcessCounts& counts, double requests_per_second) {
  return fmt::format(
      "Processes active: {}, idle: {}, Requests: {}, slow: {}, Traffic: {:.3g}req/sec",
      counts.active, counts.idle, counts.requests, counts.slow, requests_per_second);
}

SystemdNotifier::SystemdNotifier(int interval_s) {
  enabled_ = std::getenv("NOTIFY_SOCKET") != nullptr;
  uint64_t watchdog_us = 0;
  if (enabled_ && sd_watchdog_enabled(0, &watchdog_us) > 0) {
    watchdog_ = true;
    // Ping at least twice per watchdog period, whatever systemd_interval says.
    int64_t half = static_cast<int64_t>(watchdog_us / 2);
    interval_us_ = interval_s > 0 ? std::min<int64_t>(int64_t{interval_s} * 1000000, half) : half;
  } else {
    interval_us_ = int64_t{interval_s} * 1000000;
  }
}

void SystemdNotifier::ready() {
  // Logged whether or not systemd listens, as php-fpm8.2 (a systemd build) does.
  if (interval_us_ > 0) log::notice("systemd monitor interval set to {}ms", interval_us_ / 1000);
  if (enabled_) sd_notify(0, "READY=1");
}

void SystemdNotifier::heartbeat(const ProcessCounts& counts, int64_t now_us) {
  if (!enabled_) return;
  double elapsed = last_us_ > 0 ? static_cast<double>(now_us - last_us_) / 1e6 : 0.0;
  double rate = elapsed > 0 ? static_cast<double>(counts.requests - last_requests_) / elapsed : 0.0;
  last_requests_ = counts.requests;
  last_us_ = now_us;
  std::string message = "READY=1\nSTATUS=" + systemdStatusLine(counts, rate);
  if (watchdog_) message += "\nWATCHDOG=1";
  sd_notify(0, message.c_str());
}

void SystemdNotifier::stopping() {
  if (enabled_) sd_notify(0, "STOPPING=1");
}

}  // namespace fpmd::os
