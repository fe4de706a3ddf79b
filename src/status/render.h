#pragma once

// Inside the status page: one list of typed rows built from PoolStatus, and one small
// renderer per format that lays the rows out. A field is added once, as a row, and every
// format shows it. The rows start with exactly php-fpm8.2's, in its order; fpmd's own
// (latency percentiles, memory) come after them, and only where asked for in the formats
// strict readers parse (text, HTML, XML).

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "status/model.h"

namespace fpmd::status::render {

/// A value PHP-FPM prints as it is in every format (pool name, process manager, state).
struct Word {
  std::string_view text;
};
/// Request data: escaped for HTML and XML, JSON-encoded for JSON, raw in text.
struct Untrusted {
  std::string_view text;
};
/// The request URI: the path ("-" when empty) and, when there is one, "?" and the query
/// string, each escaped on its own.
struct RequestUri {
  std::string_view path;
  std::string_view query;
};
/// A moment: local time in text and HTML, epoch seconds in XML and JSON.
struct Moment {
  int64_t epoch = 0;
};
/// A CPU percentage with two decimals.
struct Percent {
  double value = 0.0;
};
using Value = std::variant<uint64_t, int64_t, Word, Untrusted, RequestUri, Moment, Percent>;

struct Row {
  std::string_view label;  // text format ("request URI")
  std::string_view key;    // JSON key and HTML header ("request uri"); XML uses it dashed
  Value value;
};

/// PHP-FPM's fields only (what text, HTML and XML show by default, byte for byte as
/// php8.2-fpm), or those and fpmd's after them (JSON and OpenMetrics always; the others
/// when the query says `fpmd` or the pool sets pm.status_fpmd_fields).
enum class Fields { PhpFpm, All };

std::vector<Row> poolRows(const PoolStatus& status, Fields fields);
std::vector<Row> processRows(const ProcessStatus& process, Fields fields);

/// The memory guard's state; "off" for a status not made from a scoreboard, which has none
/// (no governor ran).
std::string_view memoryGuard(const PoolStatus& status);

enum class Encoding { Raw, Markup, Json };

struct Style {
  Encoding encoding = Encoding::Raw;
  bool epoch_time = false;  // XML and JSON print moments as epoch seconds
  bool utf8 = true;         // default_charset is UTF-8 (matters to Markup only)
};

/// One value as a format prints it (JSON strings without their quotes).
std::string formatValue(const Value& value, const Style& style);

/// True for the values JSON puts in quotes.
bool isJsonString(const Value& value);

/// The XML tag for a key: spaces become dashes ("accepted conn" → "accepted-conn").
std::string xmlTag(std::string_view key);

/// `epoch` as PHP-FPM's strftime("%d/%b/%Y:%H:%M:%S %z", localtime()).
std::string localTime(int64_t epoch);

std::string renderText(const PoolStatus& status, bool full, Fields fields);
std::string renderHtml(const PoolStatus& status, bool full, bool utf8, Fields fields);
std::string renderXml(const PoolStatus& status, bool full, bool utf8, Fields fields);
std::string renderJson(const PoolStatus& status, bool full);
/// PHP-FPM's metrics (unlabelled, as it prints them for its one pool) and fpmd's, which
/// carry a `pool` label; `full` adds fpmd's per-process series (PHP-FPM ignores `full`).
std::string renderOpenMetrics(const PoolStatus& status, bool full);

/// Several pools at once (the master's aggregated view): {"pools":[…]} in JSON, every
/// series labelled with its pool in OpenMetrics, the pools one after another in text.
std::string renderJsonAll(const std::vector<PoolStatus>& pools, bool full);
std::string renderOpenMetricsAll(const std::vector<PoolStatus>& pools, bool full);
std::string renderTextAll(const std::vector<PoolStatus>& pools, bool full, Fields fields);

}  // namespace fpmd::status::render
