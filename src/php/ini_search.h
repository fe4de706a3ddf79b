#pragma once

// php.ini handling shared by engine.cc and cli_info.cc (implemented in ini.cc). Includes
// no PHP header.

#include <string>
#include <vector>

#include "php/engine.h"

namespace fpmd::php {

/// Where module start-up looks for php.ini.
struct IniSearch {
  /// -n: no php.ini and no scan dir.
  bool ignore = false;
  /// A file or a directory (-c, else PHP-FPM's php.ini directory). Empty: PHP's own
  /// search (PHPRC, then libphp's built-in directory).
  std::string path_override;
  /// PHP-FPM's conf.d, used through PHP_INI_SCAN_DIR during start-up when the user did
  /// not set PHP_INI_SCAN_DIR. Empty: libphp's own.
  std::string scan_dir;
};

IniSearch planIniSearch(const EngineOptions& options);

/// -d entries as the ini_entries text PHP parses ("foo" means foo=1).
std::string buildIniEntries(const std::vector<std::string>& defines);

/// Parses PHP_VALUE/PHP_ADMIN_VALUE (newline-separated ini lines) and applies each entry
/// for the current request only. `mode`: ZEND_INI_USER or ZEND_INI_SYSTEM.
void applyRequestIni(const std::string& lines, int mode);

}  // namespace fpmd::php
