<?php
register_shutdown_function(function () { echo "[shutdown]"; });
echo "before-exit\n";
$v = $_GET['v'] ?? '0';
if (ctype_digit($v)) {
    exit((int)$v);
}
exit($v);
