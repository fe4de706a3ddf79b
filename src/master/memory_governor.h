#pragma once

// The memory governor (docs/memory.md): reads the host's or cgroup's memory several times a
// second, keeps each pool's busy-worker footprint, and carries out master/pm/memory_policy's
// decisions — the host guard, pm.max_pool_memory, pm.max_children = auto — on the pools the
// master runs. The supervisor asks it before every fork and tells it of every exit.

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "config/config.h"
#include "master/pm/memory_policy.h"
#include "master/pool.h"
#include "os/event_loop.h"
#include "os/host_memory.h"
#include "scoreboard/scoreboard.h"

namespace fpmd::master {

class MemoryGovernor {
 public:
  /// How often the host is read: a box filling at ~50 MB/s has used 10 MB more by the
  /// next reading, well inside any reserve worth having.
  static constexpr int64_t kSampleIntervalUs = 200'000;
  /// Per reading, at most this many workers of pools with a budget have their PSS read
  /// from /proc (smaps_rollup costs tens of µs each); the rest keep their last sample.
  static constexpr size_t kPssReadsPerSample = 16;

  using HostReader = std::function<std::optional<os::HostMemory>()>;
  struct Hooks {
    /// Whether the master serves normally: no shedding during a stop or reload.
    std::function<bool()> serving;
    /// Sends `signal` to a worker (the master's kill(); tests record it).
    std::function<void(pid_t, int)> signal;
  };

  MemoryGovernor(os::EventLoop& loop, const config::GlobalConfig& global,
                 std::vector<std::unique_ptr<Pool>>& pools, HostReader read_host, Hooks hooks);

  /// The first reading, the auto-sized pools' max_children (logged), and the sampling timer.
  /// Before the first workers are started, so ramp-up is already guarded.
  void start();
  /// Whether `pool` may fork one more worker now; a refusal is logged once per episode.
  bool maySpawn(Pool& pool);
  /// `child` of `pool` is gone; `slot` is its scoreboard slot as it left it.
  void onChildExit(Pool& pool, const Child& child, const scoreboard::Slot& slot);
  /// One reading and its decisions (the timer's callback; tests call it directly).
  void sample();

  pm::GuardState guardState() const { return guard_.state(); }
  uint64_t reserve() const { return reserve_; }

 private:
  struct PoolMemoryState {
    pm::FootprintEstimator footprint;
    pm::AutoSizer auto_size;
    int logged_max_children = 0;
  };

  size_t indexOf(const Pool& pool) const;
  void readHost();
  void recordFootprints(Pool& pool, PoolMemoryState& state);
  void refreshPss(Pool& pool, size_t& budget_left);
  pm::PoolMemoryView viewOf(const Pool& pool, const PoolMemoryState& state) const;
  void resizeAutoPools();
  void carryOut(Pool& pool, const pm::ShedDecision& decision);
  void stopSurplus(Pool& pool);
  void publish();

  os::EventLoop& loop_;
  const config::GlobalConfig& global_;
  std::vector<std::unique_ptr<Pool>>& pools_;
  HostReader read_host_;
  Hooks hooks_;
  std::vector<PoolMemoryState> states_;
  pm::HostGuard guard_;
  std::optional<os::HostMemory> host_;
  int64_t host_read_us_ = 0;
  uint64_t reserve_ = 0;
  size_t pss_cursor_ = 0;
  os::Timer timer_;
};

}  // namespace fpmd::master
