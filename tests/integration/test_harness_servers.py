"""Self-tests of tests/lib/servers.py: FpmProcess drives Debian's php-fpm8.2 (the same
class drives fpmd), waits for readiness, exposes log and children, stops cleanly."""

import os
import signal
import socket

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


# --- the end-of-test invariants (fpmd only) -------------------------------------------------


def test_invariants_hold_for_a_plain_run(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}) as fpm:
        fpm.wait_for_children(2)
        for _ in range(5):
            fpm.request(cgi.cgi_params("/pid.php", docroot))
        assert fpm.check_invariants() == []


def test_invariants_see_fd_growth_in_a_worker(fpmd_bin, docroot, tmp_path):
    # Persistent sockets stay open in the worker after the request: what a leak looks like.
    listeners = []
    for i in range(3):
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(tmp_path / f"l{i}.sock"))
        listener.listen(4)
        listeners.append(listener)
    (docroot / "leak.php").write_text(
        "<?php for ($i = 0; $i < 3; $i++) {"
        " pfsockopen('unix://' . __DIR__ . \"/l$i.sock\", -1, $errno, $errstr, 1); }"
        " echo 'ok';")
    try:
        fpm = FpmProcess(fpmd_bin, pool={"pm.max_children": "1"})
        with fpm:
            fpm.wait_for_children(1)
            assert fpm.request(cgi.cgi_params("/leak.php", docroot)).body == b"ok"
            problems = fpm.check_invariants(settle=0.5)
            assert any("fds grew" in p for p in problems), problems
            with pytest.raises(ServerError, match="fds grew"):
                fpm.stop()
    finally:
        for listener in listeners:
            listener.close()


def test_invariants_see_a_crashed_worker(fpmd_bin, docroot):
    fpm = FpmProcess(fpmd_bin, pool={"pm.max_children": "1"})
    with fpm:
        victim = fpm.wait_for_children(1)[0]
        os.kill(victim, signal.SIGSEGV)
        fpm.wait_for_log(rf"child {victim} exited on signal 11")
        assert any("a worker crashed" in p for p in fpm.check_invariants())
        with pytest.raises(ServerError, match="a worker crashed"):
            fpm.stop()
