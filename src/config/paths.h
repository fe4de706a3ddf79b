#pragma once

#include <string>

namespace fpmd::config {

/// PHP-FPM's rule for relative paths: "<prefix>/<path>"; absolute paths stay as they are.
inline std::string fullPath(const std::string& path, const std::string& prefix) {
  if (!path.empty() && path[0] == '/') return path;
  return prefix + "/" + path;
}

}  // namespace fpmd::config
