#include "report.h"

#include <fmt/format.h>

#include <string>

namespace fpmd::bench {

namespace {

double ms(uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

double rps(const Stats& stats) {
  return stats.elapsed_s > 0 ? static_cast<double>(stats.requests) / stats.elapsed_s : 0.0;
}

std::string humanBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return fmt::format("{:.2f} {}", bytes, units[unit]);
}

constexpr double kPercentiles[] = {50, 90, 99, 99.9};

}  // namespace

void printText(std::FILE* out, const Options& options, const Stats& stats) {
  const auto& h = stats.latency_ns;
  fmt::print(out, "fcgi-bench {}: {} connection(s), {} thread(s), keep-alive {}\n", options.address,
             options.connections, options.threads, options.keep_alive ? "on" : "off");
  fmt::print(out, "  {} requests in {:.2f}s, {} read, {} written\n", stats.requests,
             stats.elapsed_s, humanBytes(static_cast<double>(stats.bytes_read)),
             humanBytes(static_cast<double>(stats.bytes_written)));
  fmt::print(out, "  Requests/sec: {:.1f}\n", rps(stats));
  fmt::print(
      out, "  Transfer/sec: {}/s\n",
      humanBytes(stats.elapsed_s > 0 ? static_cast<double>(stats.bytes_read) / stats.elapsed_s
                                     : 0.0));
  fmt::print(out, "  Latency (ms{}): min {:.3f}  mean {:.3f}  max {:.3f}\n",
             stats.unansweredRequests() ? ", with the unanswered at their wait" : "", ms(h.min()),
             h.mean() / 1e6, ms(h.max()));
  for (double p : kPercentiles) {
    fmt::print(out, "    p{:<5} {:10.3f}\n", p, ms(h.percentile(p)));
  }
  fmt::print(out, "  Status: 2xx {}  3xx {}  4xx {}  5xx {}\n", stats.status_classes[2],
             stats.status_classes[3], stats.status_classes[4], stats.status_classes[5]);
  fmt::print(out, "  Errors: {}", stats.errorTotal());
  for (size_t i = 0; i < stats.errors.size(); ++i) {
    if (stats.errors[i]) {
      fmt::print(out, "  {} {}", errorName(static_cast<ErrorKind>(i)), stats.errors[i]);
    }
  }
  fmt::print(out, "\n  Unanswered requests: {} (no answer within {:g}s)\n",
             stats.unansweredRequests(), options.timeout_s);
  fmt::print(out,
             "  Starved connections: {} of {} (no answer during the run); longest wait "
             "without an answer: {:.3f} ms\n",
             stats.starved_connections, options.connections, ms(stats.longest_unanswered_ns));
  fmt::print(out, "  Connections opened: {}  retries: {}  stderr bytes: {}\n", stats.connects,
             stats.retries, stats.stderr_bytes);
  if (stats.warmup_requests || stats.warmup_errors) {
    fmt::print(out, "  Warm-up: {} requests, {} errors (not counted above)\n",
               stats.warmup_requests, stats.warmup_errors);
  }
}

void printJson(std::FILE* out, const Options& options, const Stats& stats) {
  const auto& h = stats.latency_ns;
  std::string errors;
  for (size_t i = 0; i < stats.errors.size(); ++i) {
    errors += fmt::format("{}\"{}\": {}", i ? ", " : "", errorName(static_cast<ErrorKind>(i)),
                          stats.errors[i]);
  }
  fmt::print(out,
             "{{\"address\": \"{}\", \"connections\": {}, \"threads\": {}, \"keep_alive\": {}, "
             "\"requests\": {}, \"errors\": {}, \"errors_by_kind\": {{{}}}, "
             "\"duration_s\": {:.6f}, \"rps\": {:.3f}, "
             "\"min_ms\": {:.4f}, \"mean_ms\": {:.4f}, \"p50_ms\": {:.4f}, \"p90_ms\": {:.4f}, "
             "\"p99_ms\": {:.4f}, \"p999_ms\": {:.4f}, \"max_ms\": {:.4f}, "
             "\"status\": {{\"2xx\": {}, \"3xx\": {}, \"4xx\": {}, \"5xx\": {}}}, "
             "\"bytes_read\": {}, \"bytes_written\": {}, \"stdout_bytes\": {}, "
             "\"stderr_bytes\": {}, \"connects\": {}, \"retries\": {}, "
             "\"warmup_requests\": {}, \"warmup_errors\": {}, \"timeout_s\": {:g}, "
             "\"unanswered_requests\": {}, \"starved_connections\": {}, "
             "\"longest_unanswered_ms\": {:.4f}}}\n",
             options.address, options.connections, options.threads,
             options.keep_alive ? "true" : "false", stats.requests, stats.errorTotal(), errors,
             stats.elapsed_s, rps(stats), ms(h.min()), h.mean() / 1e6, ms(h.percentile(50)),
             ms(h.percentile(90)), ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.max()),
             stats.status_classes[2], stats.status_classes[3], stats.status_classes[4],
             stats.status_classes[5], stats.bytes_read, stats.bytes_written, stats.stdout_bytes,
             stats.stderr_bytes, stats.connects, stats.retries, stats.warmup_requests,
             stats.warmup_errors, options.timeout_s, stats.unansweredRequests(),
             stats.starved_connections, ms(stats.longest_unanswered_ns));
}

}  // namespace fpmd::bench
