<?php
// Nested output buffers, callbacks, and what is still buffered at the end.
ob_start();
echo "level1 ";
ob_start(fn($buf) => strtoupper($buf));
echo "level2 ", ob_get_level(), " ";
ob_start();
echo "discarded";
ob_end_clean();
ob_end_flush();
$captured = ob_get_clean();
echo "[", $captured, "] levels=", ob_get_level(), "\n";
ob_start();
echo "left open at exit\n";
print_r(ob_get_status(true));
