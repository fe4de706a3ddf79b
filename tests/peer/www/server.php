<?php
// The whole $_SERVER in PHP's order; only the request times are reduced to their type.
$s = $_SERVER;
foreach (['REQUEST_TIME', 'REQUEST_TIME_FLOAT'] as $k) {
    if (isset($s[$k])) {
        $s[$k] = gettype($s[$k]);
    }
}
var_export($s);
echo "\n", $_SERVER['PHP_SELF'] ?? '-', "\n";
