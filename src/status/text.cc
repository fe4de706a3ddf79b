#include "status/render.h"

#include <fmt/format.h>

namespace fpmd::status::render {
namespace {

// "label:" padded to 22 columns, then the value: PHP-FPM's fixed layout.
void appendLines(std::string& out, const std::vector<Row>& rows) {
  const Style style{Encoding::Raw, false, true};
  for (const Row& row : rows) {
    out += fmt::format("{:<22}{}\n", fmt::format("{}:", row.label), formatValue(row.value, style));
  }
}

}  // namespace

std::string renderText(const PoolStatus& status, bool full, Fields fields) {
  std::string out;
  appendLines(out, poolRows(status, fields));
  if (!full) return out;
  for (const ProcessStatus& process : status.procs) {
    out += "\n************************\n";
    appendLines(out, processRows(process, fields));
  }
  return out;
}

std::string renderTextAll(const std::vector<PoolStatus>& pools, bool full, Fields fields) {
  std::string out;
  for (size_t i = 0; i < pools.size(); ++i) {
    if (i > 0) out += "\n========================\n";
    out += renderText(pools[i], full, fields);
  }
  return out;
}

}  // namespace fpmd::status::render
