#include "top/history.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace fpmd::top {
namespace {

void push(std::deque<int64_t>& values, int64_t value, size_t capacity) {
  values.push_back(value);
  while (values.size() > capacity) values.pop_front();
}

}  // namespace

void StatusHistory::record(const StatusSnapshot& snapshot) {
  std::set<std::string> seen;
  for (const StatusPool& pool : snapshot.pools) {
    seen.insert(pool.name);
    PoolSeries& series = series_[pool.name];
    push(series.active, pool.active, capacity_);
    push(series.idle, pool.idle, capacity_);
    push(series.queue, pool.listen_queue, capacity_);
    push(series.total, pool.total, capacity_);
  }
  std::erase_if(series_, [&](const auto& entry) { return !seen.contains(entry.first); });
}

const PoolSeries* StatusHistory::find(const std::string& pool) const {
  auto it = series_.find(pool);
  return it == series_.end() ? nullptr : &it->second;
}

std::string sparkline(const std::deque<int64_t>& values, int64_t scale, size_t width, bool utf8) {
  static constexpr const char* kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static constexpr char kAscii[] = "_.-:=+*#";
  constexpr int64_t kTop = 7;
  scale = std::max<int64_t>(scale, 1);
  size_t skip = values.size() > width ? values.size() - width : 0;
  std::string out;
  for (size_t i = skip; i < values.size(); ++i) {
    int64_t value = std::clamp<int64_t>(values[i], 0, scale);
    // Rounded up so that any non-zero value rises above the baseline.
    int64_t level = (value * kTop + scale - 1) / scale;
    if (utf8) {
      out += kBlocks[level];
    } else {
      out += kAscii[level];
    }
  }
  return out;
}

int64_t maxOf(const std::deque<int64_t>& values) {
  return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
}

bool localeIsUtf8(const char* lc_all, const char* lc_ctype, const char* lang) {
  const char* chosen = nullptr;
  for (const char* value : {lc_all, lc_ctype, lang}) {
    if (value != nullptr && *value != '\0') {
      chosen = value;
      break;
    }
  }
  if (chosen == nullptr) return false;
  std::string lower;
  for (const char* p = chosen; *p != '\0'; ++p) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
  }
  return lower.find("utf-8") != std::string::npos || lower.find("utf8") != std::string::npos;
}

}  // namespace fpmd::top
