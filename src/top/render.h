#pragma once

// `fpmd status`: one screen of the live view, as plain text lines (the command adds the
// terminal's escape codes). Pure: no I/O.

#include <cstddef>
#include <string>

#include "top/history.h"
#include "top/model.h"

namespace fpmd::top {

struct FrameOptions {
  std::string title;        // first line: what is watched, and when
  std::string error;        // the last refresh's failure, shown under the title
  size_t width = 0;         // terminal columns; 0: no limit (not a terminal)
  size_t chart_width = 40;  // sparkline samples
  bool utf8 = true;
};

/// Title, then per pool: its counters, the history chart and the workers table.
/// `snapshot` may be null (nothing fetched yet). Lines end with '\n'; none is wider than
/// `width` when it is set.
std::string renderFrame(const StatusSnapshot* snapshot, const StatusHistory& history,
                        const FrameOptions& options);

/// The workers table of one pool, RSS/PSS columns only when the server sends them.
std::vector<std::string> renderWorkers(const StatusPool& pool, size_t width, bool utf8);

}  // namespace fpmd::top
