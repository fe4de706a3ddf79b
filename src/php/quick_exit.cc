// The list of extensions whose module shutdown a worker may skip (quick_exit.h).

#include "php/quick_exit.h"

#include <strings.h>

#include <array>

namespace fpmd::php {
namespace {

// PHP 8.2's ext/ (and our cgi-fcgi module), by the names they register. Persistent
// resources (mysqli/PDO/pgsql/odbc persistent connections, dba_popen, pfsockopen) are
// closed by exitWorker() itself, before the exit, as zend_shutdown() would;
// Zend OPcache's shared memory is detached at exit like any other mapping.
constexpr std::array<std::string_view, 68> kBundled = {
    "bcmath",       "bz2",       "calendar", "cgi-fcgi",  "core",         "ctype",    "curl",
    "date",         "dba",       "dom",      "enchant",   "exif",         "ffi",      "fileinfo",
    "filter",       "ftp",       "gd",       "gettext",   "gmp",          "hash",     "iconv",
    "imap",         "intl",      "json",     "ldap",      "libxml",       "mbstring", "mysqli",
    "mysqlnd",      "odbc",      "openssl",  "pcntl",     "pcre",         "pdo",      "pdo_dblib",
    "pdo_firebird", "pdo_mysql", "pdo_odbc", "pdo_pgsql", "pdo_sqlite",   "pgsql",    "phar",
    "posix",        "pspell",    "random",   "readline",  "reflection",   "session",  "shmop",
    "simplexml",    "soap",      "sockets",  "sodium",    "spl",          "sqlite3",  "standard",
    "sysvmsg",      "sysvsem",   "sysvshm",  "tidy",      "tokenizer",    "xml",      "xmlreader",
    "xmlwriter",    "xsl",       "zip",      "zlib",      "zend opcache",
};

bool equalNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool shutdownOnlyFreesMemory(std::string_view module_name) {
  for (std::string_view known : kBundled) {
    if (equalNoCase(known, module_name)) return true;
  }
  return false;
}

std::string quickExitBlocker(std::span<const std::string> module_names) {
  for (const std::string& name : module_names) {
    if (!shutdownOnlyFreesMemory(name)) return name;
  }
  return {};
}

}  // namespace fpmd::php
