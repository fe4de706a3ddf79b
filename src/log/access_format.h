#pragma once

// access.format (fpm_log.c in PHP 8.2) parsed into items: the config layer checks it (so -t,
// start and reload refuse the same formats php-fpm8.2 refuses) and keeps the result; the
// worker's access log (worker/access_log.h) renders a line from it. Pure, no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fpmd::log {

/// A parsed access.format. PHP-FPM refuses to start on an error, logging the returned message
/// as a WARNING, then the ERROR "[pool NAME] wrong format for access.format 'FORMAT'".
class AccessFormat {
 public:
  static Result<AccessFormat> parse(std::string_view format);

  /// One step of the line: literal text, or a %-code with its {argument}.
  struct Item {
    char code = 0;     // 0 for literal text
    std::string text;  // the literal text, or the argument (at most 128 bytes)
  };
  const std::vector<Item>& items() const { return items_; }
  /// A lone '%' ends the format: it writes nothing but still counts against the cap.
  bool trailingPercent() const { return trailing_percent_; }

 private:
  std::vector<Item> items_;
  bool trailing_percent_ = false;
};

}  // namespace fpmd::log
