<?php
$x = str_repeat('x', 1 << 20);
var_export([gettype(memory_get_usage()), gettype(memory_get_peak_usage(true)),
            memory_get_usage() > 0, memory_get_peak_usage() >= memory_get_usage(),
            ini_get('memory_limit'), gettype(getmypid()), getmypid() > 0,
            gettype(getrusage()['ru_utime.tv_sec'] ?? null)]);
