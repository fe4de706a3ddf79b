#include "status/render.h"

#include <fmt/format.h>

namespace fpmd::status::render {
namespace {

std::string elements(const std::vector<Row>& rows, const Style& style, std::string_view end) {
  std::string out;
  for (const Row& row : rows) {
    std::string tag = xmlTag(row.key);
    out += fmt::format("<{}>{}</{}>{}", tag, formatValue(row.value, style), tag, end);
  }
  return out;
}

}  // namespace

std::string renderXml(const PoolStatus& status, bool full, bool utf8, Fields fields) {
  const Style style{Encoding::Markup, true, utf8};
  std::string out = "<?xml version=\"1.0\" ?>\n<status>\n";
  out += elements(poolRows(status, fields), style, "\n");
  if (!full) return out + "</status>";
  out += "<processes>\n";
  for (const ProcessStatus& process : status.procs) {
    out += "<process>" + elements(processRows(process, fields), style, "") + "</process>\n";
  }
  return out + "</processes>\n</status>";
}

}  // namespace fpmd::status::render
