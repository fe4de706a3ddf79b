#include "scoreboard/latency.h"

#include <bit>
#include <cmath>

#include "scoreboard/shared_atomic.h"

namespace fpmd::scoreboard {
namespace {

constexpr uint64_t kExactBelow = 16;
constexpr int kSubBits = 3;  // 8 sub-buckets per power of two

LatencyWindow& windowFor(LatencyHistory& history, int64_t id) {
  return history.windows[static_cast<size_t>(id) % kLatencyWindows];
}

void clearWindow(LatencyWindow& window, int64_t id) {
  // Mark it invalid first, so a worker that still sees the old id stops adding to it.
  atomic(window.id).store(-1);
  for (uint32_t& count : window.counts) atomic(count).store(0, std::memory_order_relaxed);
  atomic(window.id).store(id);
}

}  // namespace

size_t latencyBucket(uint64_t micros) {
  if (micros < kExactBelow) return static_cast<size_t>(micros);
  int exponent = std::bit_width(micros) - 1;  // >= 4
  uint64_t sub = (micros >> (exponent - kSubBits)) & ((1U << kSubBits) - 1);
  size_t bucket = kExactBelow + static_cast<size_t>(exponent - 4) * (1U << kSubBits) + sub;
  return bucket < kLatencyBuckets ? bucket : kLatencyBuckets - 1;
}

uint64_t latencyBucketMiddle(size_t bucket) {
  if (bucket < kExactBelow) return bucket;
  size_t above = bucket - kExactBelow;
  int exponent = static_cast<int>(above >> kSubBits) + 4;
  uint64_t sub = above & ((1U << kSubBits) - 1);
  uint64_t width = uint64_t{1} << (exponent - kSubBits);
  uint64_t lower = ((uint64_t{1} << kSubBits) + sub) * width;
  return lower + width / 2;
}

void recordLatency(LatencyHistory& history, int64_t now_us, uint64_t micros) {
  int64_t id = now_us / kLatencyWindowUs;
  LatencyWindow& window = windowFor(history, id);
  if (atomic(window.id).load() != id) return;
  atomic(window.counts[latencyBucket(micros)]).fetch_add(1, std::memory_order_relaxed);
}

void prepareLatencyWindows(LatencyHistory& history, int64_t now_us) {
  int64_t current = now_us / kLatencyWindowUs;
  // The current window is only cleared when it belongs to another time (start-up, or the
  // master was stopped for longer than a window): then whatever it holds is stale.
  for (int64_t id : {current, current + 1}) {
    LatencyWindow& window = windowFor(history, id);
    if (atomic(window.id).load() != id) clearWindow(window, id);
  }
}

LatencySummary summarizeLatency(const LatencyHistory& history, int64_t now_us) {
  int64_t current = now_us / kLatencyWindowUs;
  std::array<uint64_t, kLatencyBuckets> counts{};
  uint64_t total = 0;
  for (size_t back = 0; back < kLatencyWindowsRead; ++back) {
    int64_t id = current - static_cast<int64_t>(back);
    const LatencyWindow& window = history.windows[static_cast<size_t>(id) % kLatencyWindows];
    if (relaxedLoad(window.id) != id) continue;
    for (size_t b = 0; b < kLatencyBuckets; ++b) {
      uint64_t n = relaxedLoad(window.counts[b]);
      counts[b] += n;
      total += n;
    }
  }
  LatencySummary summary;
  summary.count = total;
  summary.p50_us = latencyPercentile(counts, total, 0.50);
  summary.p95_us = latencyPercentile(counts, total, 0.95);
  summary.p99_us = latencyPercentile(counts, total, 0.99);
  return summary;
}

uint64_t latencyPercentile(const std::array<uint64_t, kLatencyBuckets>& counts, uint64_t total,
                           double fraction) {
  if (total == 0) return 0;
  // The rank of the request at `fraction` (1-based, rounded up), as nearest-rank does.
  auto rank = static_cast<uint64_t>(std::ceil(fraction * static_cast<double>(total)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (size_t b = 0; b < kLatencyBuckets; ++b) {
    seen += counts[b];
    if (seen >= rank) return latencyBucketMiddle(b);
  }
  return latencyBucketMiddle(kLatencyBuckets - 1);
}

}  // namespace fpmd::scoreboard
