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
  std::string key;  // lower case, as the function table's keys
  zend_function* function;
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

// This request's scripts are compiled for it alone: opcache's own switch, which PHP lets a
// request turn off and puts back at its end.
void withoutSharedCache() {
  zend_string* name = zend_string_init(ZEND_STRL("opcache.enable"), 0);
  zend_string* off = zend_string_init(ZEND_STRL("0"), 0);
  (void)zend_alter_ini_entry_ex(name, off, ZEND_INI_SYSTEM, ZEND_INI_STAGE_ACTIVATE, true);
  zend_string_release(off);
  zend_string_release(name);
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
  withoutSharedCache();
  HashTable* table = CG(function_table);
  forEachName(list, [&](const std::string& name) {
    auto* function =
        static_cast<zend_function*>(zend_hash_str_find_ptr(table, name.data(), name.size()));
    if (function == nullptr || function->type != ZEND_INTERNAL_FUNCTION) return;
    // Out of the table, not freed: the destructor is off for this one deletion.
    dtor_func_t destructor = table->pDestructor;
    table->pDestructor = nullptr;
    zend_hash_str_del(table, name.data(), name.size());
    table->pDestructor = destructor;
    g_functions.push_back({name, function});
  });
}

void disableClassesForRequest(std::string_view list) {
  withoutSharedCache();
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
  // Back in the table's built-in part: each request's executor start counts what is in
  // the table then as built in (EG(persistent_functions_count)), so these are not
  // discarded at the end of the next request as that request's own functions would be.
  for (const DisabledFunction& disabled : g_functions) {
    zend_string* key = zend_string_init(disabled.key.data(), disabled.key.size(), 1);
    zend_hash_add_ptr(CG(function_table), key, disabled.function);
    zend_string_release(key);
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
