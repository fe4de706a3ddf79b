#include "os/sysctl.h"

#include <charconv>
#include <fstream>
#include <iterator>

namespace fpmd::os {

Sysctl::Sysctl(std::string root) : root_(std::move(root)) {}

std::string Sysctl::pathOf(std::string_view name) const {
  std::string relative(name);
  if (relative.find('/') == std::string::npos) {
    for (char& c : relative) {
      if (c == '.') c = '/';
    }
  }
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  return root_ + "/" + relative;
}

std::optional<std::string> Sysctl::text(std::string_view name) const {
  std::ifstream in(pathOf(name), std::ios::binary);
  if (!in) return std::nullopt;
  std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  while (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

std::optional<std::vector<int64_t>> Sysctl::integers(std::string_view name) const {
  std::optional<std::string> value = text(name);
  if (!value) return std::nullopt;
  return parseIntegers(*value);
}

std::optional<int64_t> Sysctl::integer(std::string_view name) const {
  std::optional<std::vector<int64_t>> values = integers(name);
  if (!values || values->size() != 1) return std::nullopt;
  return values->front();
}

std::optional<std::vector<int64_t>> parseIntegers(std::string_view text) {
  std::vector<int64_t> values;
  size_t at = 0;
  while (at < text.size()) {
    if (text[at] == ' ' || text[at] == '\t' || text[at] == '\n') {
      ++at;
      continue;
    }
    size_t end = at;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\n') ++end;
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + at, text.data() + end, value);
    if (ec != std::errc() || ptr != text.data() + end) return std::nullopt;
    values.push_back(value);
    at = end;
  }
  if (values.empty()) return std::nullopt;
  return values;
}

}  // namespace fpmd::os
