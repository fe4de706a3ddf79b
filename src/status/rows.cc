#include "status/render.h"

#include <time.h>

#include <cstdlib>

#include <fmt/format.h>

#include "status/escape.h"

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

std::vector<Row> poolRows(const PoolStatus& s) {
  return {
      {"pool", "pool", Word{s.pool}},
      {"process manager", "process manager", Word{s.process_manager}},
      {"start time", "start time", Moment{s.start_time}},
      {"start since", "start since", unsignedSeconds(s.start_since)},
      {"accepted conn", "accepted conn", s.accepted_conn},
      {"listen queue", "listen queue", s.listen_queue},
      {"max listen queue", "max listen queue", s.max_listen_queue},
      {"listen queue len", "listen queue len", s.listen_queue_len},
      {"idle processes", "idle processes", s.idle_processes},
      {"active processes", "active processes", s.active_processes},
      {"total processes", "total processes", s.total_processes},
      {"max active processes", "max active processes", s.max_active_processes},
      {"max children reached", "max children reached", s.max_children_reached},
      {"slow requests", "slow requests", s.slow_requests},
      // fpmd's own, after all of PHP-FPM's so that readers of its layout are not disturbed.
      {"request duration p50", "request duration p50", s.duration_p50_us},
      {"request duration p95", "request duration p95", s.duration_p95_us},
      {"request duration p99", "request duration p99", s.duration_p99_us},
      {"memory rss", "memory rss", s.memory_rss},
      {"memory pss", "memory pss", s.memory_pss},
  };
}

std::vector<Row> processRows(const ProcessStatus& p) {
  return {
      {"pid", "pid", static_cast<int64_t>(static_cast<int>(p.pid))},
      {"state", "state", Word{p.state}},
      {"start time", "start time", Moment{p.start_time}},
      {"start since", "start since", unsignedSeconds(p.start_since)},
      {"requests", "requests", p.requests},
      {"request duration", "request duration", p.request_duration_us},
      {"request method", "request method", Untrusted{orDash(p.request_method)}},
      {"request URI", "request uri", RequestUri{p.request_uri, p.query_string}},
      {"content length", "content length", p.request_length},
      {"user", "user", Untrusted{orDash(p.user)}},
      {"script", "script", Untrusted{orDash(p.script)}},
      {"last request cpu", "last request cpu", Percent{p.last_request_cpu}},
      {"last request memory", "last request memory", p.last_request_memory},
      {"memory rss", "memory rss", p.memory_rss},
      {"memory pss", "memory pss", p.memory_pss},
  };
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
