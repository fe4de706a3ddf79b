// `fpmd -v`, `-m` and `-i`: what php-fpm8.2 prints for them, for our SAPI.

#include <strings.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

extern "C" {
#include <SAPI.h>
#include <php.h>
#include <php_main.h>
#include <zend_extensions.h>
#include <ext/standard/info.h>
}

#include "php/engine.h"
#include "php/sapi_state.h"

namespace fpmd::php {
namespace {

std::vector<std::string> moduleNames() {
  std::vector<std::string> names;
  zval* entry;
  ZEND_HASH_MAP_FOREACH_VAL(&module_registry, entry) {
    names.emplace_back(static_cast<zend_module_entry*>(Z_PTR_P(entry))->name);
  }
  ZEND_HASH_FOREACH_END();
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return strcasecmp(a.c_str(), b.c_str()) < 0;
  });
  return names;
}

std::vector<std::string> zendExtensionNames() {
  std::vector<std::string> names;
  for (zend_llist_element* element = zend_extensions.head; element; element = element->next) {
    names.emplace_back(reinterpret_cast<zend_extension*>(element->data)->name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// -m and -i load php.ini like a real start (so they list what the pools would get), and
// only then; without a running engine, they start one for themselves.
bool ensureStarted(const EngineOptions& options, bool& started_here) {
  started_here = false;
  if (engineStarted()) return true;
  if (!startup(options)) return false;
  started_here = true;
  return true;
}

}  // namespace

std::string versionText() {
  // php-fpm prints its own build time; ours is fpmd's.
  return std::string("PHP ") + PHP_VERSION + " (" + fpmSapiModule().name + ") (built: " + __DATE__ +
         " " + __TIME__ + ")\nCopyright (c) The PHP Group\n" + get_zend_version();
}

int printModules(const EngineOptions& options) {
  bool started_here;
  if (!ensureStarted(options, started_here)) return 70;  // FPM_EXIT_SOFTWARE
  std::string text = "[PHP Modules]\n";
  for (const std::string& name : moduleNames()) text += name + "\n";
  text += "\n[Zend Modules]\n";
  for (const std::string& name : zendExtensionNames()) text += name + "\n";
  text += "\n";
  fwrite(text.data(), 1, text.size(), stdout);
  fflush(stdout);
  if (started_here) shutdown();
  return 0;
}

int printInfo(const EngineOptions& options) {
  bool started_here;
  if (!ensureStarted(options, started_here)) return 70;  // FPM_EXIT_SOFTWARE
  sapi_module.phpinfo_as_text = 1;
  SG(server_context) = nullptr;
  if (php_request_startup() == FAILURE) {
    if (started_here) shutdown();
    return 70;
  }
  SG(headers_sent) = 1;
  SG(request_info).no_headers = 1;
  php_print_info(0xFFFFFFFF);
  php_request_shutdown(nullptr);
  fflush(stdout);
  sapi_module.phpinfo_as_text = 0;
  if (started_here) shutdown();
  return 0;
}

}  // namespace fpmd::php
