#pragma once

// scoreboard::Scoreboard snapshot → PHP-FPM's status model. Pure: the clock is passed in.

#include <cstdint>

#include "scoreboard/scoreboard.h"
#include "status/model.h"

namespace fpmd::status {

/// `now_us`: the scoreboard's (monotonic) clock; `wall_now_us`: the wall clock at the same
/// moment, for the start times shown. CPU time is already in µs in the slots.
PoolStatus makePoolStatus(const scoreboard::Snapshot& snapshot, int64_t now_us,
                          int64_t wall_now_us);

/// A StatusSource over a live scoreboard (what fpm_get_status() and the status page read).
class ScoreboardStatusSource : public StatusSource {
 public:
  explicit ScoreboardStatusSource(const scoreboard::Scoreboard& board) : board_(board) {}
  std::optional<PoolStatus> poolStatus() const override;

 private:
  const scoreboard::Scoreboard& board_;
};

}  // namespace fpmd::status
