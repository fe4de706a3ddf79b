<?php
// Large output, written in pieces of a chosen size.
$total = (int)($_GET['kb'] ?? 1024) * 1024;
$piece = (int)($_GET['piece'] ?? 8192);
$line = str_repeat('0123456789abcdef', 4) . "\n";
$chunk = substr(str_repeat($line, intdiv($piece, strlen($line)) + 1), 0, $piece);
for ($sent = 0; $sent + $piece <= $total; $sent += $piece) {
    echo $chunk;
}
echo substr($chunk, 0, $total - $sent);
