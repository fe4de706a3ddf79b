#pragma once

// The memory governor's decisions (docs/memory.md) as pure functions of a snapshot of the
// pools, readings of the host's memory and the monotonic clock — the seeds' 1 GB server,
// where php-fpm's workers grew until the kernel killed mysqld, must not happen under fpmd:
//   - pm.max_memory: a worker over it after a request is replaced (the worker itself
//     checks, worker/memory_check); here only the count and the log line;
//   - pm.max_pool_memory: no spawn that would take the pool's PSS over it; over it, idle
//     workers are stopped largest first, then busy ones over their share are recycled
//     after their request;
//   - pm.max_children = auto: the memory the pool may use over a busy worker's footprint
//     (a high percentile of recent per-request sizes), capped;
//   - the host guard: when available memory falls under [global] memory_reserve or memory
//     pressure (PSI) rises, no new worker anywhere, idle workers stopped largest first and
//     the largest busy one recycled, until it recovers. Never fewer than one worker a pool.
// No processes, no files, no logging here: the master reads, asks, and carries out.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace fpmd::master::pm {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;
/// A busy worker's size before one has been measured: on the safe side of what PHP
/// applications take (seed 000 counts 20-40 MB a php-fpm child; frameworks more).
inline constexpr uint64_t kFirstFootprintGuess = 64 * kMiB;
/// memory_reserve when the config does not say: this share of the cgroup's or host's
/// memory, and at least kMinimumReserve.
inline constexpr double kDefaultReservePercent = 10.0;
inline constexpr uint64_t kMinimumReserve = 64 * kMiB;
/// Memory PSI ("some" avg10, percent) at which the guard acts as if the reserve were
/// reached: tasks stall on reclaim before available memory says so.
inline constexpr double kPressureThreshold = 10.0;

/// The reserve in bytes for memory `limit` (the cgroup's limit or the host's total); 0 when
/// the config turns the guard off ("memory_reserve = 0").
uint64_t reserveBytes(const std::optional<config::GlobalConfig::MemoryReserve>& reserve,
                      uint64_t limit);

/// `pm.max_children = auto` for a pool that may use `pool_memory` bytes, with workers of
/// `footprint` bytes: at least 1, at most `cap`.
int autoMaxChildren(uint64_t pool_memory, uint64_t footprint, int cap);

}  // namespace fpmd::master::pm
