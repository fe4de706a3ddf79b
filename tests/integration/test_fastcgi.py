"""The FastCGI protocol as fpmd speaks it to a real client: keep-alive, management
records, multiplexing refusal, aborts, malformed input, and libfcgi's cgi-fcgi."""

import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

from lib import cgi, fcgi_client as fc, procs
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "pid.php").write_text("<?php echo getmypid();")
    (tmp_path / "echo.php").write_text("<?php echo file_get_contents('php://input');")
    (tmp_path / "big.php").write_text("<?php echo str_repeat('x', 1 << 20);")
    (tmp_path / "abort.php").write_text(
        "<?php ignore_user_abort(true); $f = $_GET['f'];"
        "for ($i = 0; $i < 200; $i++) { echo str_repeat('y', 8192); flush(); usleep(5000); }"
        "file_put_contents($f, connection_aborted() ? 'aborted' : 'not aborted');")
    os.chmod(tmp_path, 0o755)
    return tmp_path


@pytest.fixture
def fpm(fpmd_bin):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "1"}) as server:
        server.wait_for_children(1)
        yield server


def params(docroot, uri="/pid.php", **kw):
    return cgi.cgi_params(uri, docroot, **kw)


def wait_for_flag(flag, timeout=20):
    """What abort.php wrote into flag once its loop ended. file_put_contents() creates the
    file before it writes, so an empty file is a write still under way."""
    return procs.wait_until(lambda: flag.exists() and flag.read_text(), timeout,
                            what=f"abort.php's result in {flag}")


def test_keep_conn_serves_several_requests(fpm, docroot):
    with fpm.connection() as conn:
        bodies = [conn.request(params(docroot), keep_conn=True).body for _ in range(5)]
    assert len(set(bodies)) == 1
    assert all(b.isdigit() for b in bodies)


def test_without_keep_conn_the_server_closes(fpm, docroot):
    with fpm.connection() as conn:
        resp = conn.request(params(docroot))
        assert resp.complete and resp.protocol_status == fc.REQUEST_COMPLETE
        assert conn.read_record(timeout=5) is None


def test_a_request_read_to_its_end_is_closed_at_once(fpm, docroot):
    """PHP-FPM shuts its half down and waits for the web server's close. A request whose
    stdin has ended leaves nothing unread for a reset, so the worker closes at once and is
    free: its end is gone, not half-closed, when the client sees the end of the stream."""
    with fpm.connection() as conn:
        resp = conn.request(params(docroot))
        assert resp.complete
        assert conn.read_record(timeout=5) is None
        with pytest.raises(BrokenPipeError):
            conn.send_raw(b"x")


@pytest.mark.parametrize("size", [256 << 10, 4 << 20])
def test_unread_body_over_tcp_still_gets_the_whole_response(fpmd_bin, docroot, size):
    """A script that never reads a large body: the worker cannot see its end, so it
    closes gracefully (shutdown, drain) and the response is not lost to a reset."""
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "1"}, listen="tcp") as server:
        body = os.urandom(size)
        p = params(docroot, "/big.php", method="POST", body=body,
                   content_type="application/octet-stream")
        for _ in range(3):
            resp = server.request(p, body)
            assert resp.complete and resp.body == b"x" * (1 << 20)


def test_get_values(fpm):
    with fpm.connection() as conn:
        values = conn.get_values()
    assert values == {"FCGI_MAX_CONNS": "1", "FCGI_MAX_REQS": "1", "FCGI_MPXS_CONNS": "0"}


def test_unknown_management_type(fpm):
    with fpm.connection() as conn:
        conn.send_raw(fc.encode_record(99, 0, b""))
        rec = conn.read_record()
    assert rec.type == fc.UNKNOWN_TYPE
    assert rec.content[0] == 99


def test_second_request_id_is_refused(fpm, docroot):
    with fpm.connection() as conn:
        conn.send_raw(fc.encode_record(fc.BEGIN_REQUEST, 1, fc.begin_request_body(keep_conn=True)))
        conn.send_raw(fc.encode_record(fc.BEGIN_REQUEST, 2, fc.begin_request_body(keep_conn=True)))
        rec = conn.read_record()
        assert rec.type == fc.END_REQUEST and rec.request_id == 2
        assert struct.unpack(">IB3x", rec.content)[1] == fc.CANT_MPX_CONN
        conn.send_raw(fc.encode_stream(fc.PARAMS, 1, fc.encode_pairs(params(docroot))))
        conn.send_stdin(1, b"")
        resp = conn.read_response(1)
    assert resp.status == 200 and resp.body.isdigit()


