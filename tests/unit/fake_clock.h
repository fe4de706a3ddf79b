#pragma once

// A monotonic clock a test moves by hand.

#include <cstdint>

#include "os/clock.h"

namespace fpmd::testing {

class FakeClock final : public os::Clock {
 public:
  explicit FakeClock(int64_t start_us = 1'000'000'000) : now_us_(start_us) {}
  int64_t nowMicros() const override { return now_us_; }
  void advance(int64_t delta_us) { now_us_ += delta_us; }

 private:
  int64_t now_us_;
};

}  // namespace fpmd::testing
