#include "top/table.h"

#include <fmt/format.h>

#include <algorithm>

namespace fpmd::top {
namespace {

constexpr size_t kMinShrunkWidth = 8;
constexpr const char* kGap = "  ";

bool isContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

/// Byte offset just after the first `columns` code points of `text`.
size_t prefixBytes(std::string_view text, size_t columns) {
  size_t i = 0;
  for (size_t seen = 0; i < text.size(); ++i) {
    if (!isContinuation(text[i]) && seen++ == columns) break;
  }
  return i;
}

std::string pad(const std::string& text, size_t width, bool right) {
  size_t have = displayWidth(text);
  std::string spaces(width > have ? width - have : 0, ' ');
  return right ? spaces + text : text + spaces;
}

}  // namespace

size_t displayWidth(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !isContinuation(c); }));
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    bool c1 = byte == 0xc2 && i + 1 < text.size() &&
              static_cast<unsigned char>(text[i + 1]) < 0xa0;  // U+0080..U+009F
    if (c1) ++i;
    out += byte < 0x20 || byte == 0x7f || c1 ? '?' : text[i];
  }
  return out;
}

std::string fitText(std::string_view text, size_t width, bool keep_tail, bool utf8) {
  size_t have = displayWidth(text);
  if (have <= width) return std::string(text);
  if (width == 0) return {};
  std::string mark = utf8 ? "…" : "~";
  size_t keep = width - 1;
  if (keep_tail) return mark + std::string(text.substr(prefixBytes(text, have - keep)));
  return std::string(text.substr(0, prefixBytes(text, keep))) + mark;
}

std::vector<std::string> renderTable(const std::vector<TableColumn>& columns,
                                     const std::vector<std::vector<std::string>>& rows,
                                     size_t max_width, bool utf8) {
  std::vector<size_t> widths;
  for (const TableColumn& column : columns) widths.push_back(displayWidth(column.title));
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], displayWidth(row[i]));
    }
  }
  auto total = [&] {
    size_t sum = 0;
    for (size_t width : widths) sum += width;
    return sum + (widths.empty() ? 0 : 2 * (widths.size() - 1));
  };
  // The widest shrinkable column gives one column at a time, so that two long ones end
  // up sharing the room.
  while (max_width != 0 && total() > max_width) {
    size_t widest = widths.size();
    for (size_t i = 0; i < widths.size(); ++i) {
      if (columns[i].shrinkable && widths[i] > kMinShrunkWidth &&
          (widest == widths.size() || widths[i] > widths[widest])) {
        widest = i;
      }
    }
    if (widest == widths.size()) break;
    --widths[widest];
  }

  auto line = [&](auto cell) {
    std::string out;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) out += kGap;
      std::string text = fitText(cell(i), widths[i], columns[i].keep_tail, utf8);
      out += pad(text, widths[i], columns[i].align_right);
    }
    out.erase(out.find_last_not_of(' ') + 1);
    return out;
  };
  std::vector<std::string> lines;
  lines.push_back(line([&](size_t i) { return columns[i].title; }));
  for (const auto& row : rows) {
    lines.push_back(line([&](size_t i) { return i < row.size() ? row[i] : std::string(); }));
  }
  return lines;
}

std::string formatDuration(int64_t microseconds) {
  if (microseconds < 1000) return fmt::format("{}us", std::max<int64_t>(microseconds, 0));
  if (microseconds < 1000 * 1000) return fmt::format("{:.1f}ms", microseconds / 1e3);
  if (microseconds < 60 * 1000 * 1000) return fmt::format("{:.2f}s", microseconds / 1e6);
  int64_t seconds = microseconds / (1000 * 1000);
  return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
}

std::string formatBytes(int64_t bytes) {
  if (bytes < 1024) return fmt::format("{}B", std::max<int64_t>(bytes, 0));
  if (bytes < 1024 * 1024) return fmt::format("{:.1f}KiB", bytes / 1024.0);
  if (bytes < int64_t{1024} * 1024 * 1024) return fmt::format("{:.1f}MiB", bytes / 1048576.0);
  return fmt::format("{:.2f}GiB", bytes / 1073741824.0);
}

std::string formatUptime(int64_t seconds) {
  seconds = std::max<int64_t>(seconds, 0);
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  if (seconds < 86400) return fmt::format("{}h{:02}m", seconds / 3600, seconds % 3600 / 60);
  return fmt::format("{}d{:02}h", seconds / 86400, seconds % 86400 / 3600);
}

}  // namespace fpmd::top
