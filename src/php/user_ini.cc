#include "php/user_ini.h"

#include <SAPI.h>
#include <php.h>
#include <php_ini.h>
#include <zend_compile.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <unordered_map>

namespace fpmd::php {
namespace {

// One directory's .user.ini settings (its own file and those of the directories above it,
// up to DOCUMENT_ROOT), kept across requests in persistent memory as PHP-FPM's
// user_config_cache is.
struct UserIniEntry {
  HashTable config;
  time_t expires = 0;

  UserIniEntry() { zend_hash_init(&config, 8, nullptr, config_zval_dtor, 1); }
  ~UserIniEntry() { zend_hash_destroy(&config); }
  UserIniEntry(const UserIniEntry&) = delete;
  UserIniEntry& operator=(const UserIniEntry&) = delete;
};

std::unordered_map<std::string, std::unique_ptr<UserIniEntry>>& cache() {
  static std::unordered_map<std::string, std::unique_ptr<UserIniEntry>> entries;
  return entries;
}

std::string paramOrEmpty(const char* name) {
  char* value = sapi_getenv(name, std::strlen(name));
  if (value == nullptr) return {};
  std::string copy = value;
  efree(value);
  return copy;
}

void parseUserIni(const std::string& directory, HashTable* target) {
  php_parse_user_ini_file(directory.c_str(), PG(user_ini_filename), target);
}

// Reads the .user.ini files for `path` (the script's directory, with a trailing slash):
// every directory from `doc_root` down to it when it is inside the document root, else
// only its own. Deeper files are read later, so their values win.
void readUserIni(std::string path, const std::string& doc_root, HashTable* target) {
  if (path.empty() || path[0] != '/') {
    char resolved[PATH_MAX];
    if (::realpath(path.c_str(), resolved) == nullptr) return;
    path = resolved;
  }
  const bool inside = path.size() > doc_root.size()
                          ? path.compare(0, doc_root.size(), doc_root) == 0
                          : doc_root.compare(0, path.size(), path) == 0;
  if (!inside) {
    parseUserIni(path, target);
    return;
  }
  if (path.size() > doc_root.size()) {
    for (size_t slash = path.find('/', doc_root.size()); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      parseUserIni(path.substr(0, slash), target);
    }
    return;
  }
  // The script's directory is the document root itself (or above it): PHP-FPM reads its
  // file once for each "/" past the root's length in DOCUMENT_ROOT.
  for (size_t slash = doc_root.find('/', doc_root.size()); slash != std::string::npos;
       slash = doc_root.find('/', slash + 1)) {
    parseUserIni(path, target);
  }
}

void activateUserIni(const std::string& path, std::string doc_root) {
  if (!doc_root.empty() && doc_root.back() == '/') doc_root.pop_back();
  std::unique_ptr<UserIniEntry>& entry = cache()[path];
  if (!entry) entry = std::make_unique<UserIniEntry>();
  // Whole seconds, as PHP-FPM keeps them: with a TTL of 0 a file is read again from the
  // next second on, not on every request.
  const auto now = static_cast<time_t>(sapi_get_request_time());
  if (now > entry->expires) {
    zend_hash_clean(&entry->config);
    readUserIni(path, doc_root, &entry->config);
    entry->expires = now + static_cast<time_t>(PG(user_ini_cache_ttl));
  }
  php_ini_activate_config(&entry->config, PHP_INI_PERDIR, PHP_INI_STAGE_HTACCESS);
}

}  // namespace

void activateDirectoryConfig() {
  const char* translated = SG(request_info).path_translated;
  if (translated == nullptr) return;
  if (php_ini_has_per_host_config()) {
    std::string host = paramOrEmpty("SERVER_NAME");
    if (!host.empty()) {
      zend_str_tolower(host.data(), host.size());
      php_ini_activate_per_host_config(host.c_str(), host.size());
    }
  }
  const bool user_ini = PG(user_ini_filename) && *PG(user_ini_filename);
  if (!php_ini_has_per_dir_config() && !user_ini) return;
  // The script's directory with a trailing slash: [PATH=] sections apply from the root down
  // to it.
  std::string path = translated;
  path.resize(zend_dirname(path.data(), path.size()));
  path += '/';
  php_ini_activate_per_dir_config(path.data(), path.size());
  if (!user_ini) return;
  std::string doc_root = paramOrEmpty("DOCUMENT_ROOT");
  if (!doc_root.empty()) activateUserIni(path, std::move(doc_root));
}

void clearUserIniCache() {
  cache().clear();
}

}  // namespace fpmd::php
