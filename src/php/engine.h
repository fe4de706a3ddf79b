#pragma once

// The PHP engine as the rest of fpmd sees it. This header includes no PHP header: only
// the .cc files of src/php/ do.
//
// Lifecycle: startup() once in the master (module start-up: extensions, opcache shared
// memory), fork, then workerInit() once in each worker, then execute() per request.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cgi/request.h"

namespace fpmd::php {

struct EngineOptions {
  /// -c: a php.ini file or a directory holding one. Empty: PHP-FPM's search order.
  std::string ini_path;
  /// -n: read no php.ini.
  bool no_ini = false;
  /// -d entries as given: "foo=bar", or "foo" meaning foo=1.
  std::vector<std::string> defines;
};

struct IniSetting {
  std::string name;
  std::string value;
};

/// What a pool's config asks of PHP, applied once per worker.
struct PoolPhpSettings {
  std::string pool_name;
  /// php_value[] and php_flag[] (flags already "1"/"0"), in config order.
  std::vector<IniSetting> php_values;
  /// php_admin_value[] and php_admin_flag[]: cannot be changed by ini_set().
  std::vector<IniSetting> php_admin_values;
  /// security.limit_extensions; empty allows every extension.
  std::vector<std::string> limit_extensions;
  /// Pools of this master run under different users: an include is checked against this
  /// worker's permissions even when opcache answers it from the shared cache.
  bool check_cached_permissions = false;
  /// The pool is chrooted: cache keys include the root (opcache.validate_root).
  bool chrooted = false;
};

/// What the worker needs after a request (access log, scoreboard).
struct RequestOutcome {
  int status = 200;
  /// zend_memory_peak_usage(1) of the request.
  size_t memory_peak = 0;
  /// The script that ran (SCRIPT_FILENAME after PHP-FPM's rules), or empty.
  std::string script_filename;
  /// True when fastcgi_finish_request() ended the response before the script ended.
  bool finished_early = false;
  /// The response header lines as PHP held them ("Content-type: text/html; …"), in
  /// order: for the access log's %{Name}o.
  std::vector<std::string> response_headers;
};

/// Module start-up, in the master. Logs and returns false on failure.
bool startup(const EngineOptions& options);
/// Module shutdown (the master's exit; a worker's when workerExitBlocker() names one).
void shutdown();

/// Ends a worker after its last request. With only PHP's own extensions loaded, it closes
/// the persistent resources (database connections say goodbye, as in zend_shutdown())
/// and leaves the rest of module shutdown to the process exit; otherwise it runs the whole
/// module shutdown first, as PHP-FPM's workers do.
[[noreturn]] void exitWorker(int code);
/// The loaded extension that makes exitWorker() run PHP's module shutdown, or empty.
std::string workerExitBlocker();

/// In a freshly forked worker, after it installed its own signal handlers: re-arms PHP's
/// signal handling (see reference/libphp-embedding.md, "The signal trap") and applies the
/// pool's php_value/php_admin_value settings.
bool workerInit(const PoolPhpSettings& settings);

/// Between requests, in a worker idle for a while: gives back the free chunks Zend's heap
/// keeps cached after a peak (when the heap is empty) and the C allocator's free pages
/// (malloc_trim). Nonzero when it did either.
size_t releaseIdleMemory();

/// Runs one request to completion: resolves the script from the params, runs it, writes
/// the response to request.sink and finishes it.
RequestOutcome execute(cgi::Request& request);

/// What PHP would put on a response it did not shape itself: X-Powered-By (expose_php),
/// the charset added to text types (default_charset) and the default content type
/// (default_mimetype). For the answers a worker gives without running a script (status,
/// ping), which PHP-FPM sends through PHP's header machinery.
struct ResponseDefaults {
  std::string powered_by;  // "PHP/8.2.x", or empty when expose_php is off
  std::string default_charset;
  std::string default_mimetype;
};
ResponseDefaults responseDefaults();

/// `fpmd -v`: "PHP 8.2.x (fpm-fcgi) (built: …)" and the copyright lines.
std::string versionText();
/// `fpmd -m`: prints "[PHP Modules]" … "[Zend Modules]" … to stdout. Returns exit code.
int printModules(const EngineOptions& options);
/// `fpmd -i`: phpinfo() as text to stdout. Returns exit code.
int printInfo(const EngineOptions& options);

}  // namespace fpmd::php
