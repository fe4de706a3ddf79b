#pragma once

// `fpmd status`: text cells and aligned tables for the terminal, measured in columns
// (UTF-8 code points) rather than bytes. Pure: no I/O.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fpmd::top {

struct TableColumn {
  std::string title;
  bool align_right = false;  // numbers
  bool shrinkable = false;   // may be cut to fit the terminal (URIs, paths)
  bool keep_tail = false;    // cut from the left: a path's end says more than its start
};

/// Terminal columns of UTF-8 text: one per code point.
size_t displayWidth(std::string_view text);

/// `text` with C0 and C1 control characters (a status page shows what clients sent: an
/// escape sequence in a URI must not reach the terminal) replaced by '?'.
std::string printable(std::string_view text);

/// `text` cut to at most `width` columns, marking the cut with "…" (or "~" without
/// `utf8`) at the end, or at the start when `keep_tail`.
std::string fitText(std::string_view text, size_t width, bool keep_tail, bool utf8);

/// Rows under a title line, columns two spaces apart, each as wide as its widest cell.
/// When `max_width` is not 0 and the table is wider, shrinkable columns give up width
/// (down to 8 columns each) and their cells are cut. Trailing spaces are trimmed.
std::vector<std::string> renderTable(const std::vector<TableColumn>& columns,
                                     const std::vector<std::vector<std::string>>& rows,
                                     size_t max_width, bool utf8);

/// "850us", "12.3ms", "1.50s", "2m05s".
std::string formatDuration(int64_t microseconds);
/// "512B", "1.5KiB", "20.1MiB", "1.20GiB".
std::string formatBytes(int64_t bytes);
/// "45s", "12m03s", "3h04m", "2d03h".
std::string formatUptime(int64_t seconds);

}  // namespace fpmd::top
