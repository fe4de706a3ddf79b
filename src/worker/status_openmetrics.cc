#include "worker/status_render.h"

#include <fmt/format.h>

namespace fpmd::worker::status {
namespace {

struct Metric {
  std::string_view name;
  std::string_view help;
  std::string_view type;
  uint64_t value;
  // PHP-FPM prints this one's TYPE line before its HELP line; scrapers accept both.
  bool type_first = false;
};

}  // namespace

// PHP-FPM has no per-process metrics here, so `full` changes nothing
// (https://github.com/php/php-src/issues/9494), and the start time is left out.
std::string renderOpenMetrics(const cgi::PoolStatus& s) {
  const Metric metrics[] = {
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
  // The pool name goes into the HELP text unescaped, as PHP-FPM writes it.
  std::string out = fmt::format(
      "# HELP phpfpm_up Could pool {} using a {} PM on PHP-FPM be reached?\n"
      "# TYPE phpfpm_up gauge\n"
      "phpfpm_up 1\n",
      s.pool, s.process_manager);
  for (const Metric& m : metrics) {
    std::string help = fmt::format("# HELP {} {}\n", m.name, m.help);
    std::string type = fmt::format("# TYPE {} {}\n", m.name, m.type);
    out += m.type_first ? type + help : help + type;
    out += fmt::format("{} {}\n", m.name, m.value);
  }
  return out + "# EOF\n";
}

}  // namespace fpmd::worker::status
