#pragma once

// fpmd's status page is php-fpm8.2's with fpmd's own fields appended (latency percentiles,
// memory, the memory governor's). The captures from php-fpm8.2 that the status tests
// compare against have none of them: this strips them, in whatever format, so that
// everything else is still compared byte for byte. The extensions themselves are tested on
// their own. tests/peer/test_peer_status.py strips them the same way.

#include <regex>
#include <string>
#include <utility>

namespace fpmd::test_support {

// Every key fpmd adds, as an alternation. "max children" is always followed by ':', '"',
// '<' or '>' in a page, so PHP-FPM's "max children reached" is not taken for it.
inline const std::string kFpmdKeys =
    "request duration p(50|95|99)|memory (rss|pss|budget|reserve|limit|available|guard)|"
    "max children( auto)?|worker footprint|recycled for memory|queue timeouts|rss after request";
// Values are numbers, or a word (memory guard).
inline const std::string kFpmdValue = "[a-z0-9]+";

// The XML element names: spaces become dashes.
inline std::string dashed(std::string text) {
  for (char& c : text) c = c == ' ' ? '-' : c;
  return text;
}

inline std::string phpFpmPart(const std::string& rendered) {
  static const std::pair<std::regex, const char*> kPatterns[] = {
      // text
      {std::regex("(" + kFpmdKeys + R"():\s+)" + kFpmdValue + "\n"), ""},
      // JSON
      {std::regex(",\"(" + kFpmdKeys + ")\":(" + kFpmdValue + "|\"[a-z]+\")"), ""},
      // XML
      {std::regex("<(" + dashed(kFpmdKeys) + ")>" + kFpmdValue + "</[a-z0-9-]+>\n?"), ""},
      // HTML: the pool's rows, the process table's header cells and each row's last cells
      {std::regex("<tr><th>(" + kFpmdKeys + ")</th><td>" + kFpmdValue + "</td></tr>\n"), ""},
      {std::regex("<th>(memory [rp]ss|rss after request)</th>"), ""},
      {std::regex(R"((<td>\d+</td>){3}</tr>)"), "</tr>"},
      // OpenMetrics: fpmd's families all come after PHP-FPM's, before "# EOF"
      {std::regex(R"(# TYPE fpmd_[\s\S]*(?=# EOF))"), ""},
  };
  std::string out = rendered;
  for (const auto& [pattern, replacement] : kPatterns) {
    out = std::regex_replace(out, pattern, replacement);
  }
  return out;
}

}  // namespace fpmd::test_support
