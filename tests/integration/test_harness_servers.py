"""Self-tests of tests/lib/servers.py: FpmProcess drives Debian's php-fpm8.2 (the same
class drives fpmd), waits for readiness, exposes log and children, stops cleanly."""

import signal

import pytest

from lib import cgi, procs
from lib.servers import FpmProcess, ServerError


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "pid.php").write_text("<?php echo getmypid();")
    return tmp_path


def test_start_request_stop_unix(php_fpm_bin, docroot):
    with FpmProcess(php_fpm_bin, pool={"pm.max_children": "3"}) as fpm:
        kids = fpm.wait_for_children(3)
        resp = fpm.request(cgi.cgi_params("/pid.php", docroot))
        assert int(resp.body) in kids
        assert "NOTICE: fpm is running, pid %d" % fpm.pid in fpm.log()
        sock_dir = fpm.dir
    assert fpm.returncode == 0
    assert all(not procs.is_alive(k) for k in kids)
    assert not sock_dir.exists()


def test_tcp_listen_and_log_file(php_fpm_bin, docroot):
    fpm = FpmProcess(php_fpm_bin, listen="tcp", log_to="file").start()
    try:
        assert isinstance(fpm.address, tuple)
        assert fpm.request(cgi.cgi_params("/pid.php", docroot)).status == 200
        assert "ready to handle connections" in fpm.log()
    finally:
        fpm.stop()


def test_wait_for_log_after_signal(php_fpm_bin):
    with FpmProcess(php_fpm_bin) as fpm:
        offset = fpm.log_offset()
        fpm.send_signal(signal.SIGUSR1)
        fpm.wait_for_log(r"NOTICE: error log file re-opened", timeout=10, start=offset)
        with pytest.raises(TimeoutError):
            fpm.wait_for_log(r"never logged", timeout=0.3)


def test_sigterm_stop(php_fpm_bin):
    fpm = FpmProcess(php_fpm_bin).start()
    kids = fpm.children()
    assert fpm.stop(signal.SIGTERM) == 0
    assert all(not procs.is_alive(k) for k in kids)


def test_bad_config_fails_fast_with_the_log(php_fpm_bin):
    fpm = FpmProcess(php_fpm_bin, pool={"no_such_directive": "1"})
    with pytest.raises(ServerError, match="unknown entry 'no_such_directive'"):
        fpm.start()


def test_start_up_failure_without_waiting(php_fpm_bin):
    fpm = FpmProcess(php_fpm_bin, pool={"pm": "bogus"}, wait_ready=False).start()
    try:
        assert fpm.wait(10) != 0
        assert "ERROR" in fpm.log()
    finally:
        fpm.stop(check=False)


def test_leftover_workers_are_killed_and_reported(php_fpm_bin):
    fpm = FpmProcess(php_fpm_bin, stop_timeout=2).start()
    kids = fpm.children()
    # Kill only the master: its workers are orphaned, stop() must find and kill them.
    fpm.send_signal(signal.SIGKILL)
    fpm.wait(5)
    with pytest.raises(ServerError, match="left behind"):
        fpm.stop()
    assert all(not procs.is_alive(k) for k in kids)


def test_conf_text_placeholders(php_fpm_bin, docroot):
    conf = ("[global]\nerror_log = @LOG@\npid = @PID@\n"
            "[app]\nlisten = @LISTEN@\npm = ondemand\npm.max_children = 2\n")
    with FpmProcess(php_fpm_bin, conf_text=conf) as fpm:
        assert fpm.children() == []
        assert fpm.request(cgi.cgi_params("/pid.php", docroot)).status == 200
        assert len(fpm.children()) == 1
