#pragma once

// disable_functions / disable_classes sent with a request (PHP_ADMIN_VALUE): in force for
// that request only. PHP's own zend_disable_functions() and zend_disable_class() destroy
// what they disable, so in PHP-FPM a value one request sent stays for every later request
// of the worker, and a script opcache had compiled with a direct call to such a function
// crashes the worker (ZEND_INIT_FCALL finds no function).
//
// Here the request runs without opcache's shared cache (its scripts are compiled for it
// alone, so no cached call is bound to what it disables, and no class it links against a
// stripped parent reaches the cache every pool shares); its functions are taken out of the
// function table without being freed, as PHP does it (function_exists() says no), its
// classes are stripped on a saved copy; everything is put back once the request has shut
// down.

#include <string_view>

namespace fpmd::php {

/// A comma or space separated list, as PHP's directives take it. Before the request
/// starts (with its other PHP_ADMIN_VALUE settings).
void disableFunctionsForRequest(std::string_view list);
void disableClassesForRequest(std::string_view list);
/// After php_request_shutdown(): puts back everything the request disabled.
void restoreRequestDisables();

}  // namespace fpmd::php
