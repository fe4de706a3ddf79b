#pragma once

// `fpmd status`: the last refreshes' active/idle/queue counts per pool, and the sparklines
// drawn from them. Pure: no I/O.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>

#include "top/model.h"

namespace fpmd::top {

struct PoolSeries {
  std::deque<int64_t> active;
  std::deque<int64_t> idle;
  std::deque<int64_t> queue;
  std::deque<int64_t> total;
};

/// Keeps the last `capacity` samples of each pool seen in the latest snapshot; pools that
/// disappear (a reload removed them) are forgotten.
class StatusHistory {
 public:
  explicit StatusHistory(size_t capacity) : capacity_(capacity) {}

  void record(const StatusSnapshot& snapshot);
  /// nullptr for a pool never recorded.
  const PoolSeries* find(const std::string& pool) const;
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  std::map<std::string, PoolSeries> series_;
};

/// One character per value, scaled so that `scale` (at least 1) is the tallest bar:
/// "▁▂▃▄▅▆▇█" when `utf8`, else "_.-:=+*#". Values above `scale` draw as the tallest.
/// Only the last `width` values are drawn.
std::string sparkline(const std::deque<int64_t>& values, int64_t scale, size_t width, bool utf8);

/// The largest value of `values` (0 when empty).
int64_t maxOf(const std::deque<int64_t>& values);

/// True when the locale environment (LC_ALL, else LC_CTYPE, else LANG, as setlocale picks
/// them) names UTF-8. The arguments are the variables' values, null when unset.
bool localeIsUtf8(const char* lc_all, const char* lc_ctype, const char* lang);

}  // namespace fpmd::top
