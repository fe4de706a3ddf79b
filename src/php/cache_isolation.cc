// Pools as isolation units through the one opcache every pool of a master shares.
//
// Opcache hands a pool whatever another pool compiled, and PHP-FPM inherits three leaks
// from that (tests/peer/test_peer_opcache_isolation.py pins them on php-fpm8.2):
// - a cache hit skips open_basedir: persistent_compile_file() finds an include by its key
//   and persistent_zend_resolve_path()/persistent_stream_open_function() answer
//   include_once/require_once from the cache, and none of them opens the file, which is
//   where PHP checks open_basedir (the plain-files wrapper);
// - a hit skips file permissions and the root directory unless opcache.validate_permission
//   / opcache.validate_root are on, which they are not by default;
// - the optimizer (pass 1 and SCCP, zend_optimizer_eval_special_func_call) folds
//   ini_get("literal") into a constant when the entry is exactly ZEND_INI_SYSTEM, which is
//   what php_admin_value makes it: the compiling pool's value then runs in every pool.
// What we do about each, from our SAPI and without touching opcache's shared memory, is
// described in docs/isolation.md.

#include <strings.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

extern "C" {
#include <SAPI.h>
#include <fopen_wrappers.h>
#include <php.h>
#include <php_main.h>
#include <php_streams.h>
#include <zend_compile.h>
#include <zend_ini.h>
}

#include "log/log.h"
#include "php/engine.h"
#include "php/sapi_state.h"

