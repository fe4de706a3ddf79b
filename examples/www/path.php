<?php
header('Content-Type: text/plain');
foreach (['SCRIPT_NAME', 'SCRIPT_FILENAME', 'PATH_INFO', 'PHP_SELF', 'REQUEST_URI', 'QUERY_STRING'] as $key) {
    printf("%-16s %s\n", $key, $_SERVER[$key] ?? '(unset)');
}
