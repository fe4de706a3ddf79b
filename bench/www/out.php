<?php
// A response of OUT_BYTES bytes (a FastCGI param the bench sends), for the cost-vs-work
// table: what each server spends per byte it sends back.
echo str_repeat('x', (int)($_SERVER['OUT_BYTES'] ?? 1024));
