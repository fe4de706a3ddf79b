#pragma once

// Deadlines on one monotonic clock, run in order: the event loop's timers. No I/O and no
// clock of its own (the time is passed in), so the ordering rules are tested directly.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

namespace fpmd::os {

class Timers {
 public:
  using Id = uint64_t;
  using Callback = std::function<void()>;

  /// Runs `callback` once at or after `when_us`. Ids are never reused.
  Id schedule(int64_t when_us, Callback callback);
  /// Forgets a timer that has not run (an unknown or spent id is ignored).
  void cancel(Id id);
  /// The earliest deadline, if any timer is scheduled.
  std::optional<int64_t> nextDeadline() const;
  /// Runs every timer due at `now_us`: earliest deadline first, then in the order they
  /// were scheduled. A timer scheduled by a callback waits for the next call, even when
  /// already due, so a callback that re-arms itself at "now" cannot spin this call.
  /// Returns how many ran.
  size_t runDue(int64_t now_us);
  size_t size() const { return by_deadline_.size(); }

 private:
  // Keyed by (deadline, id): ids grow, so equal deadlines keep the order of scheduling.
  std::map<std::pair<int64_t, Id>, Callback> by_deadline_;
  std::map<Id, int64_t> deadline_of_;
  Id next_id_ = 1;
};

}  // namespace fpmd::os
