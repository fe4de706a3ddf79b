#include "status/render.h"

#include <fmt/format.h>

namespace fpmd::status::render {
namespace {

constexpr std::string_view kHead =
    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
    "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n"
    "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
    "<head><title>PHP-FPM Status Page</title></head>\n"
    "<body>\n";

}  // namespace

std::string renderHtml(const PoolStatus& status, bool full, bool utf8, Fields fields) {
  const Style style{Encoding::Markup, false, utf8};
  std::string out(kHead);
  // The pool: one row per field, label in <th>.
  out += "<table>\n";
  for (const Row& row : poolRows(status, fields)) {
    out +=
        fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", row.label, formatValue(row.value, style));
  }
  out += "</table>\n";
  if (!full) return out + "</body></html>";

  // The processes: one column per field, one row per process.
  out += "<table border=\"1\">\n<tr>";
  // The header row needs only the keys, which do not depend on the process.
  for (const Row& row : processRows(ProcessStatus{}, fields)) {
    out += fmt::format("<th>{}</th>", row.key);
  }
  out += "</tr>\n";
  for (const ProcessStatus& process : status.procs) {
    out += "<tr>";
    for (const Row& row : processRows(process, fields)) {
      out += fmt::format("<td>{}</td>", formatValue(row.value, style));
    }
    out += "</tr>\n";
  }
  return out + "</table></body></html>";
}

}  // namespace fpmd::status::render
