#pragma once

// One pool's status as PHP-FPM reports it (fpm_get_status(), the status page): a plain
// copy of the scoreboard with PHP-FPM's fields, so every renderer reads the same model.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fpmd::status {

struct ProcessStatus {
  int64_t pid = 0;
  std::string state;        // "Idle", "Running", … (stageName)
  int64_t start_time = 0;   // epoch seconds
  int64_t start_since = 0;  // seconds
  uint64_t requests = 0;
  uint64_t request_duration_us = 0;
  std::string request_method;  // "-" when none
  std::string request_uri;
  std::string query_string;
  uint64_t request_length = 0;
  std::string user;               // "-" when none
  std::string script;             // "-" when none
  double last_request_cpu = 0.0;  // percent
  uint64_t last_request_memory = 0;
  // fpmd's own, after PHP-FPM's fields: resident and proportional set size (bytes) as the
  // master last read them from /proc/PID/smaps_rollup; 0 until it has.
  uint64_t memory_rss = 0;
  uint64_t memory_pss = 0;
  /// The worker's own RSS reading at the end of its last request (pm.max_memory's measure).
  uint64_t rss_after_request = 0;
};

struct PoolStatus {
  std::string pool;
  std::string process_manager;  // static, dynamic, ondemand
  int64_t start_time = 0;
  int64_t start_since = 0;
  uint64_t accepted_conn = 0;
  uint64_t listen_queue = 0;
  uint64_t max_listen_queue = 0;
  uint64_t listen_queue_len = 0;
  uint64_t idle_processes = 0;
  uint64_t active_processes = 0;
  uint64_t total_processes = 0;
  uint64_t max_active_processes = 0;
  uint64_t max_children_reached = 0;
  uint64_t slow_requests = 0;
  // fpmd's own: request durations over the last minute (µs) and the workers' memory.
  uint64_t duration_p50_us = 0;
  uint64_t duration_p95_us = 0;
  uint64_t duration_p99_us = 0;
  uint64_t memory_rss = 0;
  uint64_t memory_pss = 0;
  // The memory governor (docs/memory.md): the pool's limits and what it decided. 0: none
  // set or not known yet.
  uint64_t max_children = 0;       // in effect now
  bool max_children_auto = false;  // pm.max_children = auto: computed from memory
  uint64_t memory_budget = 0;      // pm.max_pool_memory
  uint64_t memory_reserve = 0;     // [global] memory_reserve in bytes
  uint64_t memory_limit = 0;       // the cgroup's or the host's memory
  uint64_t memory_available = 0;
  uint64_t worker_footprint = 0;  // the busy-worker size the governor plans with
  std::string memory_guard;       // "off", "ok", "low" (under the reserve), "pressure" (PSI)
  uint64_t recycled_for_memory = 0;
  uint64_t queue_timeouts = 0;  // requests answered 503 after request_queue_timeout
  std::vector<ProcessStatus> procs;
};

/// Gives the status of the pool serving the request (the worker reads its scoreboard).
class StatusSource {
 public:
  virtual ~StatusSource() = default;
  virtual std::optional<PoolStatus> poolStatus() const = 0;
};

}  // namespace fpmd::status
