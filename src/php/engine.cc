// Module start-up in the master, worker set-up after fork, and one request: the request
// loop body of PHP-FPM's fpm_main.c main(), minus the FastCGI protocol (ours is in
// src/fastcgi/ and reaches us as a cgi::Request).

#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include <SAPI.h>
#include <fopen_wrappers.h>
#include <php.h>
#include <php_main.h>
#include <zend_alloc.h>
#include <zend_signal.h>
}

#include "log/log.h"
#include "php/builtin_extensions.h"
#include "php/engine.h"
#include "php/ini_search.h"
#include "php/request_disables.h"
#include "php/sapi_state.h"
#include "php/script_lookup.h"

namespace fpmd::php {
namespace {

bool g_started = false;
// Resets of an idle, empty heap: each halves Zend's average of chunks to keep, so eight
// bring a cache left by a 256-MiB peak down to nothing beyond the first chunk.
constexpr int kHeapResets = 8;
// sapi_module_struct keeps char* into these until module shutdown.
std::string g_ini_entries;
std::string g_ini_path;
std::vector<std::string> g_limit_extensions;
// The worker's directory (the pool's chdir), where each request's script returns to.
std::string g_worker_cwd;

const char* cstrOrNull(const std::optional<std::string>& value) {
  return value ? value->c_str() : nullptr;
}

// init_request_info(): fills SG(request_info) from the params as PHP-FPM's rules left them.
void fillRequestInfo(ActiveRequest& active) {
  cgi::Params& params = active.request->params;
  const bool has_script = params.has("SCRIPT_FILENAME") || params.has("PATH_TRANSLATED");
  active.rules.fix_pathinfo = fpm_ini.fix_pathinfo;
  active.rules.discard_path = fpm_ini.discard_path;
  active.rules.doc_root = PG(doc_root) ? PG(doc_root) : "";
  active.script = cgi::resolveScript(params, active.rules, lookUpScriptPath);
  const cgi::ScriptInfo& script = active.script;

  sapi_request_info& info = SG(request_info);
  info.path_translated = nullptr;
  info.request_method = cstrOrNull(script.request_method);
  info.proto_num = 1000;
  info.query_string = nullptr;
  info.request_uri = nullptr;
  info.content_type = nullptr;
  info.content_length = 0;
  SG(sapi_headers).http_response_code = 200;
  if (!has_script) return;

  info.request_uri = const_cast<char*>(cstrOrNull(script.request_uri));
  if (script.path_translated) {
    // emalloc'd: php_fopen_primary_script() may free it.
    info.path_translated = estrndup(script.path_translated->data(), script.path_translated->size());
  }
  info.query_string = const_cast<char*>(cstrOrNull(script.query_string));
  info.content_type = script.content_type.c_str();
  info.content_length = script.content_length;
  const std::string* auth = params.find("HTTP_AUTHORIZATION");
  php_handle_auth_data(auth ? auth->c_str() : nullptr);
}

void applyRequestIniParams(const cgi::Params& params) {
  if (const std::string* user = params.find("PHP_VALUE")) applyRequestIni(*user, ZEND_INI_USER);
  if (const std::string* admin = params.find("PHP_ADMIN_VALUE")) {
    applyRequestIni(*admin, ZEND_INI_SYSTEM);
  }
}

void reportStage(ActiveRequest* active, cgi::Stage stage) {
  if (active->request->observer) active->request->observer->onStage(stage);
}

void logPrimaryScriptUnknown() {
  logRequestMessage(log::Level::Debug, cgi::kPrimaryScriptUnknown);
}

bool scriptAllowed(const char* path) {
  if (cgi::extensionAllowed(path, g_limit_extensions)) return true;
  logRequestMessage(log::Level::Notice, cgi::extensionDeniedMessage(path));
  return false;
}

void logUnableToOpen(const char* path, int err) {
  logRequestMessage(log::Level::Error,
                    fmt::format("Unable to open primary script: {} ({})", path, strerror(err)));
}

void setErrorHeader() {
  if (!fpm_ini.error_header || !*fpm_ini.error_header || SG(headers_sent)) return;
  sapi_header_line line{};
  line.line = fpm_ini.error_header;
  line.line_len = strlen(fpm_ini.error_header);
  sapi_header_op(SAPI_HEADER_REPLACE, &line);
}

struct RunResult {
  bool startup_failed = false;
  int status = 200;
  size_t memory_peak = 0;
  std::vector<std::string> headers;
};

// After the script, before request shutdown frees them (outside any zend_try frame).
void collectHeaders(RunResult* result) {
  zend_llist* headers = &SG(sapi_headers).headers;
  zend_llist_position position;
  for (auto* header = static_cast<sapi_header_struct*>(zend_llist_get_first_ex(headers, &position));
       header != nullptr;
       header = static_cast<sapi_header_struct*>(zend_llist_get_next_ex(headers, &position))) {
    result->headers.emplace_back(header->header, header->header_len);
  }
}

// The built-in answers write with PUTS, which ends the request (longjmp) if the web
// server is gone: each has its own zend_try, as in PHP-FPM, and its own frame.
void answerNotFound() {
  zend_try {
    logPrimaryScriptUnknown();
    SG(sapi_headers).http_response_code = 404;
    PUTS("File not found.\n");
  }
  zend_end_try();
}

void answerUnopenable(const char* path, int err) {
  zend_try {
    logUnableToOpen(path, err);
    if (err == EACCES) {
      SG(sapi_headers).http_response_code = 403;
      PUTS("Access denied.\n");
    } else {
      SG(sapi_headers).http_response_code = 404;
      PUTS("No input file specified.\n");
    }
  }
  zend_end_try();
}

void runScript(ActiveRequest* active) {
  // php_fopen_primary_script() may free path_translated on failure.
  char* primary_script = estrdup(SG(request_info).path_translated);
  zend_file_handle file_handle;
  if (php_fopen_primary_script(&file_handle) == FAILURE) {
    answerUnopenable(primary_script, errno);
  } else {
    reportStage(active, cgi::Stage::Running);
    EG(exit_status) = 0;
    // php_execute_script()'s change into the script's directory and back, but back to the
    // worker's directory read once at its start rather than by a getcwd() per request.
    // Back before the shutdown functions run, as PHP does.
    SG(options) |= SAPI_OPTION_NO_CHDIR;
    virtual_chdir_file(ZSTR_VAL(file_handle.filename), chdir);
    php_execute_script(&file_handle);
    if (!g_worker_cwd.empty()) (void)::chdir(g_worker_cwd.c_str());
    // With opcache, a cached script's handle is not in CG(open_files) and is ours to
    // destroy.
    if (!file_handle.in_list) zend_destroy_file_handle(&file_handle);
  }
  efree(primary_script);
}

// From php_request_startup() to php_request_shutdown(). zend_try is setjmp: no object with
// a destructor lives in this frame, and what changes after setjmp is written through
// `result`, not kept in locals.
void runRequest(ActiveRequest* active, RunResult* result) {
  zend_first_try {
    if (php_request_startup() == FAILURE) {
      result->startup_failed = true;
    } else if (!SG(request_info).request_method) {
      // Not an HTTP request over FastCGI: nothing to run.
    } else if (!SG(request_info).path_translated) {
      answerNotFound();
    } else if (!scriptAllowed(SG(request_info).path_translated)) {
      SG(sapi_headers).http_response_code = 403;
      PUTS("Access denied.\n");
    } else {
      runScript(active);
    }
    if (!result->startup_failed) {
      if (EG(exit_status) == 255) setErrorHeader();
      result->status = SG(sapi_headers).http_response_code;
      result->memory_peak = zend_memory_peak_usage(true);
      if (!active->finished_early) reportStage(active, cgi::Stage::Finishing);
      if (SG(request_info).path_translated) efree(SG(request_info).path_translated);
      SG(request_info).path_translated = nullptr;
    }
  }
  zend_end_try();
  if (!result->startup_failed) collectHeaders(result);
  php_request_shutdown(nullptr);
}

// PHP keeps these between requests; they point into the finished request.
void clearRequestInfo() {
  sapi_request_info& info = SG(request_info);
  info.request_method = nullptr;
  info.query_string = nullptr;
  info.request_uri = nullptr;
  info.content_type = nullptr;
  info.content_length = 0;
  info.path_translated = nullptr;
  info.auth_user = nullptr;
  info.auth_password = nullptr;
  info.auth_digest = nullptr;
  SG(server_context) = nullptr;
}

// At every request start PHP re-registers its deferring handlers for seven signals, one
// sigaction() query each, in case the last request replaced them. Only pcntl_signal() can
// (the worker's own handlers are set once, before zend_signal_startup() records them):
// without pcntl, the handlers the first request installed stay, and the queries go.
void keepSignalHandlers() {
  static const bool pcntl = zend_hash_str_exists(&module_registry, "pcntl", sizeof("pcntl") - 1);
  if (SIGG(reset) && !pcntl) SIGG(reset) = false;
}

}  // namespace

std::vector<std::string>& limitExtensions() {
  return g_limit_extensions;
}
bool engineStarted() {
  return g_started;
}

bool startup(const EngineOptions& options) {
  if (g_started) return true;
  const IniSearch plan = planIniSearch(options);
  g_ini_entries = buildIniEntries(options.defines);
  g_ini_path = plan.path_override;

  sapi_module_struct& module = fpmSapiModule();
  registerBuiltinExtensionsAsFpm();
  zend_signal_startup();
  sapi_startup(&module);
  // sapi_startup() resets these, so they are set after it.
  module.php_ini_ignore = plan.ignore ? 1 : 0;
  module.php_ini_ignore_cwd = 1;
  module.php_ini_path_override = g_ini_path.empty() ? nullptr : g_ini_path.data();
  module.ini_entries = g_ini_entries.empty() ? nullptr : g_ini_entries.data();

  // libphp's built-in scan dir is the embed SAPI's; PHP reads PHP_INI_SCAN_DIR only during
  // start-up, so it is set just for that and does not leak into scripts' environment.
  const bool set_scan_dir = !plan.ignore && !plan.scan_dir.empty();
  if (set_scan_dir) setenv("PHP_INI_SCAN_DIR", plan.scan_dir.c_str(), 0);
  const int rc = module.startup(&module);
  if (set_scan_dir) unsetenv("PHP_INI_SCAN_DIR");
  if (rc == FAILURE) {
    log::error("PHP module start-up failed");
    sapi_shutdown();
    return false;
  }
  installEnvironmentHooks();
  installCacheGuards();
  markAllUnfoldable();
  g_started = true;
  if (std::string blocker = workerExitBlocker(); !blocker.empty()) {
    log::debug("workers run PHP's module shutdown when they exit: extension '{}' may need it",
               blocker);
  }
  return true;
}

void shutdown() {
  if (!g_started) return;
  php_module_shutdown();
  sapi_shutdown();
  g_started = false;
}

bool workerInit(const PoolPhpSettings& settings) {
  // PHP records the signal handlers it restores after each request at start-up, which
  // happened in the master: record the worker's own handlers instead.
  zend_signal_startup();
  g_limit_extensions = settings.limit_extensions;
  char cwd[4096];
  // Unreadable (removed under us): PHP then stays in the script's directory, as here.
  g_worker_cwd = ::getcwd(cwd, sizeof cwd) ? cwd : "";
  for (const IniSetting& setting : settings.php_values) {
    if (!applyIniSetting(setting.name, setting.value, ZEND_INI_USER, /*per_request=*/false)) {
      log::error("Unable to set php_value '{}'", setting.name);
    }
  }
  for (const IniSetting& setting : settings.php_admin_values) {
    if (!applyIniSetting(setting.name, setting.value, ZEND_INI_SYSTEM, /*per_request=*/false)) {
      log::error("Unable to set php_admin_value '{}'", setting.name);
    }
  }
  applyCacheIsolation(settings);
  return true;
}

ResponseDefaults responseDefaults() {
  ResponseDefaults defaults;
  if (PG(expose_php)) defaults.powered_by = "PHP/" PHP_VERSION;
  const char* charset = INI_STR("default_charset");
  defaults.default_charset = charset ? charset : "";
  const char* mimetype = INI_STR("default_mimetype");
  defaults.default_mimetype = mimetype && *mimetype ? mimetype : "text/html";
  return defaults;
}

RequestOutcome execute(cgi::Request& request) {
  ActiveRequest active;
  active.request = &request;
  setActiveRequest(&active);
  SG(server_context) = &active;

  fillRequestInfo(active);
  applyRequestIniParams(request.params);
  reportStage(&active, cgi::Stage::GettingRequestInfo);
  if (request.observer) {
    const char* user = SG(request_info).auth_user;
    request.observer->onScript(active.script.path_translated.value_or(std::string()),
                               user ? user : "");
  }

  RunResult result;
  runRequest(&active, &result);
  restoreRequestDisables();
  if (!result.startup_failed) keepSignalHandlers();

  if (result.startup_failed) log::error("PHP request start-up failed");
  if (active.body_file_fd >= 0) close(active.body_file_fd);
  if (request.sink && !request.sink->finished()) request.sink->finish();
  clearRequestInfo();
  setActiveRequest(nullptr);

  RequestOutcome outcome;
  outcome.status = result.status;
  outcome.memory_peak = result.memory_peak;
  if (active.script.path_translated) outcome.script_filename = *active.script.path_translated;
  outcome.finished_early = active.finished_early;
  outcome.response_headers = std::move(result.headers);
  return outcome;
}

size_t releaseIdleMemory() {
  size_t released = 0;
  zend_mm_heap* heap = zend_mm_get_heap();
  // Zend's heap. A request's shutdown keeps as many free 2-MiB chunks cached (and resident)
  // as its running average of request peaks, so one large request leaves its memory behind
  // for many more. Each further reset of an empty heap halves that average toward the one
  // chunk a request needs and unmaps the cached chunks above it; kHeapResets of them give it
  // all back. A reset wipes the heap, so it is only done while nothing lives there:
  // zend_memory_usage() is 0 between requests unless something (an extension, the SAPI)
  // kept request memory across them, and then the heap is left alone.
  if (!zend_mm_is_custom_heap(heap) && zend_memory_usage(false) == 0) {
    for (int i = 0; i < kHeapResets; ++i) zend_mm_shutdown(heap, false, true);
    released = 1;
  }
  // Then the C allocator's free pages (persistent allocations, extensions' malloc).
  return released + (::malloc_trim(0) ? 1 : 0);
}

}  // namespace fpmd::php
