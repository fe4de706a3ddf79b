<?php
$before = headers_sent($file, $line);
echo "output\n";
$after = headers_sent($file2, $line2);
var_export([$before, $after, basename((string)$file2), $line2]);
header('X-Too-Late: 1');
