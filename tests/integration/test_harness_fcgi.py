"""Self-tests of tests/lib/fcgi_client.py and cgi.py: the codec alone, then against
Debian's php-fpm8.2 (the reference the client must interoperate with)."""

import hashlib
import struct

import pytest

from lib import cgi, fcgi_client
from lib.servers import FpmProcess

SCRIPTS = {
    "echo.php": "<?php header('X-Len: ' . strlen(file_get_contents('php://input')));\n"
                "echo md5(file_get_contents('php://input'));",
    "env.php": "<?php echo $_SERVER[$_GET['k']] ?? '<unset>';",
    "status.php": "<?php http_response_code(418); echo 'teapot';",
    "warn.php": "<?php trigger_error('careful', E_USER_WARNING); echo 'ok';",
}


@pytest.fixture(scope="module")
def docroot(tmp_path_factory):
    root = tmp_path_factory.mktemp("harness_www")
    for name, text in SCRIPTS.items():
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def fpm(php_fpm_bin):
    server = FpmProcess(php_fpm_bin).start()
    yield server
    server.stop()


def test_pair_lengths_switch_to_four_bytes_at_128():
    short = fcgi_client.encode_pairs([("A", "x" * 127)])
    assert short[:2] == bytes([1, 127])
    long = fcgi_client.encode_pairs([("A", "x" * 128)])
    assert long[0] == 1 and struct.unpack(">I", long[1:5])[0] == 0x80000080
    pairs = [("N" * 300, "v" * 70000), ("k", ""), ("", "empty-name")]
    assert fcgi_client.decode_pairs(fcgi_client.encode_pairs(pairs)) == pairs


def test_stream_is_split_into_records_and_terminated():
    data = fcgi_client.encode_stream(fcgi_client.STDIN, 7, b"a" * 70000)
    header = fcgi_client.HEADER
    lengths = []
    pos = 0
    while pos < len(data):
        _, rtype, rid, clen, plen = header.unpack_from(data, pos)
        assert (rtype, rid) == (fcgi_client.STDIN, 7)
        lengths.append(clen)
        pos += header.size + clen + plen
    assert lengths == [65535, 70000 - 65535, 0]


def test_response_parsing_of_status_and_headers():
    resp = fcgi_client.Response(stdout=b"Status: 404 Not Found\r\nX-A: 1\r\nX-A: 2\r\n\r\nbody")
    assert resp.status == 404
    assert resp.headers == [("Status", "404 Not Found"), ("X-A", "1"), ("X-A", "2")]
    assert resp.header_values("x-a") == ["1", "2"] and resp.body == b"body"
    assert fcgi_client.Response(stdout=b"X-B: 1\r\n\r\n").status == 200


def test_cgi_params_follow_nginx(docroot):
    params = dict(cgi.cgi_params("/env.php/a%20b/c?x=1", docroot, split_path_info=True,
                                 headers={"User-Agent": "t", "X-Foo-Bar": "baz"}))
    assert params["SCRIPT_NAME"] == "/env.php"
    assert params["PATH_INFO"] == "/a b/c"
    assert params["SCRIPT_FILENAME"] == f"{docroot}/env.php"
    assert params["REQUEST_URI"] == "/env.php/a%20b/c?x=1"
    assert params["QUERY_STRING"] == "x=1"
    assert params["CONTENT_LENGTH"] == "" and params["CONTENT_TYPE"] == ""
    assert params["HTTP_USER_AGENT"] == "t" and params["HTTP_X_FOO_BAR"] == "baz"


def test_simple_request(fpm, docroot):
    resp = fpm.request(cgi.cgi_params("/status.php", docroot))
    assert resp.status == 418 and resp.body == b"teapot"
    assert resp.protocol_status == fcgi_client.REQUEST_COMPLETE and resp.app_status == 0
    assert resp.header("Content-type", "").startswith("text/html")


def test_stderr_stream_is_separate(fpm, docroot):
    resp = fpm.request(cgi.cgi_params("/warn.php", docroot))
    assert resp.body == b"ok"
    assert b"PHP Warning:  careful in" in resp.stderr


@pytest.mark.parametrize("size,chunk", [(0, 65535), (1, 65535), (200_000, 65535),
                                        (100_000, 1000)])
def test_stdin_of_any_size(fpm, docroot, size, chunk):
    body = bytes(i % 251 for i in range(size))
    resp = fpm.request(cgi.cgi_params("/echo.php", docroot, method="POST", body=body,
                                      content_type="application/octet-stream"),
                       body, stdin_chunk=chunk)
    assert resp.header("X-Len") == str(size)
    assert resp.body.decode() == hashlib.md5(body).hexdigest()


def test_long_param_values_use_four_byte_lengths(fpm, docroot):
    value = "v" * 5000
    resp = fpm.request(cgi.cgi_params("/env.php?k=HTTP_X_LONG", docroot,
                                      headers={"X-Long": value}))
    assert resp.body.decode() == value


def test_several_requests_on_one_kept_alive_connection(fpm, docroot):
    with fpm.connection() as conn:
        for i in range(5):
            resp = conn.request(cgi.cgi_params(f"/env.php?k=QUERY_STRING&i={i}", docroot),
                                keep_conn=True)
            assert resp.body.decode() == f"k=QUERY_STRING&i={i}"


def test_without_keep_conn_the_server_closes(fpm, docroot):
    with fpm.connection() as conn:
        conn.request(cgi.cgi_params("/status.php", docroot))
        assert conn.read_record(timeout=5) is None


def test_get_values(fpm):
    with fpm.connection() as conn:
        values = conn.get_values()
    assert values.get("FCGI_MPXS_CONNS") == "0"


def test_raw_garbage_gets_the_connection_closed(fpm):
    with fpm.connection(timeout=5) as conn:
        conn.send_raw(b"\x07" * 64)  # version 7: not FastCGI
        try:
            assert conn.read_record() is None
        except ConnectionResetError:
            pass  # closed with our bytes unread: the kernel sends RST


def test_a_silent_server_times_out_instead_of_hanging(fpm, docroot):
    with fpm.connection(timeout=0.5) as conn:
        conn.send_request(cgi.cgi_params("/echo.php", docroot, method="POST", body=b"xx"),
                          close_stdin=False)  # the server waits for the rest of stdin
        with pytest.raises((TimeoutError, OSError)):
            conn.read_response()
