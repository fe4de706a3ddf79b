#include "top/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "top/table.h"

namespace fpmd::top {
namespace {

std::string optionalBytes(const std::optional<int64_t>& bytes) {
  return bytes ? formatBytes(*bytes) : "-";
}

bool positive(const std::optional<int64_t>& value) {
  return value.value_or(0) > 0;
}

// The memory governor's summary, or nothing when the server sends none of it (PHP-FPM) or
// only zeros and "off" (no governor configured): a line of "-" would say nothing.
std::optional<std::string> memoryGovernorLine(const StatusPool& pool) {
  bool guarding = !pool.memory_guard.empty() && pool.memory_guard != "off";
  std::vector<std::string> items;
  if (positive(pool.max_children)) {
    items.push_back(fmt::format("max children {}{}", *pool.max_children,
                                pool.max_children_auto ? " (auto)" : ""));
  } else if (pool.max_children_auto) {
    items.push_back("max children auto");  // not computed yet
  }
  auto bytes = [&](const char* label, const std::optional<int64_t>& value) {
    if (positive(value)) items.push_back(fmt::format("{} {}", label, formatBytes(*value)));
  };
  bytes("budget", pool.memory_budget);
  bytes("reserve", pool.memory_reserve);
  bytes("limit", pool.memory_limit);
  bytes("available", pool.memory_available);
  bytes("footprint", pool.worker_footprint);
  if (positive(pool.recycled_for_memory)) {
    items.push_back(fmt::format("recycled {}", *pool.recycled_for_memory));
  }
  if (items.empty() && !guarding) return std::nullopt;
  if (!pool.memory_guard.empty()) {
    items.insert(items.begin(), "guard " + printable(pool.memory_guard));
  }
  std::string line = "  memory:";
  for (size_t i = 0; i < items.size(); ++i) line += (i == 0 ? " " : "  ") + items[i];
  return line;
}

std::vector<std::string> poolHeader(const StatusPool& pool) {
  std::vector<std::string> lines;
  std::string header = fmt::format(
      "pool {} ({})  up {}  accepted conn {}  slow requests {}  max children reached {}",
      printable(pool.name), printable(pool.process_manager), formatUptime(pool.start_since),
      pool.accepted_conn, pool.slow_requests, pool.max_children_reached);
  if (pool.queue_timeouts && *pool.queue_timeouts > 0) {
    header += fmt::format("  queue timeouts (503) {}", *pool.queue_timeouts);
  }
  lines.push_back(std::move(header));
  lines.push_back(fmt::format(
      "  processes {} active, {} idle, {} total (max active {})  listen queue {}/{} (max {})",
      pool.active, pool.idle, pool.total, pool.max_active, pool.listen_queue, pool.listen_queue_len,
      pool.max_listen_queue));
  std::string extras;
  if (pool.p50_us || pool.p95_us || pool.p99_us) {
    auto percentile = [](const std::optional<int64_t>& us) {
      return us ? formatDuration(*us) : std::string("-");
    };
    extras +=
        fmt::format("  request duration (60 s) p50 {}  p95 {}  p99 {}", percentile(pool.p50_us),
                    percentile(pool.p95_us), percentile(pool.p99_us));
  }
  if (pool.rss || pool.pss) {
    extras +=
        fmt::format("  memory rss {}  pss {}", optionalBytes(pool.rss), optionalBytes(pool.pss));
  }
  if (!extras.empty()) lines.push_back(extras);
  if (std::optional<std::string> memory = memoryGovernorLine(pool)) lines.push_back(*memory);
  return lines;
}

std::vector<std::string> poolChart(const PoolSeries& series, size_t width, bool utf8) {
  // Active and idle share one scale (the largest pool size seen) so their bars compare.
  int64_t workers =
      std::max(maxOf(series.total), std::max(maxOf(series.active), maxOf(series.idle)));
  int64_t queue = maxOf(series.queue);
  auto row = [&](const char* label, const std::deque<int64_t>& values, int64_t scale) {
    std::string bars = sparkline(values, scale, width, utf8);
    size_t drawn = std::min(values.size(), width);
    return fmt::format("  {:<6} {}{}  {} (max {})", label, bars, std::string(width - drawn, ' '),
                       values.empty() ? 0 : values.back(), maxOf(values));
  };
  return {row("active", series.active, workers), row("idle", series.idle, workers),
          row("queue", series.queue, queue)};
}

std::string cutToWidth(const std::string& line, size_t width, bool utf8) {
  return width == 0 ? line : fitText(line, width, false, utf8);
}

}  // namespace

std::vector<std::string> renderWorkers(const StatusPool& pool, size_t width, bool utf8) {
  bool rss = std::any_of(pool.workers.begin(), pool.workers.end(),
                         [](const StatusWorker& w) { return w.rss.has_value(); });
  bool pss = std::any_of(pool.workers.begin(), pool.workers.end(),
                         [](const StatusWorker& w) { return w.pss.has_value(); });
  std::vector<TableColumn> columns = {
      {"PID", true},      {"STATE"},     {"UP", true},         {"REQS", true},
      {"DURATION", true}, {"METHOD"},    {"URI", false, true}, {"SCRIPT", false, true, true},
      {"CPU%", true},     {"MEM", true},
  };
  if (rss) columns.push_back({"RSS", true});
  if (pss) columns.push_back({"PSS", true});
  std::vector<std::vector<std::string>> rows;
  for (const StatusWorker& worker : sortedWorkers(pool.workers)) {
    std::vector<std::string> row = {
        std::to_string(worker.pid),
        printable(worker.state),
        formatUptime(worker.start_since),
        std::to_string(worker.requests),
        formatDuration(worker.request_duration_us),
        printable(worker.method),
        printable(worker.uri),
        printable(worker.script),
        fmt::format("{:.2f}", worker.last_cpu),
        formatBytes(worker.last_memory),
    };
    if (rss) row.push_back(optionalBytes(worker.rss));
    if (pss) row.push_back(optionalBytes(worker.pss));
    rows.push_back(std::move(row));
  }
  return renderTable(columns, rows, width, utf8);
}

std::string renderFrame(const StatusSnapshot* snapshot, const StatusHistory& history,
                        const FrameOptions& options) {
  std::vector<std::string> lines = {options.title};
  if (!options.error.empty()) lines.push_back("error: " + printable(options.error));
  if (snapshot != nullptr) {
    for (const StatusPool& pool : snapshot->pools) {
      lines.emplace_back();
      for (std::string& line : poolHeader(pool)) lines.push_back(std::move(line));
      if (const PoolSeries* series = history.find(pool.name)) {
        for (std::string& line : poolChart(*series, options.chart_width, options.utf8)) {
          lines.push_back(std::move(line));
        }
      }
      if (!pool.workers.empty()) {
        lines.emplace_back();
        for (std::string& line : renderWorkers(pool, options.width, options.utf8)) {
          lines.push_back(std::move(line));
        }
      }
    }
  }
  std::string out;
  for (const std::string& line : lines) {
    out += cutToWidth(line, options.width, options.utf8);
    out += '\n';
  }
  return out;
}

}  // namespace fpmd::top
