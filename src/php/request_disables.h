#pragma once

// disable_functions / disable_classes sent with a request (PHP_ADMIN_VALUE): in force for
// that request only. PHP's own zend_disable_functions() and zend_disable_class() destroy
// what they disable, so a value one request sent stays for every later request of the
// worker (as it does in PHP-FPM), and a script already cached by opcache that calls such a
// function crashes the worker. Here a disabled function keeps its table entry with a
// handler that fails the call, and a disabled class is stripped on a saved copy; both are
// put back once the request has shut down. function_exists() still finds such a function.

#include <string_view>

namespace fpmd::php {

/// A comma or space separated list, as PHP's directives take it.
void disableFunctionsForRequest(std::string_view list);
void disableClassesForRequest(std::string_view list);
/// After php_request_shutdown(): puts back everything the request disabled.
void restoreRequestDisables();

}  // namespace fpmd::php
