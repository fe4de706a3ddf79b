// The "cgi-fcgi" module PHP-FPM registers beside its SAPI: FPM's php.ini entries and the
// functions fastcgi_finish_request(), apache_request_headers() and getallheaders().

extern "C" {
#include <SAPI.h>
#include <main/php_ini.h>
#include <php.h>
#include <php_output.h>
#include <ext/standard/head.h>
#include <ext/standard/info.h>
}

#include <optional>

#include "php/sapi_state.h"

namespace fpmd::php {
namespace {

// The entries and defaults of PHP-FPM 8.2 (`php-fpm8.2 -i`, fpm_main.c).
PHP_INI_BEGIN()
STD_PHP_INI_BOOLEAN("cgi.rfc2616_headers", "0", PHP_INI_ALL, OnUpdateBool, rfc2616_headers, FpmIni,
                    fpm_ini)
STD_PHP_INI_BOOLEAN("cgi.nph", "0", PHP_INI_ALL, OnUpdateBool, nph, FpmIni, fpm_ini)
STD_PHP_INI_BOOLEAN("cgi.force_redirect", "1", PHP_INI_SYSTEM, OnUpdateBool, force_redirect, FpmIni,
                    fpm_ini)
STD_PHP_INI_ENTRY("cgi.redirect_status_env", nullptr, PHP_INI_SYSTEM, OnUpdateString,
                  redirect_status_env, FpmIni, fpm_ini)
STD_PHP_INI_BOOLEAN("cgi.fix_pathinfo", "1", PHP_INI_SYSTEM, OnUpdateBool, fix_pathinfo, FpmIni,
                    fpm_ini)
STD_PHP_INI_BOOLEAN("cgi.discard_path", "0", PHP_INI_SYSTEM, OnUpdateBool, discard_path, FpmIni,
                    fpm_ini)
STD_PHP_INI_BOOLEAN("fastcgi.logging", "1", PHP_INI_SYSTEM, OnUpdateBool, logging, FpmIni, fpm_ini)
STD_PHP_INI_ENTRY("fastcgi.error_header", nullptr, PHP_INI_SYSTEM, OnUpdateString, error_header,
                  FpmIni, fpm_ini)
STD_PHP_INI_ENTRY("fpm.config", nullptr, PHP_INI_SYSTEM, OnUpdateString, fpm_config, FpmIni,
                  fpm_ini)
PHP_INI_END()

PHP_MINIT_FUNCTION(cgi) {
  fpm_ini = FpmIni{};
  fpm_ini.fix_pathinfo = true;
  fpm_ini.force_redirect = true;
  fpm_ini.logging = true;
  REGISTER_INI_ENTRIES();
  return SUCCESS;
}

PHP_MSHUTDOWN_FUNCTION(cgi) {
  UNREGISTER_INI_ENTRIES();
  return SUCCESS;
}

PHP_MINFO_FUNCTION(cgi) {
  php_info_print_table_start();
  php_info_print_table_row(2, "php-fpm", "active");
  php_info_print_table_end();
  DISPLAY_INI_ENTRIES();
}

PHP_FUNCTION(fastcgi_finish_request) {
  ZEND_PARSE_PARAMETERS_NONE();
  ActiveRequest* active = activeRequest();
  cgi::ResponseSink* sink = active ? active->request->sink : nullptr;
  if (!sink || sink->finished()) RETURN_FALSE;

  php_output_end_all();
  php_header();
  sink->finish();
  active->finished_early = true;
  if (active->request->observer) active->request->observer->onStage(cgi::Stage::Finishing);
  RETURN_TRUE;
}

// fpm_get_status(): PHP-FPM 8.2's array shape, key for key (checked against php-fpm8.2).
PHP_FUNCTION(fpm_get_status) {
  ZEND_PARSE_PARAMETERS_NONE();
  ActiveRequest* active = activeRequest();
  if (!active || !active->request->status) RETURN_FALSE;
  std::optional<status::PoolStatus> status = active->request->status->poolStatus();
  if (!status) RETURN_FALSE;

  auto addString = [](zval* array, const char* key, const std::string& value) {
    add_assoc_stringl(array, key, value.data(), value.size());
  };
  auto addLong = [](zval* array, const char* key, auto value) {
    add_assoc_long(array, key, static_cast<zend_long>(value));
  };
  array_init(return_value);
  addString(return_value, "pool", status->pool);
  addString(return_value, "process-manager", status->process_manager);
  addLong(return_value, "start-time", status->start_time);
  addLong(return_value, "start-since", status->start_since);
  addLong(return_value, "accepted-conn", status->accepted_conn);
  addLong(return_value, "listen-queue", status->listen_queue);
  addLong(return_value, "max-listen-queue", status->max_listen_queue);
  addLong(return_value, "listen-queue-len", status->listen_queue_len);
  addLong(return_value, "idle-processes", status->idle_processes);
  addLong(return_value, "active-processes", status->active_processes);
  addLong(return_value, "total-processes", status->total_processes);
  addLong(return_value, "max-active-processes", status->max_active_processes);
  addLong(return_value, "max-children-reached", status->max_children_reached);
  addLong(return_value, "slow-requests", status->slow_requests);

  zval procs;
  array_init(&procs);
  for (const status::ProcessStatus& proc : status->procs) {
    zval entry;
    array_init(&entry);
    addLong(&entry, "pid", proc.pid);
    addString(&entry, "state", proc.state);
    addLong(&entry, "start-time", proc.start_time);
    addLong(&entry, "start-since", proc.start_since);
    addLong(&entry, "requests", proc.requests);
    addLong(&entry, "request-duration", proc.request_duration_us);
    addString(&entry, "request-method", proc.request_method);
    addString(&entry, "request-uri", proc.request_uri);
    addString(&entry, "query-string", proc.query_string);
    addLong(&entry, "request-length", proc.request_length);
    addString(&entry, "user", proc.user);
    addString(&entry, "script", proc.script);
    add_assoc_double(&entry, "last-request-cpu", proc.last_request_cpu);
    addLong(&entry, "last-request-memory", proc.last_request_memory);
    add_next_index_zval(&procs, &entry);
  }
  add_assoc_zval(return_value, "procs", &procs);
}

PHP_FUNCTION(apache_request_headers) {
  ZEND_PARSE_PARAMETERS_NONE();
  array_init(return_value);
  ActiveRequest* active = activeRequest();
  if (!active) return;
  // Newest param first, as FPM walks its fcgi hash.
  const auto& entries = active->request->params.entries();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    sapi_add_request_header(it->first.c_str(), static_cast<unsigned>(it->first.size()),
                            const_cast<char*>(it->second.c_str()),
                            static_cast<unsigned>(it->second.size()), return_value);
  }
}

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_fastcgi_finish_request, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_apache_request_headers, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_fpm_get_status, 0, 0, MAY_BE_ARRAY | MAY_BE_FALSE)
ZEND_END_ARG_INFO()

const zend_function_entry kFunctions[] = {
    ZEND_FE(fastcgi_finish_request, arginfo_fastcgi_finish_request)
        ZEND_FE(apache_request_headers, arginfo_apache_request_headers)
            ZEND_FALIAS(getallheaders, apache_request_headers, arginfo_apache_request_headers)
                ZEND_FE(fpm_get_status, arginfo_fpm_get_status) ZEND_FE_END};

zend_module_entry makeModuleEntry() {
  zend_module_entry entry = {STANDARD_MODULE_HEADER,
                             "cgi-fcgi",
                             kFunctions,
                             PHP_MINIT(cgi),
                             PHP_MSHUTDOWN(cgi),
                             nullptr,
                             nullptr,
                             PHP_MINFO(cgi),
                             PHP_VERSION,
                             STANDARD_MODULE_PROPERTIES};
  return entry;
}

}  // namespace

zend_module_entry& fpmPhpModule() {
  static zend_module_entry entry = makeModuleEntry();
  return entry;
}

}  // namespace fpmd::php
