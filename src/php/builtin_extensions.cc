// The extensions compiled into libphp that a request sees: those of Debian's php8.2-fpm.
//
// Debian builds libphp8.2-embed like its CLI, with pcntl compiled in; its FPM build has no
// pcntl, so under php-fpm web code cannot pcntl_fork() a worker or install signal handlers
// in it. fpmd registers libphp's built-in extensions without pcntl, before module start-up:
// its MINIT never runs, no constant or handler of it exists, and `-m`,
// get_loaded_extensions() and function_exists() agree with php8.2-fpm.

#include <php.h>
#include <zend_API.h>
#include <zend_modules.h>

#include <cstring>

#include "php/builtin_extensions.h"

namespace fpmd::php {
namespace {

// Compiled into libphp8.2-embed, not into php8.2-fpm.
constexpr const char* kNotInFpm[] = {"pcntl"};

int registerAsFpmDoes() {
  if (php_register_internal_extensions() == FAILURE) return FAILURE;
  for (const char* name : kNotInFpm) {
    const size_t length = std::strlen(name);
    auto* module =
        static_cast<zend_module_entry*>(zend_hash_str_find_ptr(&module_registry, name, length));
    if (module == nullptr) continue;
    // Registration put its functions in the function table; start-up has not run yet, so
    // nothing else of it exists.
    if (module->functions) zend_unregister_functions(module->functions, -1, nullptr);
    zend_hash_str_del(&module_registry, name, length);
  }
  return SUCCESS;
}

}  // namespace

void registerBuiltinExtensionsAsFpm() {
  php_register_internal_extensions_func = registerAsFpmDoes;
}

}  // namespace fpmd::php