def test_unknown_role_is_refused(fpm, docroot):
    with fpm.connection() as conn:
        conn.send_raw(fc.encode_record(fc.BEGIN_REQUEST, 1, fc.begin_request_body(role=fc.FILTER)))
        rec = conn.read_record()
    assert rec.type == fc.END_REQUEST
    assert struct.unpack(">IB3x", rec.content)[1] == fc.UNKNOWN_ROLE


def test_params_and_stdin_in_tiny_records(fpm, docroot):
    body = b"a" * 5000
    with fpm.connection() as conn:
        resp = conn.request(params(docroot, "/echo.php", method="POST", body=body,
                                   content_type="application/octet-stream"),
                            body, params_chunk=7, stdin_chunk=3)
    assert resp.body == body


def test_large_response_and_body(fpm, docroot):
    resp = fpm.request(params(docroot, "/big.php"))
    assert resp.body == b"x" * (1 << 20)
    body = os.urandom(3 << 20)
    resp = fpm.request(params(docroot, "/echo.php", method="POST", body=body,
                              content_type="application/octet-stream"), body)
    assert resp.body == body


@pytest.mark.parametrize("garbage", [
    b"\x02\x01\x00\x01\x00\x08\x00\x00" + b"\x00" * 8,            # version 2
    b"\x01\x04\x00\x01\x00\x08\x00\x00" + b"\x7f\xff\xff\xff" * 2,  # PARAMS before BEGIN
    b"\x01\x01\x00\x01\x00\x08\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    b"\x01\x04\x00\x01\x00\x04\x00\x00\x80\x00\x00\x05",             # truncated 4-byte length
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",                              # not FastCGI at all
])
def test_malformed_input_closes_only_that_connection(fpm, docroot, garbage):
    worker = fpm.wait_for_children(1)[0]
    with fpm.connection() as conn:
        conn.send_raw(garbage)
        conn.send_raw(fc.encode_record(fc.PARAMS, 1, b""))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                rec = conn.read_record(timeout=5)
            except (fc.FcgiError, ConnectionError):
                break
            if rec is None or rec.type == fc.END_REQUEST:
                break
    # The same worker goes on serving.
    assert fpm.request(params(docroot)).body == str(worker).encode()
    assert fpm.children() == [worker]


def test_client_gone_mid_request_frees_the_worker(fpm, docroot, tmp_path):
    flag = tmp_path / "abort-result"
    conn = fc.FcgiConnection(fpm.address)
    conn.send_request(params(docroot, f"/abort.php?f={flag}"))
    conn.read_record()  # the script is running and streaming
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # reset
    assert wait_for_flag(flag) == "aborted"
    assert fpm.request(params(docroot)).status == 200


def test_abort_record(fpm, docroot, tmp_path):
    flag = tmp_path / "abort-record-result"
    with fpm.connection() as conn:
        rid = conn.send_request(params(docroot, f"/abort.php?f={flag}"), keep_conn=True)
        conn.read_record()
        conn.abort(rid)
        deadline = time.monotonic() + 20
        while not flag.exists() and time.monotonic() < deadline:
            try:
                if conn.read_record(timeout=1) is None:
                    break
            except (TimeoutError, fc.FcgiError, ConnectionError):
                pass
    assert wait_for_flag(flag) == "aborted"
    assert fpm.request(params(docroot)).status == 200


@pytest.mark.skipif(shutil.which("cgi-fcgi") is None, reason="libfcgi-bin not installed")
def test_libfcgi_cgi_fcgi_client(fpm, docroot):
    env = {k: str(v) for k, v in params(docroot, "/pid.php?x=1")}
    done = subprocess.run(["cgi-fcgi", "-bind", "-connect", fpm.listen], env=env,
                          capture_output=True, timeout=20)
    assert done.returncode == 0
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    assert b"Content-type: text/html; charset=UTF-8" in head
    assert body == str(fpm.children()[0]).encode()
