<?php
// A 20 ms page: eight workers serve at most 400 requests per second, so 2,000 clients
// queue (bench/run.py's many-clients scenario).
usleep(20000);
echo "slept 20 ms\n";
