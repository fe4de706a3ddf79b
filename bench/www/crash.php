<?php
// Kills the worker running it: under load, a pool whose every worker dies on its first
// request (a crash loop). SIGKILL, so no handler in PHP or the server can soften it.
posix_kill(getmypid(), 9);
echo "not reached\n";
