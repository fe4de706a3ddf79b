#include "master/pm/spawn_backoff.h"

#include <fmt/format.h>

#include <algorithm>

namespace fpmd::master::pm {

BackoffVerdict SpawnBackoff::onExit(bool abnormal, int64_t lived_us, int64_t now_us) {
  if (!abnormal || lived_us >= options_.fast_exit_us) {
    // Children can start and live: whatever killed this one is not a start-up failure.
    delay_us_ = 0;
    next_spawn_us_ = 0;
    return {};
  }
  if (now_us < next_spawn_us_) {
    // Another child of the generation that already raised the delay: one step per
    // generation, or a pool of 50 crashing together would jump straight to the cap.
    return {next_spawn_us_ - now_us, false};
  }
  // A crash long after the last one (no child was respawned into a loop meanwhile)
  // starts over instead of inheriting a 10 s delay from an old incident.
  bool quiet = now_us - last_crash_us_ >= 2 * delay_us_ + options_.fast_exit_us;
  if (delay_us_ == 0 || quiet) {
    delay_us_ = options_.initial_us;
  } else {
    delay_us_ = std::min(delay_us_ * 2, options_.max_us);
  }
  last_crash_us_ = now_us;
  next_spawn_us_ = now_us + delay_us_;
  return {delay_us_, true};
}

std::string formatDelay(int64_t delay_us) {
  if (delay_us < 1'000'000) return fmt::format("{}ms", delay_us / 1000);
  int64_t tenths = delay_us / 100'000;
  if (tenths % 10 == 0) return fmt::format("{}s", tenths / 10);
  return fmt::format("{}.{}s", tenths / 10, tenths % 10);
}

std::string backoffMessage(std::string_view pool, pid_t pid, std::string_view how,
                           int64_t delay_us) {
  return fmt::format("[pool {}] child {} exited {} soon after start; respawning in {}", pool, pid,
                     how, formatDelay(delay_us));
}

}  // namespace fpmd::master::pm
