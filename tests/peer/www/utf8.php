<?php
header('Content-Type: text/plain; charset=UTF-8');
$s = "héllo wörld — 日本語 — 🐘\n";
echo $s, strlen($s), ' ', htmlspecialchars('<é>'), ' ', rawurlencode('é ü'), "\n";
echo var_export($_GET, true), "\n";
