#include "php/request_disables.h"

#include <cctype>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <php.h>
#include <zend_API.h>
#include <zend_objects.h>
}

namespace fpmd::php {
namespace {

struct DisabledFunction {
  zend_internal_function* function;
  zif_handler handler;  // its own, put back after the request
};

struct DisabledClass {
  zend_class_entry* entry;
  zend_class_entry saved;  // the whole entry as it was: restoring is one copy back
};

std::vector<DisabledFunction> g_functions;
std::vector<std::unique_ptr<DisabledClass>> g_classes;

template <typename Each>
void forEachName(std::string_view list, Each each) {
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find_first_of(" ,\t\r\n", start);
    if (end == std::string_view::npos) end = list.size();
    if (end > start) {
      std::string name(list.substr(start, end - start));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      each(name);
    }
    start = end + 1;
  }
}

// A call to a function disabled for this request fails as a call to an unknown one does.
// The function stays in the table: a script cached by opcache may have bound the call at
// compile time (ZEND_INIT_FCALL), and the engine does not expect such a function to vanish
// (php-fpm's worker crashes there).
ZEND_NAMED_FUNCTION(callDisabledFunction) {
  (void)return_value;
  zend_throw_error(nullptr, "Call to undefined function %s()",
                   ZSTR_VAL(execute_data->func->common.function_name));
}

// What PHP's disabled classes do on `new`: warn, and hand back a bare object.
zend_object* newDisabledObject(zend_class_entry* entry) {
  zend_object* object = zend_objects_new(entry);
  object_properties_init(object, entry);
  zend_error(E_WARNING, "%s() has been disabled for security reasons", ZSTR_VAL(entry->name));
  return object;
}

}  // namespace

void disableFunctionsForRequest(std::string_view list) {
  forEachName(list, [&](const std::string& name) {
    auto* function = static_cast<zend_function*>(
        zend_hash_str_find_ptr(CG(function_table), name.data(), name.size()));
    if (function == nullptr || function->type != ZEND_INTERNAL_FUNCTION) return;
    zend_internal_function& internal = function->internal_function;
    if (internal.handler == callDisabledFunction) return;  // listed twice
    g_functions.push_back({&internal, internal.handler});
    internal.handler = callDisabledFunction;
  });
}

void disableClassesForRequest(std::string_view list) {
  forEachName(list, [&](const std::string& name) {
    auto* entry = static_cast<zend_class_entry*>(
        zend_hash_str_find_ptr(CG(class_table), name.data(), name.size()));
    if (entry == nullptr || entry->type != ZEND_INTERNAL_CLASS) return;
    for (const auto& disabled : g_classes) {
      if (disabled->entry == entry) return;
    }
    auto disabled = std::make_unique<DisabledClass>();
    disabled->entry = entry;
    disabled->saved = *entry;
    // The class stays known, as with PHP's disable_classes, but has no methods, properties
    // or interfaces, and `new` only warns. Fresh empty tables stand in for the saved ones.
    zend_hash_init(&entry->function_table, 0, nullptr, nullptr, 1);
    zend_hash_init(&entry->properties_info, 0, nullptr, nullptr, 1);
    INIT_CLASS_ENTRY_INIT_METHODS((*entry), nullptr);
    entry->create_object = newDisabledObject;
    g_classes.push_back(std::move(disabled));
  });
}

void restoreRequestDisables() {
  for (const DisabledFunction& disabled : g_functions) {
    disabled.function->handler = disabled.handler;
  }
  g_functions.clear();
  for (const auto& disabled : g_classes) {
    zend_hash_destroy(&disabled->entry->function_table);
    zend_hash_destroy(&disabled->entry->properties_info);
    *disabled->entry = disabled->saved;
  }
  g_classes.clear();
}

}  // namespace fpmd::php
