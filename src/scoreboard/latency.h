#pragma once

// Request latency over a recent window, kept in the pool's shared memory so that any
// reader (the status page in a worker, the master) sees every worker's requests.
//
// A log-linear histogram (8 sub-buckets per power of two: at most 12.5% wide, so a
// percentile read at a bucket's middle is within ~6%) per time window. Workers add to
// the current window with atomic increments; only the master clears a window, ahead of
// time, so there is never a reset racing an increment of the same window.

#include <array>
#include <cstddef>
#include <cstdint>

namespace fpmd::scoreboard {

inline constexpr size_t kLatencyBuckets = 256;
inline constexpr size_t kLatencyWindows = 7;  // 6 full windows + the one being prepared
inline constexpr int64_t kLatencyWindowUs = 10'000'000;
/// How far back percentiles look: the current window and the 5 before it (50–60 s).
inline constexpr size_t kLatencyWindowsRead = 6;

struct LatencyWindow {
  int64_t id;  // time / kLatencyWindowUs; the counts belong to that window only
  uint32_t counts[kLatencyBuckets];
};

struct LatencyHistory {
  LatencyWindow windows[kLatencyWindows];
};

/// The bucket of a duration in µs: exact below 16 µs, then 8 per power of two; the last
/// bucket takes everything from ~2.4 hours up.
size_t latencyBucket(uint64_t micros);
/// The middle of a bucket's range, in µs.
uint64_t latencyBucketMiddle(size_t bucket);

/// Worker: counts one request that took `micros`, ending at `now_us` (epoch µs). Dropped
/// if the master has not prepared the window (it prepares each one 10 s ahead).
void recordLatency(LatencyHistory& history, int64_t now_us, uint64_t micros);
/// Master, at least every few seconds: clears the next window (and the current one when it
/// was never prepared, e.g. at start-up).
void prepareLatencyWindows(LatencyHistory& history, int64_t now_us);

struct LatencySummary {
  uint64_t count = 0;  // requests in the window
  uint64_t p50_us = 0;
  uint64_t p95_us = 0;
  uint64_t p99_us = 0;
};

/// Percentiles over the last kLatencyWindowsRead windows; all zero without requests.
LatencySummary summarizeLatency(const LatencyHistory& history, int64_t now_us);

/// The value below which `fraction` of the counted requests fall (bucket middle).
uint64_t latencyPercentile(const std::array<uint64_t, kLatencyBuckets>& counts, uint64_t total,
                           double fraction);

}  // namespace fpmd::scoreboard
