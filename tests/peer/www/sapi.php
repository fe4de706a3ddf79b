<?php
// SAPI identity and ini values (some set per request through PHP_VALUE/PHP_ADMIN_VALUE).
$keys = explode(',', $_GET['ini'] ?? 'memory_limit,display_errors');
$ini = [];
foreach ($keys as $k) {
    $ini[$k] = ini_get($k);
}
$set = isset($_GET['set']) ? var_export(ini_set($_GET['set'], $_GET['to'] ?? '1'), true) : '-';
var_export(['sapi' => php_sapi_name(), 'PHP_SAPI' => PHP_SAPI, 'ini' => $ini, 'set' => $set,
            'after' => isset($_GET['set']) ? ini_get($_GET['set']) : '-',
            'env' => getenv('PEER_ENV'), 'env_server' => $_SERVER['PEER_ENV'] ?? null,
            'version' => PHP_VERSION, 'opcache' => function_exists('opcache_get_status'),
            'fpm_status' => function_exists('fpm_get_status'),
            'finish' => function_exists('fastcgi_finish_request'),
            // Debian builds libphp8.2-embed with pcntl and php8.2-fpm without: the one
            // extension the two binaries differ by (docs/compatibility.md).
            'extensions' => array_values(array_diff(get_loaded_extensions(), ['pcntl']))]);
