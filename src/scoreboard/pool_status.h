#pragma once

// Scoreboard snapshot → PHP-FPM's status model. Pure: the clock is passed in.

#include <cstdint>

#include "cgi/pool_status.h"
#include "scoreboard/scoreboard.h"

namespace fpmd::scoreboard {

/// `now_us`: the scoreboard's (monotonic) clock; `wall_now_us`: the wall clock at the same
/// moment, for the start times shown. CPU time is already in µs in the slots.
cgi::PoolStatus makePoolStatus(const Snapshot& snapshot, int64_t now_us, int64_t wall_now_us);

/// A StatusSource over a live scoreboard (what fpm_get_status() and the status page read).
class ScoreboardStatusSource : public cgi::StatusSource {
 public:
  explicit ScoreboardStatusSource(const Scoreboard& board) : board_(board) {}
  std::optional<cgi::PoolStatus> poolStatus() const override;

 private:
  const Scoreboard& board_;
};

}  // namespace fpmd::scoreboard
