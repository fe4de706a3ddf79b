"""Out of resources: the master out of file descriptors, a full disk under the logs.
fpmd keeps serving and says so once, instead of spinning or logging per event."""

import os
import socket

import pytest

from lib import cgi, fcgi_client
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
