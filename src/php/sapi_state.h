#pragma once

// State shared by the files of our SAPI (src/php/ only; includes PHP headers).
//
// PHP is single-threaded per process and keeps its own request state in globals (SG, PG,
// EG); ours sits beside it: the FPM php.ini values and the request being served.

#include <SAPI.h>
#include <php.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cgi/request.h"
#include "cgi/script_env.h"
#include "log/log.h"

namespace fpmd::php {

/// FPM's own php.ini entries (fpm_main.c), bound to PHP's ini machinery by functions.cc.
/// A plain struct: STD_PHP_INI_* store into it by offset.
struct FpmIni {
  bool rfc2616_headers;
  bool nph;
  bool fix_pathinfo;
  bool discard_path;
  bool logging;
  bool force_redirect;
  char* redirect_status_env;
  char* error_header;
  char* fpm_config;
};
extern FpmIni fpm_ini;

/// The request being served. SG(server_context) points here while a request runs, so
/// that PHP sees a non-NULL context (no context: no POST, cookies or $_SERVER).
struct ActiveRequest {
  cgi::Request* request = nullptr;
  /// What PHP-FPM's rules made of the params; SG(request_info) points into it.
  cgi::PathRules rules;
  cgi::ScriptInfo script;
  /// fastcgi.logging joins the messages of one request with "; ", as FPM does.
  bool logging_started = false;
  /// Output PHP wrote after the response was finished (fastcgi_finish_request).
  size_t discarded_after_finish = 0;
  bool finished_early = false;
  /// REQUEST_BODY_FILE: -1 not looked at yet, -2 none (read the body stream), else open.
  int body_file_fd = -1;
};

/// The one request of this process, or nullptr between requests.
ActiveRequest* activeRequest();
void setActiveRequest(ActiveRequest* active);

/// Our sapi_module_struct (sapi_module.cc). libphp copies it into its own `sapi_module`.
sapi_module_struct& fpmSapiModule();
/// The "cgi-fcgi" module (functions.cc): FPM's ini entries and PHP functions.
zend_module_entry& fpmPhpModule();

/// security.limit_extensions of the worker's pool; empty allows all.
std::vector<std::string>& limitExtensions();

/// A message FPM sends through zlog in a worker: to the error log (worker stderr) and,
/// when fastcgi.logging is on and a request is active, to the FastCGI stderr stream.
/// Returns true when the web server is gone: the caller then calls
/// php_handle_aborted_connection() (a longjmp) once its C++ locals are destroyed.
bool logRequestMessage(log::Level level, std::string_view message);
/// A PHP message ("PHP message: ..."), as logRequestMessage() at NOTICE, except that in the
/// error log it is never dropped: above log_level it goes without its "NOTICE: ", as in
/// PHP-FPM.
bool logPhpMessage(std::string_view message);

/// True between startup() and shutdown() (engine.cc).
bool engineStarted();

/// Makes $_SERVER, $_ENV and getenv() read the params (after module start-up).
void installEnvironmentHooks();

/// Alters an ini entry outside of ini_set(), as PHP-FPM's php_value/php_admin_value do:
/// any directive may be set; `mode` (ZEND_INI_USER or ZEND_INI_SYSTEM) then says whether
/// ini_set() may change it again. `extension` loads a module; disable_functions and
/// disable_classes disable more. `per_request`: the change is undone at request end.
/// Returns false when the directive is unknown or the value was refused.
bool applyIniSetting(const std::string& name, const std::string& value, int mode, bool per_request);

/// Cache isolation between pools (cache_isolation.cc, docs/isolation.md).
/// A bit of zend_ini_entry::modifiable outside ZEND_INI_ALL: set beside ZEND_INI_SYSTEM, it
/// keeps the optimizer from folding ini_get() of the entry into a constant.
inline constexpr uint8_t kIniUnfoldable = 0x08;
static_assert((kIniUnfoldable & ZEND_INI_ALL) == 0);
/// After module start-up, in the master: our include checks over opcache's hooks.
void installCacheGuards();
/// One entry, after something set it with ZEND_INI_SYSTEM.
void markUnfoldable(zend_ini_entry* entry);
/// Every ZEND_INI_SYSTEM entry (master start-up; a worker after its pool's settings).
void markAllUnfoldable();
struct PoolPhpSettings;
/// In a worker, after its pool's settings: the opcache checks its pool needs.
void applyCacheIsolation(const PoolPhpSettings& settings);

}  // namespace fpmd::php
