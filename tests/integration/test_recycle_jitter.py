"""pm.max_requests with fpmd's pm.max_requests_jitter: each worker life gets its own limit,
and the workers started together with the pool spread their first restart over the upper
half of the limit, so a static pool does not restart as one. Each answer names the worker
(getmypid()), so a finished worker's count of answers is its limit."""

import collections
import os
import threading

from lib import cgi
from lib.servers import FpmProcess

LIMIT = 40
WORKERS = 8


def served_per_worker(fpmd_bin, docroot, jitter=None, requests=1000):
    pool = {"pm": "static", "pm.max_children": str(WORKERS), "pm.max_requests": str(LIMIT)}
    if jitter is not None:
        pool["pm.max_requests_jitter"] = str(jitter)
    counts = collections.Counter()
    lock = threading.Lock()
    with FpmProcess(fpmd_bin, pool=pool) as fpm:
        fpm.wait_for_children(WORKERS)
        first = set(fpm.children())

        def client(n):
            for _ in range(n):
                pid = int(fpm.request(cgi.cgi_params("/pid.php", docroot)).body)
                with lock:
                    counts[pid] += 1
        threads = [threading.Thread(target=client, args=(requests // WORKERS,))
                   for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        alive = set(fpm.children())
    finished = {pid: n for pid, n in counts.items() if pid not in alive}
    return first, finished


def test_first_lives_spread_over_the_upper_half(fpmd_bin, tmp_path):
    (tmp_path / "pid.php").write_text("<?php echo getmypid();")
    os.chmod(tmp_path, 0o755)
    first, finished = served_per_worker(fpmd_bin, tmp_path)
    first_lives = [n for pid, n in finished.items() if pid in first]
    later_lives = [n for pid, n in finished.items() if pid not in first]
    assert len(first_lives) == WORKERS and len(later_lives) >= 4, finished
    assert all(LIMIT // 2 <= n <= LIMIT for n in first_lives), first_lives
    # Not one restart wave: a tenth of the limit (the replacements' jitter) would keep
    # eight workers within 4 requests of each other; the upper half parts them (eight
    # draws from 21 values fall within 4 of each other with a probability below 1e-4).
    assert max(first_lives) - min(first_lives) > LIMIT // 10, first_lives
    # Replacements were born apart: the default jitter, a tenth.
    assert all(LIMIT - LIMIT // 10 <= n <= LIMIT for n in later_lives), later_lives


def test_jitter_zero_keeps_php_fpms_exact_count(fpmd_bin, tmp_path):
    (tmp_path / "pid.php").write_text("<?php echo getmypid();")
    os.chmod(tmp_path, 0o755)
    _, finished = served_per_worker(fpmd_bin, tmp_path, jitter=0, requests=800)
    assert len(finished) >= 4 and set(finished.values()) == {LIMIT}, finished
