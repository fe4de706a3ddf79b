#include "php/script_lookup.h"

#include <ctime>

// zend_virtual_cwd.h declares its functions without C linkage when compiled as C++.
extern "C" {
#include <php.h>
#include <zend_virtual_cwd.h>
}

namespace fpmd::php {

namespace {

realpath_cache_bucket* cachedPath(const std::string& path) {
  return realpath_cache_lookup(path.c_str(), path.size(), std::time(nullptr));
}

}  // namespace

cgi::FileKind lookUpScriptPath(const std::string& path) {
  realpath_cache_bucket* cached = cachedPath(path);
  if (cached == nullptr) {
    // Resolving it fills the cache for the next requests (opcache may serve the script
    // without PHP ever resolving its path). A path it cannot resolve is looked at with
    // stat(), which tells a missing file from one PHP may not read.
    char resolved[MAXPATHLEN];
    if (tsrm_realpath(path.c_str(), resolved) == nullptr) return cgi::statPath(path);
    cached = cachedPath(path);
    if (cached == nullptr) return cgi::statPath(path);  // realpath_cache_size = 0
  }
  return cached->is_dir ? cgi::FileKind::Directory : cgi::FileKind::Regular;
}

}  // namespace fpmd::php
