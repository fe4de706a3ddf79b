#pragma once

// A log-linear latency histogram in the manner of HdrHistogram: values below 2^kSubBits
// are counted exactly, larger ones in buckets whose width is 1/2^(kSubBits-1) of their
// magnitude, so every recorded value is known to within 0.8% in a fixed 40 KB table, no
// matter how many samples. Header-only so the unit tests can include it.

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace fpmd::bench {

class Histogram {
 public:
  static constexpr int kSubBits = 8;
  static constexpr uint64_t kSubCount = uint64_t{1} << kSubBits;
  static constexpr uint64_t kHalfCount = kSubCount / 2;
  /// Values at or above 2^kMaxBits are clamped into the last bucket (2^40 ns ≈ 18 min).
  static constexpr int kMaxBits = 40;
  static constexpr size_t kBucketCount = kSubCount + (kMaxBits - kSubBits) * kHalfCount;

  /// The bucket `value` falls in. Below kSubCount a bucket holds one value; above, the
  /// kSubBits most significant bits pick it.
  static constexpr size_t bucketOf(uint64_t value) {
    if (value < kSubCount) return static_cast<size_t>(value);
    const uint64_t max_value = (uint64_t{1} << kMaxBits) - 1;
    value = std::min(value, max_value);
    const int msb = 63 - std::countl_zero(value);
    const int shift = msb - kSubBits + 1;  // >= 1: (value >> shift) is in [half, sub)
    return static_cast<size_t>(kSubCount + (shift - 1) * kHalfCount +
                               ((value >> shift) - kHalfCount));
  }

  /// The smallest and largest value that land in `bucket`.
  static constexpr uint64_t lowestIn(size_t bucket) {
    if (bucket < kSubCount) return bucket;
    const uint64_t shift = (bucket - kSubCount) / kHalfCount + 1;
    const uint64_t sub = (bucket - kSubCount) % kHalfCount + kHalfCount;
    return sub << shift;
  }
  static constexpr uint64_t highestIn(size_t bucket) {
    if (bucket < kSubCount) return bucket;
    const uint64_t shift = (bucket - kSubCount) / kHalfCount + 1;
    return lowestIn(bucket) + (uint64_t{1} << shift) - 1;
  }

  void record(uint64_t value) {
    ++counts_[bucketOf(value)];
    ++total_;
    sum_ += static_cast<double>(value);
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }

  void merge(const Histogram& other) {
    for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

  void clear() { *this = Histogram(); }

  uint64_t count() const { return total_; }
  uint64_t min() const { return total_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return total_ ? sum_ / static_cast<double>(total_) : 0.0; }

  /// The value below or at which `percent` of the samples lie: the highest value of the
  /// bucket holding the ceil(percent/100 * count)-th sample, never above the exact
  /// maximum (as HdrHistogram reports). 0 when empty.
  uint64_t percentile(double percent) const {
    if (total_ == 0) return 0;
    percent = std::clamp(percent, 0.0, 100.0);
    uint64_t rank = static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(total_)));
    rank = std::max<uint64_t>(rank, 1);
    uint64_t seen = 0;
    for (size_t i = 0; i < kBucketCount; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::clamp(highestIn(i), min_, max_);
    }
    return max_;
  }

 private:
  std::array<uint64_t, kBucketCount> counts_{};
  uint64_t total_ = 0;
  double sum_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
};

}  // namespace fpmd::bench
