// php.ini: where it is looked for (-c, -n, PHP-FPM's directories), -d entries, and
// settings applied outside of ini_set(): pool php_value/php_admin_value and the
// PHP_VALUE/PHP_ADMIN_VALUE params.

#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <string>

extern "C" {
#include <SAPI.h>
#include <main/php_ini.h>
#include <php.h>
#include <zend_ini.h>
#include <zend_ini_scanner.h>
#include <ext/standard/dl.h>
}

#include "log/log.h"
#include "php/ini_search.h"
#include "php/request_disables.h"
#include "php/sapi_state.h"

namespace fpmd::php {
namespace {

bool isDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Debian's php-fpm8.2 is built with /etc/php/8.2/fpm as its php.ini directory and
// /etc/php/8.2/fpm/conf.d as its scan dir; libphp8.2-embed with .../embed. A drop-in
// replacement reads php-fpm's files.
std::string fpmConfigDir() {
  return "/etc/php/" + std::to_string(PHP_MAJOR_VERSION) + "." + std::to_string(PHP_MINOR_VERSION) +
         "/fpm";
}

void disableClasses(const std::string& list) {
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find_first_of(" ,", start);
    if (end == std::string::npos) end = list.size();
    if (end > start) zend_disable_class(list.data() + start, end - start);
    start = end + 1;
  }
}

// What fpm_php_zend_ini_alter_master does: no ini_set() permission check, no undo.
bool alterMaster(const std::string& name, const std::string& value, int mode) {
  auto* entry = static_cast<zend_ini_entry*>(
      zend_hash_str_find_ptr(EG(ini_directives), name.data(), name.size()));
  if (!entry) return false;
  zend_string* fresh = zend_string_init(value.data(), value.size(), 1);
  if (!entry->on_modify || entry->on_modify(entry, fresh, entry->mh_arg1, entry->mh_arg2,
                                            entry->mh_arg3, ZEND_INI_STAGE_ACTIVATE) == SUCCESS) {
    if (entry->value) zend_string_release(entry->value);
    entry->value = fresh;
    // A php_value keeps the directive's own permission (PERDIR entries stay settable
    // where PHP allows it); only an admin value locks it, and unfoldably: this pool's
    // value must not be compiled into scripts the other pools run (cache_isolation.cc).
    if (mode == ZEND_INI_SYSTEM) entry->modifiable = static_cast<uint8_t>(mode);
    markUnfoldable(entry);
  } else {
    zend_string_release(fresh);  // refused by the directive; FPM reports no error either
  }
  return true;
}

// A request's PHP_VALUE: PHP records the change and restores it at request shutdown, so
// unlike PHP-FPM (whose PHP_VALUE sticks to the worker for later requests) nothing leaks.
bool alterForRequest(const std::string& name, const std::string& value, int mode) {
  zend_string* key = zend_string_init(name.data(), name.size(), 0);
  zend_string* fresh = zend_string_init(value.data(), value.size(), 0);
  zend_result result = zend_alter_ini_entry_ex(key, fresh, ZEND_INI_SYSTEM, ZEND_INI_STAGE_ACTIVATE,
                                               /*force_change=*/true);
  // PHP_ADMIN_VALUE locks the directive for this request; PHP_VALUE leaves its permission
  // as it was, so a pool's php_admin_value stays locked against ini_set() (as in FPM).
  // zend_restore_ini_entry puts both value and permission back at request end.
  // Either way the entry ends up ZEND_INI_SYSTEM (zend_alter_ini_entry_ex sets it for a
  // SYSTEM change at activation): marked so that this request's value is not folded into
  // the cached script for every other request and pool.
  if (result == SUCCESS) {
    if (auto* entry = static_cast<zend_ini_entry*>(zend_hash_find_ptr(EG(ini_directives), key))) {
      if (mode == ZEND_INI_SYSTEM) entry->modifiable = static_cast<uint8_t>(mode);
      markUnfoldable(entry);
    }
  }
  zend_string_release(fresh);
  zend_string_release(key);
  // Like alterMaster: only an unknown directive is an error.
  return zend_hash_str_exists(EG(ini_directives), name.data(), name.size());
}

void parseRequestIniEntry(zval* key, zval* value, zval* /*unused*/, int callback_type, void* arg) {
  const int mode = *static_cast<int*>(arg);
  if (!key) return;
  if (callback_type != ZEND_INI_PARSER_ENTRY) {
    log::error("Passing INI directive through FastCGI: only classic entries are allowed");
    return;
  }
  if (Z_STRLEN_P(key) == 0) {
    log::error("Passing INI directive through FastCGI: empty key");
    return;
  }
  if (!value) {
    log::error("Passing INI directive through FastCGI: empty value for key '{}'", Z_STRVAL_P(key));
    return;
  }
  if (!applyIniSetting(Z_STRVAL_P(key), Z_STRVAL_P(value), mode, /*per_request=*/true)) {
    log::error("Passing INI directive through FastCGI: unable to set '{}'", Z_STRVAL_P(key));
  }
}

}  // namespace

