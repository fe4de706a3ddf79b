"""access.log: PHP-FPM's line format, written by the worker after each request, compared
with what php-fpm8.2 writes for the same requests; suppress_path; USR1 rotation."""

import os
import re
import signal

import pytest

from lib import cgi, procs
from lib.servers import FpmProcess

FORMAT = '%R - %u %t "%m %r%Q%q" %s %f %{mili}d %{kilo}M %C%% %n %{X-Test}o %{HTTP_HOST}e %l'


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "page.php").write_text("<?php header('X-Test: yes'); echo 'hi';")
    (tmp_path / "health.php").write_text("<?php echo 'ok';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


REQUESTS = [("/page.php?a=1", "GET"), ("/page.php", "POST"), ("/missing.php", "GET"),
            ("/health.php", "GET")]


def run(binary, docroot, tmp_path, name):
    log = tmp_path / f"{name}.access.log"
    pool = {"pm.max_children": "1", "access.log": str(log), "access.format": FORMAT,
            "access.suppress_path[]": "/health.php"}
    with FpmProcess(binary, pool=pool, listen="tcp") as fpm:
        for uri, method in REQUESTS:
            body = b"x=1" if method == "POST" else None
            fpm.request(cgi.cgi_params(uri, docroot, method=method, body=body,
                                       content_type="application/x-www-form-urlencoded"
                                       if body else None, headers={"Authorization":
                                       "Basic dXNlcjpwdw=="}), body or b"")
        procs.wait_until(lambda: log.exists() and log.read_text().count("\n") >= 3, 10,
                         what="access log lines")
        return log.read_text(), fpm.children()


def normalise(text, pids):
    text = re.sub(r"\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}", "TIME", text)
    text = re.sub(r" \d+\.\d+ \d+ \d+\.\d+% ", " DURATION MEM CPU% ", text)
    return text


def test_access_log_matches_php_fpm(php_fpm_bin, fpmd_bin, docroot, tmp_path):
    theirs, _ = run(php_fpm_bin, docroot, tmp_path, "php-fpm")
    ours, _ = run(fpmd_bin, docroot, tmp_path, "fpmd")
    assert "/health.php" not in ours  # suppressed
    assert len(ours.splitlines()) == 3
    assert normalise(ours, []) == normalise(theirs, []), (ours, theirs)


def test_usr1_rotates_the_access_log(fpmd_bin, docroot, tmp_path):
    log = tmp_path / "access.log"
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2", "access.log": str(log)}) as fpm:
        fpm.request(cgi.cgi_params("/page.php", docroot))
        procs.wait_until(lambda: log.exists() and log.read_text(), 10, what="first line")
        os.rename(log, tmp_path / "access.log.1")
        start = fpm.log_offset()
        fpm.send_signal(signal.SIGUSR1)
        fpm.wait_for_log(r"NOTICE: access log file re-opened", start=start)
        procs.wait_until(lambda: len(fpm.children()) == 2 and
                         fpm.request(cgi.cgi_params("/page.php", docroot)).body == b"hi" and
                         log.exists() and "GET /page.php" in log.read_text(), 15,
                         what="a line in the new file")
        assert (tmp_path / "access.log.1").read_text().count("\n") == 1
