"""Self-test of tests/lib/nginx.py: a real nginx in front of Debian's php-fpm8.2."""

import pytest

from lib.nginx import http_request

PAGE = ("<?php header('X-Script: ' . $_SERVER['SCRIPT_NAME']);\n"
        "echo 'hello ', ($_SERVER['PATH_INFO'] ?? '') ?: '-', ' ', $_GET['q'] ?? '-', ' ',"
        " strlen(file_get_contents('php://input'));")


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "index.php").write_text(PAGE)
    return tmp_path


@pytest.mark.parametrize("keep_conn", [False, True])
@pytest.mark.parametrize("listen", ["unix", "tcp"])
def test_nginx_to_php_fpm(php_fpm_bin, fpm_factory, nginx_factory, docroot, keep_conn,
                          listen):
    fpm = fpm_factory(php_fpm_bin, listen=listen)
    nginx = nginx_factory(fpm.address, docroot, keep_conn=keep_conn)
    resp = nginx.get("/index.php/a/b?q=1")
    assert resp.status == 200, nginx.log()
    assert resp.text == "hello /a/b 1 0"
    assert resp.header("X-Script") == "/index.php"
    assert resp.header("X-Powered-By", "").startswith("PHP/")

    conn = nginx.connection()
    try:
        for i in range(3):  # several requests on one client connection
            r = http_request(conn, "POST", f"/index.php?q={i}", body=b"x" * 100_000)
            assert r.text == f"hello - {i} 100000"
    finally:
        conn.close()
    assert nginx.get("/missing.php").status == 404
    assert '"GET /index.php/a/b?q=1 HTTP/1.1" 200' in nginx.access_log_text()
