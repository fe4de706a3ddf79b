"""Self-tests of the peer comparison (tests/lib/peer.py): php-fpm against php-fpm must
compare equal, and a real difference (another php.ini) must be caught."""

from pathlib import Path

import pytest

from lib import fcgi_client, peer
from lib.peer import Case
from lib.servers import DEFAULT_PHP_INI, FpmProcess

WWW = Path(__file__).resolve().parent.parent / "peer" / "www"

CASES = [
    Case("get", "/index.php", expect=b"Hello from fpm-fcgi"),
    Case("warnings", "/warn.php", expect=b"after", expect_stderr=b"PHP Warning"),
    Case("missing", "/nope.php", status=404, expect=b"File not found."),
    Case("session", "/session.php", expect=b"'id_len' => 32"),
    Case("server-vars", "/server.php/x", split=True, expect=b"'PATH_INFO' => '/x'"),
]


class FakeServer:
    def __init__(self, dir, pids):
        self.dir = dir
        self._pids = pids

    def known_pids(self):
        return self._pids


def test_scrub_normalises_only_what_legitimately_differs():
    server = FakeServer("/tmp/fpmt-abc", [4242, 77])
    data = (b"pid 4242 worker 77 port 14242 x77y /tmp/fpmt-abc/fpm.sock "
            b"/tmp/phpAb3dE9 PHPSESSID=0123abcdef; path=/")
    assert peer.scrub(data, server) == (b"pid @PID@ worker @PID@ port 14242 x@PID@y "
                                        b"@SERVERDIR@/fpm.sock /tmp/phpXXXXXX "
                                        b"PHPSESSID=@SID@; path=/")


def test_diff_names_the_field():
    resp = fcgi_client.Response(stdout=b"Status: 201 Created\r\nX-A: 1\r\n\r\nbody",
                                app_status=0, protocol_status=0)
    other = fcgi_client.Response(stdout=b"X-A: 1\r\n\r\nbody", app_status=0,
                                 protocol_status=0)
    server = FakeServer("/nonexistent", [])
    text = peer.diff(peer.outcome(resp, server), peer.outcome(other, server))
    assert "--- status differs" in text and "--- headers differs" in text
    assert "body differs" not in text


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    path = tmp_path_factory.mktemp("peer_self")
    (path / "sessions").mkdir()
    return path


def _server(binary, tmp, php_ini=None):
    return FpmProcess(binary, php_ini=php_ini,
                      ini_overrides={"session.save_path": str(tmp / "sessions")})


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_php_fpm_matches_itself(php_fpm_bin, tmp, case):
    with _server(php_fpm_bin, tmp) as a, _server(php_fpm_bin, tmp) as b:
        peer.compare_case(a, b, case, WWW, tmp)


def test_a_different_php_ini_is_caught(php_fpm_bin, tmp):
    other_ini = tmp / "other.ini"
    other_ini.write_text(DEFAULT_PHP_INI.read_text() + "\nexpose_php = Off\n")
    with _server(php_fpm_bin, tmp) as a, _server(php_fpm_bin, tmp, other_ini) as b:
        with pytest.raises(AssertionError, match="headers differs"):
            peer.compare_case(a, b, CASES[0], WWW, tmp)


def test_a_different_body_is_caught(php_fpm_bin, tmp):
    other_ini = tmp / "other2.ini"
    other_ini.write_text(DEFAULT_PHP_INI.read_text() + "\ndisplay_errors = On\n")
    with _server(php_fpm_bin, tmp) as a, _server(php_fpm_bin, tmp, other_ini) as b:
        with pytest.raises(AssertionError, match="body differs"):
            peer.compare_case(a, b, CASES[1], WWW, tmp)
