"""request_slowlog_timeout: PHP-FPM's warning and the PHP backtrace of the slow request
in the slowlog, read from the running worker."""

import os
import re

import pytest

from lib import cgi, procs
from lib.servers import FpmProcess

SLOW = """<?php
function inner() { usleep(2500000); }
function outer() { inner(); }
outer();
echo 'done';
"""


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "slow.php").write_text(SLOW)
    os.chmod(tmp_path, 0o755)
    return tmp_path


def test_slow_request_is_traced(fpmd_bin, docroot, tmp_path):
    slowlog = tmp_path / "slow.log"
    pool = {"pm.max_children": "1", "slowlog": str(slowlog), "request_slowlog_timeout": "1s",
            "pm.status_path": "/status"}
    with FpmProcess(fpmd_bin, pool=pool) as fpm:
        worker = fpm.wait_for_children(1)[0]
        resp = fpm.request(cgi.cgi_params("/slow.php?x=1", docroot), timeout=20)
        assert resp.body == b"done"  # traced, not disturbed
        fpm.wait_for_log(
            rf"WARNING: \[pool www\] child {worker}, script '{docroot}/slow.php' \(request: "
            r"\"GET /slow.php\?x=1\"\) executing too slow \(1\.\d{6} sec\), logging")
        fpm.wait_for_log(rf"NOTICE: finished trace of {worker}")
        text = slowlog.read_text()
        assert re.search(rf"^\[\d\d-\w\w\w-\d{{4}} \d\d:\d\d:\d\d\]  \[pool www\] pid {worker}$",
                         text, re.M), text
        assert f"script_filename = {docroot}/slow.php" in text
        frames = re.findall(r"^\[0x[0-9a-f]{16}\] (\S+) (\S+):(\d+)$", text, re.M)
        assert [(f, os.path.basename(p), int(n)) for f, p, n in frames] == [
            ("usleep()", "slow.php", 2), ("inner()", "slow.php", 3), ("outer()", "slow.php", 4)]
        status = fpm.request(cgi.cgi_params("/status", docroot)).text
        assert re.search(r"^slow requests:\s+1$", status, re.M), status
