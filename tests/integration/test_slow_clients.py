"""Slow or stalled FastCGI clients (slowloris) cost their own connection, not a worker:
a request must arrive whole within request_read_timeout, or its connection is closed."""

import os
import socket
import threading
import time

import pytest

from lib import cgi, fcgi_client
from lib.servers import FpmProcess

POOL = {"pm": "static", "pm.max_children": "4", "request_read_timeout": "1s",
        "catch_workers_output": "yes"}


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


def half_a_request(docroot):
    """BEGIN_REQUEST and the first half of a PARAMS record."""
    params = fcgi_client.encode_record(fcgi_client.PARAMS, 1, fcgi_client.encode_pairs(
        cgi.cgi_params("/hello.php", docroot)))
    return fcgi_client.encode_record(fcgi_client.BEGIN_REQUEST, 1, b"\0\1\0\0\0\0\0\0"), params


class Trickler:
    """Sends part of a request, then one byte every 100 ms until the server closes."""

    def __init__(self, address, begin, params):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(address)
        self.sock.sendall(begin + params[:5])
        self.rest = params[5:]
        self.closed_by_server = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.sock.settimeout(0.1)
        deadline = time.monotonic() + 20
        for byte in self.rest:
            if time.monotonic() > deadline:
                return
            try:
                if self.sock.recv(1) == b"":
                    break
            except socket.timeout:
                pass
            except OSError:
                break
            try:
                self.sock.send(bytes([byte]))
            except OSError:
                break
        else:
            return  # the whole request went through: not what this client is for
        self.closed_by_server.set()

    def close(self):
        self.sock.close()
        self.thread.join(5)


def test_slowloris_cannot_pin_the_pool(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool=POOL) as fpm:
        fpm.wait_for_children(4)
        begin, params = half_a_request(docroot)
        slow = [Trickler(fpm.address, begin, params) for _ in range(5)]
        try:
            # Every worker holds a slow client now (and one waits in the queue). The
            # normal request is answered once the first ones are cut off.
            started = time.monotonic()
            resp = fpm.request(cgi.cgi_params("/hello.php", docroot), timeout=15)
            assert resp.body == b"hello"
            assert time.monotonic() - started < 10
            for client in slow:
                assert client.closed_by_server.wait(10)
            fpm.wait_for_log(r"request not complete within 1s \(request_read_timeout\)")
            assert sorted(fpm.children()) == sorted(fpm.wait_for_children(4))
        finally:
            for client in slow:
                client.close()


def test_a_connection_that_sends_nothing_is_closed(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool=dict(POOL, **{"pm.max_children": "1"})) as fpm:
        worker = fpm.wait_for_children(1)[0]
        with socket.socket(socket.AF_UNIX) as idle:
            idle.connect(fpm.address)
            idle.settimeout(10)
            assert idle.recv(1) == b""  # closed by the worker, not by us
        assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
        assert fpm.children() == [worker]


def test_without_a_limit_a_stalled_client_holds_its_worker(fpmd_bin, docroot):
    """request_read_timeout = 0 is PHP-FPM's behaviour: the worker waits as long as the
    client likes (here: until the client gives up)."""
    pool = dict(POOL, **{"pm.max_children": "1", "request_read_timeout": "0"})
    with FpmProcess(fpmd_bin, pool=pool) as fpm:
        fpm.wait_for_children(1)
        begin, params = half_a_request(docroot)
        with socket.socket(socket.AF_UNIX) as stalled:
            stalled.connect(fpm.address)
            stalled.sendall(begin + params[:5])
            with pytest.raises(TimeoutError):
                fpm.request(cgi.cgi_params("/hello.php", docroot), timeout=1.5)
        assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
