#pragma once

// Scoreboard snapshot → PHP-FPM's status model. Pure: the clock is passed in.

#include <cstdint>

#include "cgi/pool_status.h"
#include "scoreboard/scoreboard.h"

namespace fpmd::scoreboard {

/// `now_us`: epoch microseconds. `clock_ticks_per_cpu_us` is not needed: CPU time is
/// already in µs in the slots.
cgi::PoolStatus makePoolStatus(const Snapshot& snapshot, int64_t now_us);

/// A StatusSource over a live scoreboard (what fpm_get_status() and the status page read).
class ScoreboardStatusSource : public cgi::StatusSource {
 public:
  explicit ScoreboardStatusSource(const Scoreboard& board) : board_(board) {}
  std::optional<cgi::PoolStatus> poolStatus() const override;

 private:
  const Scoreboard& board_;
};

}  // namespace fpmd::scoreboard
