#pragma once

// `fpmd status`: the pool status page's JSON (`?json&full`, PHP-FPM's keys) read into plain
// structs. Both shapes are accepted: one pool object ({"pool": …}) as PHP-FPM and fpmd's
// pool page send it, and fpmd's aggregated {"pools": […]}. fpmd's extension keys (latency
// percentiles, RSS/PSS, the memory governor's) are optional: PHP-FPM never sends them. Pure: no
// I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fpmd::top {

struct StatusWorker {
  int64_t pid = 0;
  std::string state;
  int64_t start_since = 0;  // seconds
  int64_t requests = 0;
  int64_t request_duration_us = 0;
  std::string method;
  std::string uri;
  int64_t content_length = 0;
  std::string user;
  std::string script;
  double last_cpu = 0;         // percent
  int64_t last_memory = 0;     // bytes, Zend peak of the last request
  std::optional<int64_t> rss;  // bytes, fpmd only
  std::optional<int64_t> pss;  // bytes, fpmd only
  /// Bytes, fpmd only: the worker's own RSS reading when its last request ended.
  std::optional<int64_t> rss_after_request;

  /// Idle workers wait for a connection; every other stage is serving one.
  bool idle() const { return state == "Idle"; }
};

struct StatusPool {
  std::string name;
  std::string process_manager;
  int64_t start_since = 0;  // seconds
  int64_t accepted_conn = 0;
  int64_t listen_queue = 0;
  int64_t max_listen_queue = 0;
  int64_t listen_queue_len = 0;
  int64_t idle = 0;
  int64_t active = 0;
  int64_t total = 0;
  int64_t max_active = 0;
  int64_t max_children_reached = 0;
  int64_t slow_requests = 0;
  // fpmd only: request duration percentiles over the last 60 s (µs), pool memory (bytes).
  std::optional<int64_t> p50_us;
  std::optional<int64_t> p95_us;
  std::optional<int64_t> p99_us;
  std::optional<int64_t> rss;
  std::optional<int64_t> pss;
  // fpmd only: the memory governor's limits (bytes; 0: none or not known yet) and decisions.
  std::optional<int64_t> max_children;
  bool max_children_auto = false;
  std::optional<int64_t> memory_budget;
  std::optional<int64_t> memory_reserve;
  std::optional<int64_t> memory_limit;
  std::optional<int64_t> memory_available;
  std::optional<int64_t> worker_footprint;
  std::string memory_guard;  // "off", "ok", "low", "pressure"; empty when not sent
  std::optional<int64_t> recycled_for_memory;
  std::optional<int64_t> queue_timeouts;  // request_queue_timeout's 503s
  std::vector<StatusWorker> workers;
};

struct StatusSnapshot {
  std::vector<StatusPool> pools;
  /// The pool objects as received (unknown keys kept), as one JSON array: what --json
  /// prints, so scripts see every key the server sends.
  std::string pools_json;
};

/// Reads a status page body. Fails on text that is not JSON or on an object with neither
/// "pool" nor "pools"; a missing counter reads as 0.
Result<StatusSnapshot> parseStatusJson(std::string_view body);

/// One line of --json output: {"time":<epoch seconds>,"pools":[…]}.
std::string statusJsonLine(const StatusSnapshot& snapshot, int64_t time);

/// A failed refresh as a --json line: {"time":<epoch seconds>,"error":"<message>"}.
std::string statusErrorJsonLine(const std::string& error, int64_t time);

/// Workers in display order: busy ones first (longest running first), then idle ones by pid.
std::vector<StatusWorker> sortedWorkers(std::vector<StatusWorker> workers);

}  // namespace fpmd::top
