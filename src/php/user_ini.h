#pragma once

// Per-directory configuration, as PHP-FPM's sapi_cgi_activate() applies it to each request:
// php.ini's [HOST=name] and [PATH=/dir] sections, and the `.user.ini` files
// (user_ini.filename) from DOCUMENT_ROOT down to the script's directory, each directory's
// parsed files cached for user_ini.cache_ttl seconds.

namespace fpmd::php {

/// In the SAPI's activate callback, once SG(request_info).path_translated is known.
/// Values a pool locked with php_admin_value stay as they are (PHP refuses a PERDIR
/// change to a SYSTEM-only entry).
void activateDirectoryConfig();

/// Drops the cached .user.ini contents (worker exit; tests).
void clearUserIniCache();

}  // namespace fpmd::php
