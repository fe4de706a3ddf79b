<?php
// Request headers as the SAPI reports them, and as HTTP_* server variables.
$h = getallheaders();
$srv = [];
foreach ($_SERVER as $k => $v) {
    if (strncmp($k, 'HTTP_', 5) === 0) {
        $srv[$k] = $v;
    }
}
var_export(['getallheaders' => $h, 'apache_request_headers' => apache_request_headers() === $h,
            'server' => $srv, 'auth' => [$_SERVER['PHP_AUTH_USER'] ?? null,
            $_SERVER['PHP_AUTH_PW'] ?? null, $_SERVER['AUTH_TYPE'] ?? null,
            $_SERVER['PHP_AUTH_DIGEST'] ?? null]]);
