// How a worker process ends (engine.h exitWorker): the persistent resources closed, then
// the kernel's exit, unless an extension PHP does not ship might need its shutdown.

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

extern "C" {
#include <php.h>
#include <zend_extensions.h>
}

#include "log/log.h"
#include "php/engine.h"
#include "php/quick_exit.h"
#include "php/sapi_state.h"

namespace fpmd::php {

std::string workerExitBlocker() {
  if (!engineStarted()) return {};
  std::vector<std::string> names;
  zval* entry;
  ZEND_HASH_MAP_FOREACH_VAL(&module_registry, entry) {
    names.emplace_back(static_cast<zend_module_entry*>(Z_PTR_P(entry))->name);
  }
  ZEND_HASH_FOREACH_END();
  for (zend_llist_element* element = zend_extensions.head; element; element = element->next) {
    names.emplace_back(reinterpret_cast<zend_extension*>(element->data)->name);
  }
  return quickExitBlocker(names);
}

void exitWorker(int code) {
  // Looked up at exit, where it costs a microsecond: exactly what this process loaded.
  if (engineStarted() && workerExitBlocker().empty()) {
    // zend_shutdown()'s first step, and the only one another process can notice.
    zend_hash_graceful_reverse_destroy(&EG(persistent_list));
    std::fflush(nullptr);
    ::_exit(code);
  }
  shutdown();
  std::fflush(nullptr);
  ::_exit(code);
}

}  // namespace fpmd::php
