#include "status/from_scoreboard.h"

#include <algorithm>

#include "os/clock.h"

namespace fpmd::status {
namespace {

const char* pmName(uint8_t pm) {
  switch (pm) {
    case 1:
      return "dynamic";
    case 2:
      return "ondemand";
    default:
      return "static";
  }
}

const char* memoryGuardName(scoreboard::MemoryGuardState state) {
  switch (state) {
    case scoreboard::MemoryGuardState::Ok:
      return "ok";
    case scoreboard::MemoryGuardState::Low:
      return "low";
    case scoreboard::MemoryGuardState::Pressure:
      return "pressure";
    default:
      return "off";
  }
}

std::string orDash(const char* text) {
  return text[0] == '\0' ? "-" : text;
}

}  // namespace

PoolStatus makePoolStatus(const scoreboard::Snapshot& snapshot, int64_t now_us,
                          int64_t wall_now_us) {
  const scoreboard::Header& header = snapshot.header;
  PoolStatus status;
  status.pool = header.pool;
  status.process_manager = pmName(header.pm);
  status.start_time = os::wallTimeOf(header.started_us, now_us, wall_now_us) / 1000000;
  status.start_since = (now_us - header.started_us) / 1000000;
  status.accepted_conn = header.accepted_conn;
  // With request_queue_timeout the master holds the waiting connections: they count as
  // the listen queue they would otherwise be in.
  status.listen_queue =
      header.listen_queue + static_cast<uint64_t>(std::max<int64_t>(0, header.queued_in_master));
  status.max_listen_queue = header.max_listen_queue;
  status.listen_queue_len = header.listen_queue_len;
  status.max_children_reached = header.max_children_reached;
  status.slow_requests = header.slow_requests;
  status.max_children = header.max_children;
  status.max_children_auto = header.max_children_auto != 0;
  status.memory_budget = header.memory_budget;
  status.memory_reserve = header.memory_reserve;
  status.memory_limit = header.memory_limit;
  status.memory_available = header.memory_available;
  status.worker_footprint = header.worker_footprint;
  status.memory_guard =
      memoryGuardName(static_cast<scoreboard::MemoryGuardState>(header.memory_guard));
  status.recycled_for_memory = header.recycled_for_memory;
  status.queue_timeouts = header.queue_timeouts;

  for (const scoreboard::Slot& slot : snapshot.slots) {
    if (slot.pid <= 0) continue;  // claimed, not yet forked
    auto stage = static_cast<cgi::Stage>(slot.stage);
    bool idle = stage == cgi::Stage::Idle;
    (idle ? status.idle_processes : status.active_processes)++;

    ProcessStatus proc;
    proc.pid = slot.pid;
    proc.state = cgi::stageName(stage);
    proc.start_time = os::wallTimeOf(slot.started_us, now_us, wall_now_us) / 1000000;
    proc.start_since = (now_us - slot.started_us) / 1000000;
    proc.requests = slot.requests;
    if (slot.request_started_us != 0) {
      int64_t end = idle && slot.request_ended_us != 0 ? slot.request_ended_us : now_us;
      proc.request_duration_us =
          static_cast<uint64_t>(std::max<int64_t>(0, end - slot.request_started_us));
    }
    proc.request_method = orDash(slot.method);
    proc.request_uri = slot.uri;
    proc.query_string = slot.query;
    proc.request_length = slot.content_length;
    proc.user = orDash(slot.user);
    proc.script = orDash(slot.script);
    // PHP-FPM shows the last request's CPU and memory only once it is over.
    if (idle && proc.request_duration_us > 0) {
      proc.last_request_cpu = static_cast<double>(slot.last_cpu_us) /
                              static_cast<double>(proc.request_duration_us) * 100.0;
      proc.last_request_memory = slot.last_memory;
    }
    proc.memory_rss = slot.memory_rss;
    proc.memory_pss = slot.memory_pss;
    proc.rss_after_request = slot.rss_after_request;
    status.memory_rss += slot.memory_rss;
    status.memory_pss += slot.memory_pss;
    status.procs.push_back(std::move(proc));
  }
  status.total_processes = status.idle_processes + status.active_processes;
  status.max_active_processes = std::max<uint64_t>(header.max_active, status.active_processes);
  scoreboard::LatencySummary latency = summarizeLatency(header.latency, now_us);
  status.duration_p50_us = latency.p50_us;
  status.duration_p95_us = latency.p95_us;
  status.duration_p99_us = latency.p99_us;
  return status;
}

std::optional<PoolStatus> ScoreboardStatusSource::poolStatus() const {
  return makePoolStatus(board_.snapshot(), scoreboard::nowMicros(), os::wallMicros());
}

}  // namespace fpmd::status