bool applyIniSetting(const std::string& name, const std::string& value, int mode,
                     bool per_request) {
  if (name == "extension" && !value.empty()) {
    zval loaded;
    php_dl(value.c_str(), MODULE_PERSISTENT, &loaded, 1);
    return Z_TYPE(loaded) == IS_TRUE;
  }
  bool known = per_request ? alterForRequest(name, value, mode) : alterMaster(name, value, mode);
  if (!known) return false;
  // Functions and classes disabled at start-up stay disabled: these add to them, for the
  // worker's life (the pool's values) or for one request (PHP_ADMIN_VALUE).
  if (name == "disable_functions" && !value.empty()) {
    if (per_request) {
      disableFunctionsForRequest(value);
    } else {
      zend_disable_functions(value.c_str());
    }
  }
  if (name == "disable_classes" && !value.empty()) {
    if (per_request) {
      disableClassesForRequest(value);
    } else {
      disableClasses(value);
    }
  }
  return true;
}

void applyRequestIni(const std::string& lines, int mode) {
  std::string text = lines + "\n";
  zend_parse_ini_string(text.data(), true, ZEND_INI_SCANNER_NORMAL, parseRequestIniEntry, &mode);
}

// As php_ini_builder_define() (whose inline helpers do not compile as C++): "foo" is
// foo=1, and a value that does not start like a plain word or a quoted string is quoted.
std::string buildIniEntries(const std::vector<std::string>& defines) {
  std::string entries;
  for (const std::string& define : defines) {
    const size_t eq = define.find('=');
    if (eq == std::string::npos) {
      entries += define + "=1\n";
      continue;
    }
    const std::string name = define.substr(0, eq);
    const std::string value = define.substr(eq + 1);
    const unsigned char first = value.empty() ? '\0' : static_cast<unsigned char>(value[0]);
    if (!isalnum(first) && first != '"' && first != '\'' && first != '\0') {
      entries += name + "=\"" + value + "\"\n";
    } else {
      entries += name + "=" + value + "\n";
    }
  }
  return entries;
}

IniSearch planIniSearch(const EngineOptions& options) {
  IniSearch plan;
  plan.ignore = options.no_ini;
  // PHP reads an override file even under php_ini_ignore, and php-fpm8.2 relies on it:
  // `-n -c file` loads that file and nothing else. So -c is honoured under -n too, while
  // -n alone reads nothing (no fpm directory, no scan dir).
  if (!options.ini_path.empty()) plan.path_override = options.ini_path;
  if (plan.ignore) return plan;
  const std::string fpm_dir = fpmConfigDir();
  if (!plan.path_override.empty()) {
    // -c given: nothing else to pick.
  } else if (!getenv("PHPRC") && isDirectory(fpm_dir)) {
    // PHPRC is PHP's own override and wins over the built-in directory, as for php-fpm.
    plan.path_override = fpm_dir;
  }
  if (!getenv("PHP_INI_SCAN_DIR") && isDirectory(fpm_dir + "/conf.d")) {
    plan.scan_dir = fpm_dir + "/conf.d";
  }
  return plan;
}

}  // namespace fpmd::php
