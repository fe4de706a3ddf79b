<?php
// Response shaping driven by the query: status code, extra headers, content type.
if (isset($_GET['code'])) {
    $r = http_response_code((int)$_GET['code']);
    echo 'previous=', var_export($r, true), "\n";
}
foreach ($_GET['h'] ?? [] as $line) {
    header($line, false);
}
if (isset($_GET['status_line'])) {
    header($_GET['status_line']);
}
if (isset($_GET['ct'])) {
    header('Content-Type: ' . $_GET['ct']);
}
if (isset($_GET['remove'])) {
    header_remove($_GET['remove'] === '*' ? null : $_GET['remove']);
}
echo 'code=', http_response_code(), "\n";
var_export(headers_list());
