#pragma once

// Finding the request's script without a stat() per request: PHP's realpath cache already
// knows every path PHP opened (the primary script included) for realpath_cache_ttl seconds,
// and PHP-FPM's init_request_info() asks it (tsrm_realpath) before it stats anything.

#include <string>

#include "cgi/script_env.h"

namespace fpmd::php {

/// What is at `path`: from the realpath cache (resolving it into the cache on a miss, as
/// PHP-FPM does), else stat().
cgi::FileKind lookUpScriptPath(const std::string& path);

}  // namespace fpmd::php
