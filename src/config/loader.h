#pragma once

// Reading php-fpm.conf files into a Config: PHP-FPM's fpm_conf_load_ini_file() and its
// INI callbacks (sections, entries, arrays, include=). Validation is in validate.h.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "config/config.h"
#include "config/ini/scanner.h"

namespace fpmd::config {

class Loader : private ini::IniHandler {
 public:
  /// `follow_includes` = false ignores include= lines (the fuzzer must not read files).
  Loader(Config& config, const LoadOptions& options, bool follow_includes = true);

  /// Loads one file (and what it includes). Logs FPM's ERROR lines; the Status carries the
  /// first of them.
  Status loadFile(const std::string& path);
  /// Loads text as if it were the content of `filename`.
  Status loadText(std::string_view text, const std::string& filename);

 private:
  Status loadLines(std::string_view text, const std::string& filename);
  void section(const std::string& name) override;
  void entry(const std::string& name, const std::optional<std::string>& value) override;
  void arrayEntry(const std::string& name, const std::string& key,
                  const std::string& value) override;
  Status include(const std::string& pattern);
  /// Logs "[file:line] message" at ERROR and remembers the failure.
  void fail(const std::string& message);
  void failPlain(const std::string& message);
  /// Replaces "$pool"; false when outside a pool.
  bool expandPool(std::string& value) const;
  PoolConfig* pool();

  Config& config_;
  const LoadOptions& options_;
  ini::IniScanOptions scan_options_;
  bool follow_includes_;
  int current_pool_ = -1;  // -1: [global]
  /// Lower-cased pool name -> index in config_.pools: a file of N sections costs N
  /// look-ups, not N² comparisons.
  std::unordered_map<std::string, size_t> pool_index_;
  int recursion_ = 0;
  // PHP-FPM keeps the file name and line number in globals that nested includes
  // overwrite, so a parent's later messages show the include's last line number. Kept.
  std::string filename_;
  int lineno_ = 0;
  std::optional<std::string> pending_include_;
  bool error_ = false;
  bool line_has_nul_ = false;  // the line being parsed holds a NUL byte
  std::optional<std::string> first_error_;
};

}  // namespace fpmd::config
