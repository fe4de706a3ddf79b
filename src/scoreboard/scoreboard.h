#pragma once

// The scoreboard: one shared-memory region per pool, mapped before the workers are
// forked. Each worker writes its own slot; the master (process management, timeouts,
// slowlog) and whoever renders the status page read it.
//
// Writers: a worker owns one slot. Numbers are written with std::atomic_ref; the text
// fields are guarded by a per-slot sequence counter (odd while being written) so a
// reader copies a consistent view without a lock that a dying worker could leave held.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cgi/request.h"
#include "scoreboard/latency.h"

namespace fpmd::scoreboard {

inline constexpr size_t kMethodSize = 16;
inline constexpr size_t kUriSize = 128;
inline constexpr size_t kQuerySize = 512;
inline constexpr size_t kScriptSize = 256;
inline constexpr size_t kUserSize = 32;

/// Why a worker leaves on its own (Slot::exit_reason), for the master's log line.
enum class ExitReason : uint8_t { None = 0, MaxRequests = 1, MaxMemory = 2 };

/// The host guard as the status page shows it.
enum class MemoryGuardState : uint8_t { Off = 0, Ok = 1, Low = 2, Pressure = 3 };

/// One worker's slot. Plain data: it lives in shared memory and is copied by snapshots.
struct Slot {
  uint32_t seq;         // odd while the text fields are being rewritten
  int32_t pid;          // 0: free
  uint8_t stage;        // cgi::Stage
  uint8_t exit_reason;  // ExitReason: why the worker is about to leave (it writes it)
  uint8_t reserved[6];
  int64_t started_us;          // when the worker started (monotonic µs, as every stamp here)
  int64_t request_started_us;  // when the current/last request was accepted
  int64_t request_ended_us;    // when the last request ended (0 while one is running)
  uint64_t requests;           // requests served by this worker
  uint64_t content_length;
  uint64_t last_memory;  // peak Zend memory of the last request
  uint64_t last_cpu_us;  // CPU time of the last request
  uint64_t memory_rss;   // bytes, sampled by the master from /proc (0: not yet)
  uint64_t memory_pss;
  uint64_t rss_after_request;  // bytes, the worker's own reading when its last request ended
  uint64_t rss_peak;           // bytes, the worker's largest RSS so far (getrusage), same time
  char method[kMethodSize];
  char uri[kUriSize];
  char query[kQuerySize];
  char script[kScriptSize];
  char user[kUserSize];
};
static_assert(std::is_trivially_copyable_v<Slot>);

inline constexpr size_t kPoolNameSize = 64;

/// Pool-wide values. The master writes all but accepted_conn (workers count those).
struct Header {
  int64_t started_us;
  uint64_t accepted_conn;
  uint64_t max_children_reached;
  uint64_t slow_requests;
  uint64_t max_active;
  uint64_t listen_queue;
  uint64_t max_listen_queue;
  uint64_t listen_queue_len;
  uint32_t slot_count;
  uint8_t pm;                 // 0 static, 1 dynamic, 2 ondemand
  uint8_t max_children_auto;  // pm.max_children = auto
  uint8_t memory_guard;       // MemoryGuardState
  uint8_t reserved;
  // Connections queued on the pool's dispatch channel, or more for a moment: raised before
  // each send and lowered after each take (worker/connection_source.h).
  int64_t dispatch_queued;
  // request_queue_timeout: requests waiting in the master's queue for a worker, and those
  // answered 503 for having waited too long (master-written).
  int64_t queued_in_master;
  uint64_t queue_timeouts;
  // The memory governor's limits and readings (master-written; 0: none or not known yet).
  uint64_t max_children;         // in effect now: the configured or the computed number
  uint64_t memory_budget;        // pm.max_pool_memory
  uint64_t memory_reserve;       // [global] memory_reserve, in bytes
  uint64_t memory_limit;         // the cgroup's limit, or the host's memory
  uint64_t memory_available;     // what is left of it
  uint64_t worker_footprint;     // the size of a busy worker the governor plans with
  uint64_t recycled_for_memory;  // workers replaced for pm.max_memory, the budget or the guard
  char pool[kPoolNameSize];
  LatencyHistory latency;  // every request's duration, by the worker that served it
};
static_assert(std::is_trivially_copyable_v<Header>);

/// A consistent copy, for policies and renderers.
struct Snapshot {
  Header header;
  std::vector<Slot> slots;  // only slots with a pid
};

/// Owns the shared mapping. Created in the master before fork; workers inherit it.
class Scoreboard {
 public:
  Scoreboard(size_t slot_count, std::string_view pool, uint8_t pm);
  ~Scoreboard();
  Scoreboard(const Scoreboard&) = delete;
  Scoreboard& operator=(const Scoreboard&) = delete;

  size_t slotCount() const { return slot_count_; }

  /// Master: gives a free slot to a new worker (before fork). -1 when full.
  int claimSlot(pid_t placeholder);
  void setSlotPid(int index, pid_t pid);
  void releaseSlot(int index);

  /// Worker side.
  void setStage(int index, cgi::Stage stage);
  void beginRequest(int index, int64_t now_us, std::string_view method, std::string_view uri,
                    std::string_view query, uint64_t content_length);
  void setScript(int index, std::string_view script, std::string_view user);
  void endRequest(int index, int64_t now_us, uint64_t memory_peak, uint64_t cpu_us);
  void setRssAfterRequest(int index, uint64_t rss, uint64_t peak);
  void setExitReason(int index, ExitReason reason);

  cgi::Stage stage(int index) const;
  /// A consistent copy of one slot (retrying while its worker rewrites it).
  Slot readSlot(int index) const;
  Snapshot snapshot() const;
  Header& header() { return *header_; }
  /// Master, on the maintenance tick: the accept queue and the busiest moment so far.
  void setListenQueue(uint64_t depth, uint64_t limit);
  /// dispatch_queued += delta.
  void addDispatchQueued(int64_t delta);
  /// Whether the dispatch channel may hold a connection (false: it surely holds none).
  bool dispatchMayHold() const;
  /// request_queue_timeout: how many requests wait in the master's queue; one more 503.
  void setQueuedInMaster(int64_t count);
  void countQueueTimeout();
  void noteActive(uint64_t active);
  /// Master: what /proc says a worker's memory is (bytes).
  void setMemory(int index, uint64_t rss, uint64_t pss);
  /// Master, on the tick: keeps the latency window ahead of the clock cleared.
  void prepareLatency(int64_t now_us);

 private:
  Slot& slot(int index) { return slots_[index]; }
  const Slot& slot(int index) const { return slots_[index]; }

  size_t slot_count_;
  size_t mapping_size_;
  void* mapping_;
  Header* header_;
  Slot* slots_;
};

/// The scoreboard's clock: monotonic µs (common/clock.h). Every stamp in it is on this
/// clock; status pages turn them into wall time for display.
int64_t nowMicros();

}  // namespace fpmd::scoreboard
