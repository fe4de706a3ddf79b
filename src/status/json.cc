#include "status/render.h"

#include <fmt/format.h>

#include "status/field_names.h"

namespace fpmd::status::render {
namespace {

// `{"key":value,…}` on one line, strings quoted, no spaces, as PHP-FPM prints it.
std::string members(const std::vector<Row>& rows) {
  const Style style{Encoding::Json, true, true};
  std::string out;
  for (const Row& row : rows) {
    if (!out.empty()) out += ',';
    std::string value = formatValue(row.value, style);
    out += isJsonString(row.value) ? fmt::format("\"{}\":\"{}\"", row.key, value)
                                   : fmt::format("\"{}\":{}", row.key, value);
  }
  return out;
}

}  // namespace

std::string renderJson(const PoolStatus& status, bool full) {
  std::string out = "{" + members(poolRows(status, Fields::All));
  if (!full) return out + "}";
  // The space before "processes" is PHP-FPM's.
  out += fmt::format(", \"{}\":[", field::kProcesses);
  bool first = true;
  for (const ProcessStatus& process : status.procs) {
    if (!first) out += ',';
    first = false;
    out += "{" + members(processRows(process, Fields::All)) + "}";
  }
  return out + "]}";
}

std::string renderJsonAll(const std::vector<PoolStatus>& pools, bool full) {
  std::string out = fmt::format("{{\"{}\":[", field::kPools);
  for (size_t i = 0; i < pools.size(); ++i) {
    if (i > 0) out += ',';
    out += renderJson(pools[i], full);
  }
  return out + "]}";
}

}  // namespace fpmd::status::render
