#include "php/script_lookup.h"

#include <ctime>

// zend_virtual_cwd.h declares its functions without C linkage when compiled as C++.
extern "C" {
#include <php.h>
#include <zend_virtual_cwd.h>
}

namespace fpmd::php {

cgi::FileKind lookUpScriptPath(const std::string& path) {
  if (realpath_cache_bucket* cached =
          realpath_cache_lookup(path.c_str(), path.size(), std::time(nullptr))) {
    return cached->is_dir ? cgi::FileKind::Directory : cgi::FileKind::Regular;
  }
  return cgi::statPath(path);
}

}  // namespace fpmd::php
