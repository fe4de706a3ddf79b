"""Out of resources: the master out of file descriptors, a full disk under the logs.
fpmd keeps serving and says so once, instead of spinning or logging per event."""

import os
import socket
import threading

import pytest

from lib import cgi, fcgi_client, procs
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


STATUS_CONF = """
[global]
error_log = @LOG@
pid = @PID@
rlimit_files = 40
[www]
listen = @LISTEN@
pm = static
pm.max_children = 2
pm.status_listen = @DIR@/status.sock
pm.status_path = /status
ping.path = /ping
"""


def test_master_out_of_fds_pauses_accepting(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, conf_text=STATUS_CONF) as fpm:
        fpm.wait_for_children(2)
        status = str(fpm.dir / "status.sock")
        clients = []
        try:
            # More clients than the master has fds left: accept() fails with EMFILE.
            for _ in range(60):
                client = socket.socket(socket.AF_UNIX)
                client.connect(status)
                clients.append(client)
            fpm.wait_for_log(r"accept\(\) on the status socket failed; not accepting for a "
                             r"second: Too many open files \(24\)")
            # The workers serve meanwhile; a master spinning on the readable listener
            # would log a line per attempt while they do.
            for _ in range(50):
                assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
            assert fpm.log().count("accept() on the status socket failed") == 1
        finally:
            for client in clients:
                client.close()
        # Once fds are free again, the status socket answers.
        ping = fcgi_client.request(status, cgi.cgi_params("/ping", docroot), timeout=10)
        assert ping.body == b"pong"


def test_full_disk_under_access_log(fpmd_bin, docroot):
    pool = {"pm.max_children": "1", "access.log": "/dev/full", "catch_workers_output": "yes"}
    with FpmProcess(fpmd_bin, pool=pool) as fpm:
        worker = fpm.wait_for_children(1)[0]
        for _ in range(10):
            assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
        fpm.wait_for_log(r"failed to write to the access log: No space left on device")
        assert fpm.log().count("failed to write to the access log") == 1
        assert fpm.children() == [worker]


def test_full_disk_under_error_log(fpmd_bin, docroot):
    """The error log's own failure is said once on stderr; fpmd goes on serving."""
    # "ready to handle connections" comes after start-up, when lines go to the file only
    # (as in PHP-FPM): the file refuses it, so wait for the workers and the socket instead.
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}, force_stderr=False,
                    global_settings={"error_log": "/dev/full"}, wait_ready=False) as fpm:
        workers = fpm.wait_for_children(2)
        procs.wait_until(lambda: os.path.exists(fpm.address), 10, what="the socket")
        for pid in workers:  # each replacement logs lines the file refuses
            os.kill(pid, 9)
            fpm.wait_for_children(2)
        for _ in range(5):
            assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
        fpm.wait_for_log(r"ERROR: cannot write to the error log \(/dev/full\); its lines are "
                         r"lost until it takes them again: No space left on device \(28\)")
        assert fpm.log().count("cannot write to the error log") == 1


def test_full_disk_under_slowlog(fpmd_bin, docroot):
    # Slow until the test lets it go: both workers are traced however loaded the host is.
    (docroot / "slow.php").write_text(
        "<?php $end = hrtime(true) + 15000000000;"
        " while (!file_exists(__DIR__ . '/release') && hrtime(true) < $end) usleep(10000);"
        " echo 'slow';")
    pool = {"pm.max_children": "2", "slowlog": "/dev/full", "request_slowlog_timeout": "1s"}
    with FpmProcess(fpmd_bin, pool=pool) as fpm:
        workers = fpm.wait_for_children(2)
        answers = []
        clients = [threading.Thread(target=lambda: answers.append(
            fpm.request(cgi.cgi_params("/slow.php", docroot), timeout=20).body))
            for _ in workers]
        for client in clients:
            client.start()
        for pid in workers:  # both slow requests are traced, and neither trace is kept
            fpm.wait_for_log(rf"finished trace of {pid}", timeout=15)
        (docroot / "release").write_text("")
        for client in clients:
            client.join(20)
        assert answers == [b"slow", b"slow"]
        assert fpm.log().count("unable to write to slowlog (/dev/full): No space left") == 1
