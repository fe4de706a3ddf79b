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

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace fpmd::master::pm {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;
/// Bytes in mebibytes, rounded to the nearest, as every log line and report here says it.
constexpr uint64_t roundedMiB(uint64_t bytes) {
  return (bytes + kMiB / 2) / kMiB;
}
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

/// A busy worker's size as the governor plans with it: a high percentile (kFootprintRank)
/// of the last kFootprintSamples per-request sizes (each worker's RSS when a request
/// ended), kFirstFootprintGuess before any.
class FootprintEstimator {
 public:
  static constexpr size_t kFootprintSamples = 64;
  static constexpr double kFootprintRank = 0.9;

  void record(uint64_t bytes);
  uint64_t footprint() const;
  size_t samples() const { return count_; }

 private:
  uint64_t ring_[kFootprintSamples] = {};
  size_t next_ = 0;
  size_t count_ = 0;
};

/// `pm.max_children = auto` over time: a lower number takes effect at once (memory is
/// short now), a higher one only once it has held for kRaiseHoldUs, so a footprint that
/// wavers between two values does not make the pool grow and shrink in turn.
class AutoSizer {
 public:
  static constexpr int64_t kRaiseHoldUs = 30'000'000;

  /// The number in effect after this computation of `wanted` at `now_us`; the first call
  /// takes `wanted` as it is.
  int update(int wanted, int64_t now_us);
  int current() const { return current_; }

 private:
  int current_ = 0;
  int raise_to_ = 0;
  int64_t raise_since_us_ = 0;
};

enum class GuardState { Off, Ok, Low, Pressure };
const char* guardStateName(GuardState state);

/// One reading of the memory the pools live in (os::HostMemory, without the os types).
struct HostReading {
  uint64_t limit = 0;
  uint64_t available = 0;
  std::optional<double> pressure_some_avg10;
};

/// The host guard's state: Low when available memory is under the reserve, Pressure when
/// memory PSI is at kPressureThreshold or more. Back to Ok only when available memory is
/// a margin above the reserve (a tenth of it) and PSI under half the threshold, for
/// kRecoverHoldUs: one WARNING per episode, not one per wobble.
class HostGuard {
 public:
  static constexpr int64_t kRecoverHoldUs = 2'000'000;

  struct Change {
    bool began = false;  // an episode began: log the WARNING
    bool ended = false;  // it ended: log the NOTICE
  };

  /// `reserve` 0: the guard is off.
  Change update(const HostReading& reading, uint64_t reserve, int64_t now_us);
  GuardState state() const { return state_; }
  bool short_of_memory() const {
    return state_ == GuardState::Low || state_ == GuardState::Pressure;
  }

 private:
  GuardState state_ = GuardState::Ok;
  int64_t calm_since_us_ = -1;
};

/// A worker as the governor sees it.
struct WorkerMemory {
  pid_t pid = 0;
  bool idle = false;
  /// Already leaving (stopped by the process manager, or recycled): its memory counts as
  /// about to be freed, and it is not chosen again.
  bool leaving = false;
  /// The larger of the master's last sample and the worker's own reading after its last
  /// request; 0: not measured yet.
  uint64_t rss = 0;
  uint64_t pss = 0;  // 0: not sampled yet
  /// Started after the host reading was taken: the reading does not hold any of its
  /// memory yet, so all of its footprint is still to come.
  bool after_reading = false;
};

struct PoolMemoryView {
  std::string name;
  std::vector<WorkerMemory> workers;
  uint64_t footprint = kFirstFootprintGuess;
  uint64_t budget = 0;  // pm.max_pool_memory; 0: none
};

/// The pool's memory as the budget counts it: its workers' PSS, a worker not sampled yet
/// taken at the footprint, leaving ones left out.
uint64_t poolMemory(const PoolMemoryView& pool);

struct SpawnVerdict {
  bool allowed = true;
  /// Why not, e.g. "pool www: not starting a worker: pool memory 598 MiB of 600 MiB".
  std::string reason;
};

/// Whether the pool may start one more worker. A pool without a worker that is not
/// leaving always gets one. Otherwise: not while the guard holds; not when the host's
/// available memory, less what the pool's workers may still grow to the footprint and the
/// new one's footprint, would fall under the reserve (so a burst cannot outrun the guard's
/// samples); not past the pool's budget.
SpawnVerdict maySpawn(const PoolMemoryView& pool, const HostReading& host, uint64_t reserve,
                      GuardState guard);

struct ShedDecision {
  std::vector<pid_t> stop;     // idle: SIGQUIT now
  std::vector<pid_t> recycle;  // busy: replaced after their current request
  /// Per pid chosen, the line to log (which worker, how big, why).
  std::vector<std::string> reasons;
};

/// The pool over its budget: idle workers largest first until it is back under, then busy
/// workers above their share of the budget (budget / workers), largest first.
ShedDecision shedForBudget(const PoolMemoryView& pool);

/// The host short of memory: enough idle workers, largest first over all pools, to give
/// back `deficit` bytes (at least one while the guard holds and none is leaving), then the
/// largest busy worker. Each pool keeps one worker that is not leaving. One decision per
/// pool, in the order of `pools`.
std::vector<ShedDecision> shedForHost(const std::vector<PoolMemoryView>& pools, uint64_t deficit,
                                      GuardState guard);

}  // namespace fpmd::master::pm
