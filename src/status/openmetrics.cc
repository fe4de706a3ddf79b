#include <fmt/format.h>

#include "status/render.h"

namespace fpmd::status::render {
namespace {

struct Metric {
  std::string_view name;
  std::string_view help;
  std::string_view type;
  uint64_t value;
  // PHP-FPM prints this one's TYPE line before its HELP line; scrapers accept both.
  bool type_first = false;
};

std::vector<Metric> phpFpmMetrics(const PoolStatus& s) {
  return {
      {"phpfpm_start_since", "The number of seconds since FPM has started.", "counter",
       static_cast<uint64_t>(s.start_since)},
      {"phpfpm_accepted_connections", "The number of requests accepted by the pool.", "counter",
       s.accepted_conn},
      {"phpfpm_listen_queue", "The number of requests in the queue of pending connections.",
       "gauge", s.listen_queue},
      {"phpfpm_max_listen_queue",
       "The maximum number of requests in the queue of pending connections since FPM has "
       "started.",
       "counter", s.max_listen_queue},
      {"phpfpm_listen_queue_length", "The size of the socket queue of pending connections.",
       "gauge", s.listen_queue_len, true},
      {"phpfpm_idle_processes", "The number of idle processes.", "gauge", s.idle_processes},
      {"phpfpm_active_processes", "The number of active processes.", "gauge", s.active_processes},
      {"phpfpm_total_processes", "The number of idle + active processes.", "gauge",
       s.total_processes},
      {"phpfpm_max_active_processes",
       "The maximum number of active processes since FPM has started.", "counter",
       s.max_active_processes},
      {"phpfpm_max_children_reached",
       "The number of times, the process limit has been reached, when pm tries to start more "
       "children (works only for pm 'dynamic' and 'ondemand').",
       "counter", s.max_children_reached},
      {"phpfpm_slow_requests",
       "The number of requests that exceeded your 'request_slowlog_timeout' value.", "counter",
       s.slow_requests},
  };
}

// A label value: backslash, double quote and newline escaped (OpenMetrics ABNF).
std::string labelValue(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string poolLabel(const PoolStatus& pool) {
  return fmt::format("pool=\"{}\"", labelValue(pool.pool));
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# TYPE {} {}\n# HELP {} {}\n", name, type, name, help);
}

struct PoolMetric {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  uint64_t (*value)(const PoolStatus&);
};

const PoolMetric kMemoryGovernorMetrics[] = {
    {"fpmd_pool_max_children", "gauge",
     "Workers the pool may run now: pm.max_children, or what the governor computed.",
     [](const PoolStatus& s) { return s.max_children; }},
    {"fpmd_pool_max_children_auto", "gauge",
     "1 when pm.max_children = auto (computed from memory), else 0.",
     [](const PoolStatus& s) -> uint64_t { return s.max_children_auto ? 1 : 0; }},
    {"fpmd_pool_memory_budget_bytes", "gauge", "The pool's pm.max_pool_memory; 0 when unset.",
     [](const PoolStatus& s) { return s.memory_budget; }},
    {"fpmd_pool_memory_reserve_bytes", "gauge",
     "Memory the governor keeps free for the host ([global] memory_reserve).",
     [](const PoolStatus& s) { return s.memory_reserve; }},
    {"fpmd_pool_memory_limit_bytes", "gauge", "The cgroup's memory limit, or the host's memory.",
     [](const PoolStatus& s) { return s.memory_limit; }},
    {"fpmd_pool_memory_available_bytes", "gauge", "What is left of the memory limit.",
     [](const PoolStatus& s) { return s.memory_available; }},
    {"fpmd_pool_worker_footprint_bytes", "gauge",
     "The size of a busy worker the governor plans with.",
     [](const PoolStatus& s) { return s.worker_footprint; }},
    {"fpmd_pool_recycled_for_memory", "counter",
     "Workers replaced for pm.max_memory, the pool's budget or the host guard.",
     [](const PoolStatus& s) { return s.recycled_for_memory; }},
    {"fpmd_pool_queue_timeouts", "counter",
     "Requests answered 503 after waiting request_queue_timeout for a worker.",
     [](const PoolStatus& s) { return s.queue_timeouts; }},
};

// Every state gets a sample (1 for the current one, 0 for the others), so that a query for
// one state has a series at all times rather than one that comes and goes.
constexpr std::string_view kMemoryGuardStates[] = {"off", "ok", "low", "pressure"};

// The memory governor's limits and decisions, one sample per pool.
void appendMemoryGovernor(std::string& out, const std::vector<PoolStatus>& pools) {
  for (const PoolMetric& metric : kMemoryGovernorMetrics) {
    family(out, metric.name, metric.type, metric.help);
    // OpenMetrics names a counter's sample after its family with "_total".
    std::string_view suffix = metric.type == "counter" ? "_total" : "";
    for (const auto& pool : pools) {
      out +=
          fmt::format("{}{}{{{}}} {}\n", metric.name, suffix, poolLabel(pool), metric.value(pool));
    }
  }
  family(out, "fpmd_pool_memory_guard", "gauge",
         "1 for the host memory guard's state: off, ok, low (under the reserve) or pressure "
         "(PSI).");
  for (const auto& pool : pools) {
    std::string_view current = memoryGuard(pool);
    for (std::string_view state : kMemoryGuardStates) {
      out += fmt::format("fpmd_pool_memory_guard{{{},state=\"{}\"}} {}\n", poolLabel(pool), state,
                         state == current ? 1 : 0);
    }
  }
}

// fpmd's pool-level families: latency over the last minute and the workers' memory.
void appendPoolExtensions(std::string& out, const std::vector<PoolStatus>& pools) {
  family(out, "fpmd_request_duration_microseconds", "summary",
         "Request durations over the last minute.");
  for (const auto& pool : pools) {
    std::string label = poolLabel(pool);
    for (auto [quantile, value] :
         {std::pair{"0.5", pool.duration_p50_us}, std::pair{"0.95", pool.duration_p95_us},
          std::pair{"0.99", pool.duration_p99_us}}) {
      out += fmt::format("fpmd_request_duration_microseconds{{{},quantile=\"{}\"}} {}\n", label,
                         quantile, value);
    }
  }
  family(out, "fpmd_memory_rss_bytes", "gauge", "Resident set size of the pool's workers.");
  for (const auto& pool : pools) {
    out += fmt::format("fpmd_memory_rss_bytes{{{}}} {}\n", poolLabel(pool), pool.memory_rss);
  }
  family(out, "fpmd_memory_pss_bytes", "gauge",
         "Proportional set size of the pool's workers (shared pages divided among sharers).");
  for (const auto& pool : pools) {
    out += fmt::format("fpmd_memory_pss_bytes{{{}}} {}\n", poolLabel(pool), pool.memory_pss);
  }
  appendMemoryGovernor(out, pools);
}

struct ProcessMetric {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  uint64_t (*value)(const ProcessStatus&);
};

const ProcessMetric kProcessMetrics[] = {
    {"fpmd_process_start_time_seconds", "gauge", "When the process started (epoch seconds).",
     [](const ProcessStatus& p) { return static_cast<uint64_t>(p.start_time); }},
    {"fpmd_process_requests", "counter", "Requests the process has served.",
     [](const ProcessStatus& p) { return p.requests; }},
    {"fpmd_process_request_duration_microseconds", "gauge",
     "Duration of the current request, or of the last one when idle.",
     [](const ProcessStatus& p) { return p.request_duration_us; }},
    {"fpmd_process_last_request_memory_bytes", "gauge", "Peak memory of the last request.",
     [](const ProcessStatus& p) { return p.last_request_memory; }},
    {"fpmd_process_memory_rss_bytes", "gauge", "Resident set size of the process.",
     [](const ProcessStatus& p) { return p.memory_rss; }},
    {"fpmd_process_memory_pss_bytes", "gauge", "Proportional set size of the process.",
     [](const ProcessStatus& p) { return p.memory_pss; }},
    {"fpmd_process_rss_after_request_bytes", "gauge",
     "The process's own RSS reading when its last request ended (pm.max_memory's measure).",
     [](const ProcessStatus& p) { return p.rss_after_request; }},
};

// With `full`: one series per process, labelled with its pool and pid.
void appendProcessSeries(std::string& out, const std::vector<PoolStatus>& pools) {
  family(out, "fpmd_process_state", "gauge", "1 for the state the process is in.");
  for (const auto& pool : pools) {
    for (const auto& p : pool.procs) {
      out += fmt::format("fpmd_process_state{{{},pid=\"{}\",state=\"{}\"}} 1\n", poolLabel(pool),
                         p.pid, labelValue(p.state));
    }
  }
  for (const ProcessMetric& metric : kProcessMetrics) {
    family(out, metric.name, metric.type, metric.help);
    // OpenMetrics names a counter's sample after its family with "_total".
    std::string_view suffix = metric.type == "counter" ? "_total" : "";
    for (const auto& pool : pools) {
      for (const auto& p : pool.procs) {
        out += fmt::format("{}{}{{{},pid=\"{}\"}} {}\n", metric.name, suffix, poolLabel(pool),
                           p.pid, metric.value(p));
      }
    }
  }
  family(out, "fpmd_process_last_request_cpu_percent", "gauge",
         "CPU used by the last request, in percent of its duration.");
  for (const auto& pool : pools) {
    for (const auto& p : pool.procs) {
      out += fmt::format("fpmd_process_last_request_cpu_percent{{{},pid=\"{}\"}} {:.2f}\n",
                         poolLabel(pool), p.pid, p.last_request_cpu);
    }
  }
}

}  // namespace

// PHP-FPM's part is its exact text, for its one pool: no labels, the pool name unescaped
// in phpfpm_up's HELP, no start time, and `full` ignored
// (https://github.com/php/php-src/issues/9494).
std::string renderOpenMetrics(const PoolStatus& s, bool full) {
  std::string out = fmt::format(
      "# HELP phpfpm_up Could pool {} using a {} PM on PHP-FPM be reached?\n"
      "# TYPE phpfpm_up gauge\n"
      "phpfpm_up 1\n",
      s.pool, s.process_manager);
  for (const Metric& m : phpFpmMetrics(s)) {
    std::string help = fmt::format("# HELP {} {}\n", m.name, m.help);
    std::string type = fmt::format("# TYPE {} {}\n", m.name, m.type);
    out += m.type_first ? type + help : help + type;
    out += fmt::format("{} {}\n", m.name, m.value);
  }
  std::vector<PoolStatus> one{s};
  appendPoolExtensions(out, one);
  if (full) appendProcessSeries(out, one);
  return out + "# EOF\n";
}

// Every pool in one exposition: each family once, a `pool` label on every sample.
std::string renderOpenMetricsAll(const std::vector<PoolStatus>& pools, bool full) {
  std::string out;
  family(out, "phpfpm_up", "gauge", "Could the pool be reached?");
  for (const auto& pool : pools) {
    out += fmt::format("phpfpm_up{{{},pm=\"{}\"}} 1\n", poolLabel(pool),
                       labelValue(pool.process_manager));
  }
  if (!pools.empty()) {
    std::vector<Metric> names = phpFpmMetrics(pools.front());
    for (size_t i = 0; i < names.size(); ++i) {
      family(out, names[i].name, names[i].type, names[i].help);
      // Unlike PHP-FPM's own page, counters are named as OpenMetrics wants them here.
      std::string_view suffix = names[i].type == "counter" ? "_total" : "";
      for (const auto& pool : pools) {
        out += fmt::format("{}{}{{{}}} {}\n", names[i].name, suffix, poolLabel(pool),
                           phpFpmMetrics(pool)[i].value);
      }
    }
  }
  appendPoolExtensions(out, pools);
  if (full) appendProcessSeries(out, pools);
  return out + "# EOF\n";
}

}  // namespace fpmd::status::render
