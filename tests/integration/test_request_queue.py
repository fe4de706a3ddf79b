"""request_queue_timeout: the master queues a pool's connections in arrival order (new
ones and kept ones whose next request came), hands the oldest to each worker that becomes
free, and answers 503 with Retry-After, logged and counted, for a request that waited
longer than the timeout. A worker is held busy by a script that waits for a flag file
the test creates, so no step depends on timing."""

import json
import os
import signal
import threading

import pytest

from lib import cgi, fcgi_client, procs
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "block.php").write_text(
        "<?php $f = $_GET['f']; touch($f . '.started');"
        "$t = microtime(true);"
        "while (!file_exists($f) && microtime(true) - $t < 30) usleep(5000);"
        "echo 'done';")
    (root / "order.php").write_text(
        "<?php file_put_contents($_GET['log'], $_GET['id'] . \"\\n\", FILE_APPEND);"
        "echo $_GET['id'];")
    (root / "hello.php").write_text("<?php echo 'hello';")
    os.chmod(tmp_path, 0o755)
    os.chmod(root, 0o755)
    return root


def start(fpmd_bin, tmp_path, timeout_s):
    status_sock = tmp_path / "status.sock"
    server = FpmProcess(fpmd_bin, pool={
        "pm": "static", "pm.max_children": "1", "request_queue_timeout": str(timeout_s),
        "pm.status_path": "/status", "pm.status_listen": str(status_sock)}).start()
    server.status_sock = str(status_sock)
    server.wait_for_children(1)
    return server


def pool_status(server, docroot):
    """The pool's JSON status, from the master's own status socket (workers are busy)."""
    resp = fcgi_client.request(server.status_sock, cgi.cgi_params("/status?json&fpmd", docroot),
                               timeout=5)
    return json.loads(resp.body)


class Blocker:
    """A request that holds the pool's one worker until release()."""

    def __init__(self, server, docroot, flag):
        self.flag = flag
        self.result = {}
        params = cgi.cgi_params(f"/block.php?f={flag}", docroot)
        self.thread = threading.Thread(
            target=lambda: self.result.update(resp=server.request(params, timeout=40)))
        self.thread.start()
        procs.wait_until(lambda: os.path.exists(f"{flag}.started"), 20, what="block.php running")

    def release(self):
        open(self.flag, "w").close()
        self.thread.join(40)
        return self.result["resp"]


def test_a_request_that_waits_too_long_is_answered_503(fpmd_bin, docroot, tmp_path):
    server = start(fpmd_bin, tmp_path, 1)
    try:
        blocker = Blocker(server, docroot, tmp_path / "flag")
        late = server.request(cgi.cgi_params("/hello.php", docroot), timeout=20)
        assert late.status == 503, late.text
        assert late.header("Retry-After") == "1"
        assert "request_queue_timeout" in late.text
        server.wait_for_log(r"\[pool www\] 1 request\(s\) waited 1s \(request_queue_timeout\) "
                            r"without a free worker and were answered 503")
        status = pool_status(server, docroot)
        assert status["queue timeouts"] == 1, status
        assert blocker.release().body == b"done"
        # The worker is free again: the next request is served.
        assert server.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
        assert pool_status(server, docroot)["queue timeouts"] == 1
    finally:
        server.stop()


def send_only(server, docroot, log, request_id, conn=None, keep_conn=False):
    conn = conn or server.connection(timeout=40)
    conn.send_request(cgi.cgi_params(f"/order.php?id={request_id}&log={log}", docroot),
                      keep_conn=keep_conn)
    return conn


def test_waiting_requests_are_served_in_arrival_order(fpmd_bin, docroot, tmp_path):
    """New connections and a kept one whose next request came between them are served
    in the order their requests arrived (without the queue a worker takes from the listen
    backlog and the kept connections in turn)."""
    server = start(fpmd_bin, tmp_path, 60)
    log = tmp_path / "order.log"
    try:
        kept = server.connection(timeout=40)
        first = kept.request(cgi.cgi_params(f"/order.php?id=K0&log={log}", docroot),
                             keep_conn=True)
        assert first.body == b"K0"
        blocker = Blocker(server, docroot, tmp_path / "flag")
        waiting = []

        def queued(n):
            procs.wait_until(lambda: pool_status(server, docroot)["listen queue"] == n, 10,
                             what=f"{n} request(s) in the master's queue")

        waiting.append(("N1", send_only(server, docroot, log, "N1")))
        queued(1)
        waiting.append(("N2", send_only(server, docroot, log, "N2")))
        queued(2)
        waiting.append(("K1", send_only(server, docroot, log, "K1", conn=kept, keep_conn=True)))
        queued(3)
        waiting.append(("N3", send_only(server, docroot, log, "N3")))
        queued(4)
        assert blocker.release().body == b"done"
        for name, conn in waiting:
            assert conn.read_response().body == name.encode()
        assert log.read_text().split() == ["K0", "N1", "N2", "K1", "N3"]
        for _, conn in waiting:
            conn.close()
        assert pool_status(server, docroot)["queue timeouts"] == 0
    finally:
        server.stop()


def test_queued_requests_survive_a_reload(fpmd_bin, docroot, tmp_path):
    """USR2 while requests wait in the master's queue: the next master takes them over and
    its workers serve them; none is lost."""
    server = start(fpmd_bin, tmp_path, 60)
    log = tmp_path / "order.log"
    try:
        blocker = Blocker(server, docroot, tmp_path / "flag")
        conns = []
        for i in range(3):
            conns.append(send_only(server, docroot, log, f"N{i}"))
            procs.wait_until(lambda: pool_status(server, docroot)["listen queue"] == i + 1, 10,
                             what="queued")
        mark = len(server.log())
        server.send_signal(signal.SIGUSR2)
        server.wait_for_log(r"Reloading in progress", start=mark)
        assert blocker.release().body == b"done"
        for i, conn in enumerate(conns):
            assert conn.read_response().body == f"N{i}".encode()
            conn.close()
        assert sorted(log.read_text().split()) == ["N0", "N1", "N2"]
    finally:
        server.stop()
