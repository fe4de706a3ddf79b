#pragma once

// fpmd's status page is php-fpm8.2's with fpmd's own fields appended (latency percentiles,
// memory). The captures from php-fpm8.2 that the status tests compare against have none of
// them: this strips them, in whatever format, so that everything else is still compared
// byte for byte. The extensions themselves are tested on their own.

#include <regex>
#include <string>

namespace fpmd::test_support {

inline std::string phpFpmPart(const std::string& rendered) {
  static const std::regex kPatterns[] = {
      // text
      std::regex(R"re((request duration p(50|95|99)|memory [rp]ss):\s+\d+\n)re"),
      // JSON
      std::regex(R"re(,"(request duration p(50|95|99)|memory [rp]ss)":\d+)re"),
      // XML
      std::regex(R"re(<(request-duration-p(50|95|99)|memory-[rp]ss)>\d+</[a-z0-9-]+>\n?)re"),
      // HTML: the pool's rows, the process table's header cells and each row's last cells
      std::regex(
          R"re(<tr><th>(request duration p(50|95|99)|memory [rp]ss)</th><td>\d+</td></tr>\n)re"),
      std::regex(R"re(<th>memory [rp]ss</th>)re"),
      std::regex(R"re((<td>\d+</td>){2}</tr>)re"),
      // OpenMetrics: fpmd's families all come after PHP-FPM's, before "# EOF"
      std::regex(R"re(# TYPE fpmd_[\s\S]*(?=# EOF))re"),
  };
  std::string out = rendered;
  for (size_t i = 0; i < std::size(kPatterns); ++i) {
    out = std::regex_replace(out, kPatterns[i], i == 5 ? "</tr>" : "");
  }
  return out;
}

}  // namespace fpmd::test_support