namespace fpmd::php {
namespace {

zend_op_array* (*g_next_compile_file)(zend_file_handle*, int) = nullptr;
zend_result (*g_next_stream_open)(zend_file_handle*) = nullptr;
// Pools of this master run under different users (set per worker).
bool g_check_permissions = false;

bool openBasedirSet() {
  return PG(open_basedir) && *PG(open_basedir);
}

// Running code is including a file (as opposed to the primary script, which the SAPI opens
// itself, through PHP's checks).
bool inInclude() {
  return EG(current_execute_data) != nullptr;
}

// "scheme://…" or "data:…", as PHP's wrapper lookup reads a name.
bool isStreamPath(const char* name) {
  const char* p = name;
  while (isalnum(static_cast<unsigned char>(*p)) || *p == '+' || *p == '-' || *p == '.') ++p;
  return (p > name && strncmp(p, "://", 3) == 0) || strncasecmp(name, "data:", 5) == 0;
}

// Stream wrappers other than file:// do their own checks when they open; opcache caches
// phar:// scripts, whose archive path is not ours to judge here.
const char* plainPath(const char* name) {
  if (strncasecmp(name, "file://", sizeof("file://") - 1) == 0) {
    return name + sizeof("file://") - 1;
  }
  return isStreamPath(name) ? nullptr : name;
}

// True when an open of the file an include names would fail for this pool: outside this
// request's open_basedir, or unreadable by this worker's user. Resolves the name the way
// include does (include_path, then the including script's directory) with PHP's own
// resolver, not opcache's hook, which would look the key up in the cache.
bool refusedToPool(zend_string* filename) {
  if (!filename || !inInclude()) return false;
  const bool basedir = openBasedirSet();
  if (!basedir && !g_check_permissions) return false;
  const char* path = plainPath(ZSTR_VAL(filename));
  if (!path) return false;
  // PHP turns its realpath cache off under open_basedir, so every resolution walks the
  // path again: an absolute name (autoloaders' usual case) goes to the checks as it is,
  // which resolve it themselves (php_check_open_basedir_ex, the kernel for access()).
  zend_string* resolved = nullptr;
  if (!IS_ABSOLUTE_PATH(path, strlen(path))) {
    resolved = php_resolve_path(path, strlen(path), PG(include_path));
    if (!resolved) return false;  // not found: the include fails the ordinary way
    path = ZSTR_VAL(resolved);
  }
  // access() rather than opcache.validate_permission: the same check, but refusing here
  // lets PHP's opener give the warnings an uncached include gives ("Permission denied").
  const bool denied = (basedir && php_check_open_basedir_ex(path, 0) != 0) ||
                      (g_check_permissions && access(path, R_OK) != 0);
  if (resolved) zend_string_release(resolved);
  return denied;
}

// zend_stream_open_function, over opcache's: include_once and require_once of a cached
// script are answered here without an open. A file the pool may not open is handed to PHP's
// own opener instead, which refuses it with the warnings an uncached include gives.
zend_result guardedStreamOpen(zend_file_handle* handle) {
  if (refusedToPool(handle->filename)) {
    return php_stream_open_for_zend_ex(handle, USE_PATH | REPORT_ERRORS | STREAM_OPEN_FOR_INCLUDE);
  }
  return g_next_stream_open(handle);
}

// zend_compile_file, over opcache's: include and require look the script up by key before
// anything opens it. A file the pool may not open goes to the engine's own compiler, which
// opens it through guardedStreamOpen() and fails as without opcache ("Failed opening").
// A handle opcache already answered (include_once: opened_path set) was checked above.
zend_op_array* guardedCompileFile(zend_file_handle* handle, int type) {
  if (handle->type == ZEND_HANDLE_FILENAME && !handle->primary_script && !handle->opened_path &&
      refusedToPool(handle->filename)) {
    return compile_file(handle, type);
  }
  return g_next_compile_file(handle, type);
}

// Sets an opcache directive in this worker only: opcache keeps its directives in
// per-process globals (ZCG), so this changes nothing for the other pools.
void forceOpcacheFlag(const char* name) {
  auto* entry =
      static_cast<zend_ini_entry*>(zend_hash_str_find_ptr(EG(ini_directives), name, strlen(name)));
  if (!entry) return;  // opcache not loaded: nothing is shared
  if (entry->value && strcmp(ZSTR_VAL(entry->value), "1") == 0) return;
  if (!applyIniSetting(name, "1", ZEND_INI_SYSTEM, /*per_request=*/false)) {
    log::warning("Unable to set {}", name);
  }
}

}  // namespace

void installCacheGuards() {
  // Opcache hooks both in its post start-up; ours wrap whatever is there, so they work
  // the same without opcache (then only the extra check is paid).
  if (g_next_compile_file) return;
  g_next_compile_file = zend_compile_file;
  zend_compile_file = guardedCompileFile;
  g_next_stream_open = zend_stream_open_function;
  zend_stream_open_function = guardedStreamOpen;
}

void markUnfoldable(zend_ini_entry* entry) {
  // The optimizer folds ini_get() only for modifiable == ZEND_INI_SYSTEM exactly. An extra
  // bit that no permission check tests keeps it from folding while leaving the entry as
  // locked as before: ini_set() (USER) and .user.ini (PERDIR) are still refused, and
  // SYSTEM-level changes (php_admin_value, PHP_ADMIN_VALUE) still allowed.
  if (entry->modifiable == ZEND_INI_SYSTEM) entry->modifiable = ZEND_INI_SYSTEM | kIniUnfoldable;
}

void markAllUnfoldable() {
  // Every SYSTEM entry, not only those a pool sets: the fold goes both ways (a pool that
  // keeps the php.ini value would fold it into the pool that overrides it).
  zval* value;
  ZEND_HASH_MAP_FOREACH_VAL(EG(ini_directives), value) {
    markUnfoldable(static_cast<zend_ini_entry*>(Z_PTR_P(value)));
  }
  ZEND_HASH_FOREACH_END();
}

void applyCacheIsolation(const PoolPhpSettings& settings) {
  // Another pool runs under another user: an include is checked against ours, as an open
  // would check it (see refusedToPool).
  g_check_permissions = settings.check_cached_permissions;
  // Under chroot, "/index.php" names a different file in every root: opcache then mixes
  // the root directory's inode into the key.
  if (settings.chrooted) forceOpcacheFlag("opcache.validate_root");
  markAllUnfoldable();
}

}  // namespace fpmd::php
