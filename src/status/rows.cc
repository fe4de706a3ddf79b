#include "status/render.h"

#include <time.h>

#include <cstdlib>

#include <fmt/format.h>

#include "status/escape.h"
#include "status/field_names.h"

namespace fpmd::status::render {
namespace {

std::string_view orDash(std::string_view text) {
  return text.empty() ? "-" : text;
}

// PHP-FPM prints seconds-since as (unsigned long)(now - start): a start time ahead of the
// clock wraps around instead of going negative. Keep that.
uint64_t unsignedSeconds(int64_t seconds) {
  return static_cast<uint64_t>(seconds);
}

// The rows have no boolean type: a flag prints as 0 or 1 in every format.
uint64_t flag(bool value) {
  return value ? 1 : 0;
}

std::string encode(std::string_view text, const Style& style) {
  switch (style.encoding) {
    case Encoding::Markup:
      return markupEscape(text, style.utf8);
    case Encoding::Json:
      return jsonEscape(text);
    case Encoding::Raw:
      break;
  }
  return std::string(text);
}

}  // namespace

std::vector<Row> poolRows(const PoolStatus& s, Fields fields) {
  std::vector<Row> rows = {
      {field::kPool, field::kPool, Word{s.pool}},
      {field::kProcessManager, field::kProcessManager, Word{s.process_manager}},
      {field::kStartTime, field::kStartTime, Moment{s.start_time}},
      {field::kStartSince, field::kStartSince, unsignedSeconds(s.start_since)},
      {field::kAcceptedConn, field::kAcceptedConn, s.accepted_conn},
      {field::kListenQueue, field::kListenQueue, s.listen_queue},
      {field::kMaxListenQueue, field::kMaxListenQueue, s.max_listen_queue},
      {field::kListenQueueLen, field::kListenQueueLen, s.listen_queue_len},
      {field::kIdleProcesses, field::kIdleProcesses, s.idle_processes},
      {field::kActiveProcesses, field::kActiveProcesses, s.active_processes},
      {field::kTotalProcesses, field::kTotalProcesses, s.total_processes},
      {field::kMaxActiveProcesses, field::kMaxActiveProcesses, s.max_active_processes},
      {field::kMaxChildrenReached, field::kMaxChildrenReached, s.max_children_reached},
      {field::kSlowRequests, field::kSlowRequests, s.slow_requests},
  };
  if (fields == Fields::PhpFpm) return rows;
  // fpmd's own, after all of PHP-FPM's so that readers of its layout are not disturbed.
  rows.insert(rows.end(),
              {
                  {field::kRequestDurationP50, field::kRequestDurationP50, s.duration_p50_us},
                  {field::kRequestDurationP95, field::kRequestDurationP95, s.duration_p95_us},
                  {field::kRequestDurationP99, field::kRequestDurationP99, s.duration_p99_us},
                  {field::kMemoryRSS, field::kMemoryRSS, s.memory_rss},
                  {field::kMemoryPSS, field::kMemoryPSS, s.memory_pss},
                  // The memory governor's limits and decisions (bytes, as memory rss).
                  {field::kMaxChildren, field::kMaxChildren, s.max_children},
                  {field::kMaxChildrenAuto, field::kMaxChildrenAuto, flag(s.max_children_auto)},
                  {field::kMemoryBudget, field::kMemoryBudget, s.memory_budget},
                  {field::kMemoryReserve, field::kMemoryReserve, s.memory_reserve},
                  {field::kMemoryLimit, field::kMemoryLimit, s.memory_limit},
                  {field::kMemoryAvailable, field::kMemoryAvailable, s.memory_available},
                  {field::kWorkerFootprint, field::kWorkerFootprint, s.worker_footprint},
                  {field::kMemoryGuard, field::kMemoryGuard, Word{memoryGuard(s)}},
                  {field::kRecycledForMemory, field::kRecycledForMemory, s.recycled_for_memory},
                  {field::kQueueTimeouts, field::kQueueTimeouts, s.queue_timeouts},
              });
  return rows;
}

std::vector<Row> processRows(const ProcessStatus& p, Fields fields) {
  std::vector<Row> rows = {
      {field::kPid, field::kPid, static_cast<int64_t>(static_cast<int>(p.pid))},
      {field::kState, field::kState, Word{p.state}},
      {field::kStartTime, field::kStartTime, Moment{p.start_time}},
      {field::kStartSince, field::kStartSince, unsignedSeconds(p.start_since)},
      {field::kRequests, field::kRequests, p.requests},
      {field::kRequestDuration, field::kRequestDuration, p.request_duration_us},
      {field::kRequestMethod, field::kRequestMethod, Untrusted{orDash(p.request_method)}},
      {field::kRequestURILabel, field::kRequestURI, RequestUri{p.request_uri, p.query_string}},
      {field::kContentLength, field::kContentLength, p.request_length},
      {field::kUser, field::kUser, Untrusted{orDash(p.user)}},
      {field::kScript, field::kScript, Untrusted{orDash(p.script)}},
      {field::kLastRequestCPU, field::kLastRequestCPU, Percent{p.last_request_cpu}},
      {field::kLastRequestMemory, field::kLastRequestMemory, p.last_request_memory},
  };
  if (fields == Fields::PhpFpm) return rows;
  rows.insert(rows.end(),
              {
                  {field::kMemoryRSS, field::kMemoryRSS, p.memory_rss},
                  {field::kMemoryPSS, field::kMemoryPSS, p.memory_pss},
                  {field::kRssAfterRequest, field::kRssAfterRequest, p.rss_after_request},
              });
  return rows;
}

std::string_view memoryGuard(const PoolStatus& status) {
  // Both branches string_views: a std::string branch would make the result a temporary.
  if (status.memory_guard.empty()) return "off";
  return status.memory_guard;
}

std::string formatValue(const Value& value, const Style& style) {
  if (auto* n = std::get_if<uint64_t>(&value)) return fmt::format("{}", *n);
  if (auto* n = std::get_if<int64_t>(&value)) return fmt::format("{}", *n);
  if (auto* word = std::get_if<Word>(&value)) return std::string(word->text);
  if (auto* text = std::get_if<Untrusted>(&value)) return encode(text->text, style);
  if (auto* uri = std::get_if<RequestUri>(&value)) {
    std::string out = encode(orDash(uri->path), style);
    // The "?" stays even when escaping empties an invalid query string, as in PHP-FPM.
    if (!uri->query.empty()) out += "?" + encode(uri->query, style);
    return out;
  }
  if (auto* moment = std::get_if<Moment>(&value)) {
    return style.epoch_time ? fmt::format("{}", moment->epoch) : localTime(moment->epoch);
  }
  // PHP-FPM keeps the percentage in a float before printing it with "%.2f".
  double percent = static_cast<float>(std::get<Percent>(value).value);
  return fmt::format("{:.2f}", percent);
}

bool isJsonString(const Value& value) {
  return std::holds_alternative<Word>(value) || std::holds_alternative<Untrusted>(value) ||
         std::holds_alternative<RequestUri>(value);
}

std::string xmlTag(std::string_view key) {
  std::string tag(key);
  for (char& c : tag) c = c == ' ' ? '-' : c;
  return tag;
}

std::string localTime(int64_t epoch) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // localtime() rereads TZ on every call and PHP-FPM relies on that; localtime_r() does
  // not, so ask for it.
  tzset();
  time_t when = static_cast<time_t>(epoch);
  struct tm local {};
  if (localtime_r(&when, &local) == nullptr) return {};
  long offset = local.tm_gmtoff;
  char sign = offset < 0 ? '-' : '+';
  offset = std::labs(offset);
  // Built by hand rather than with strftime so that LC_TIME cannot change the month names.
  return fmt::format("{:02}/{}/{}:{:02}:{:02}:{:02} {}{:02}{:02}", local.tm_mday,
                     kMonths[local.tm_mon], local.tm_year + 1900, local.tm_hour, local.tm_min,
                     local.tm_sec, sign, offset / 3600, offset % 3600 / 60);
}

}  // namespace fpmd::status::render
