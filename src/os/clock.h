#pragma once

// The two clocks. Every decision and every duration uses the monotonic one: a step of the
// wall clock (NTP, an operator, a VM resumed) must neither stall timers nor make running
// requests look hours old. Wall time is only for what people read (start times, logs).

#include <time.h>

#include <cstdint>

namespace fpmd::os {

inline int64_t microsOf(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

/// CLOCK_MONOTONIC, in µs: the same in every process of the host, so stamps in shared
/// memory (the scoreboard) compare across master and workers.
inline int64_t monotonicMicros() {
  return microsOf(CLOCK_MONOTONIC);
}

/// CLOCK_REALTIME (epoch), in µs: for display only.
inline int64_t wallMicros() {
  return microsOf(CLOCK_REALTIME);
}

/// A monotonic stamp shown as wall time: as long before the wall clock's now as it is
/// before the monotonic now.
constexpr int64_t wallTimeOf(int64_t stamp_us, int64_t monotonic_now_us, int64_t wall_now_us) {
  return wall_now_us - (monotonic_now_us - stamp_us);
}

/// The monotonic clock as a part takes it: passed in, so a test can drive the time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowMicros() const = 0;
};

class MonotonicClock final : public Clock {
 public:
  int64_t nowMicros() const override { return monotonicMicros(); }
};

}  // namespace fpmd::os
