"""End to end: a real nginx in front of fpmd, over a unix socket and TCP, with and
without FastCGI keep-alive (fastcgi_keep_conn on + upstream keepalive)."""

import hashlib
import os
import threading

import pytest

from lib import cgi
from lib.nginx import http_request

PAGE = """<?php
header('X-Script: ' . $_SERVER['SCRIPT_NAME']);
header('X-Pid: ' . getmypid());
echo 'hello ', ($_SERVER['PATH_INFO'] ?? '') ?: '-', ' ', $_GET['q'] ?? '-';
"""
FORM = """<?php
echo 'name=', $_POST['name'] ?? '', ' color=', $_POST['color'] ?? '';
"""
UPLOAD = """<?php
$f = $_FILES['file'] ?? null;
if (!$f || $f['error'] !== UPLOAD_ERR_OK) { http_response_code(400); echo 'error ', $f['error'] ?? 'none'; exit; }
echo $f['name'], ' ', $f['size'], ' ', md5_file($f['tmp_name']);
"""
BIG = "<?php echo str_repeat('0123456789abcdef', 65536);"  # 1 MiB


@pytest.fixture
def docroot(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.php").write_text(PAGE)
    (www / "form.php").write_text(FORM)
    (www / "upload.php").write_text(UPLOAD)
    (www / "big.php").write_text(BIG)
    os.chmod(tmp_path, 0o755)
    return www


PHP_INI = {"upload_max_filesize": "32M", "post_max_size": "34M"}


@pytest.fixture(params=["unix", "tcp"])
def site(request, fpmd_bin, fpm_factory, nginx_factory, docroot):
    fpm = fpm_factory(fpmd_bin, listen=request.param, pool={"pm.max_children": "3"},
                      ini_overrides=PHP_INI)
    nginx = nginx_factory(fpm.address, docroot, client_max_body_size="64m")
    return fpm, nginx


def test_get_and_path_info(site):
    _, nginx = site
    resp = nginx.get("/index.php?q=1")
    assert resp.status == 200, nginx.log()
    assert resp.text == "hello - 1"
    resp = nginx.get("/index.php/some/path?q=2")
    assert resp.status == 200
    assert resp.text == "hello /some/path 2"
    assert resp.header("X-Script") == "/index.php"


def test_post_form(site):
    _, nginx = site
    body, ctype = cgi.urlencoded({"name": "Ada Lovelace", "color": "blue&green"})
    resp = nginx.request("POST", "/form.php", body=body, headers={"Content-Type": ctype})
    assert resp.status == 200
    assert resp.text == "name=Ada Lovelace color=blue&green"


def test_ten_megabyte_upload(site):
    _, nginx = site
    data = os.urandom(10 * 1024 * 1024)
    body, ctype = cgi.multipart(files=[("file", "blob.bin", data, "application/octet-stream")])
    resp = nginx.request("POST", "/upload.php", body=body, headers={"Content-Type": ctype},
                         timeout=60)
    assert resp.status == 200, resp.text
    assert resp.text == f"blob.bin {len(data)} {hashlib.md5(data).hexdigest()}"


def test_one_megabyte_response(site):
    _, nginx = site
    resp = nginx.get("/big.php")
    assert resp.status == 200
    assert resp.body == b"0123456789abcdef" * 65536


def test_missing_script_is_404(site):
    _, nginx = site
    assert nginx.get("/missing.php").status == 404


def test_keepalive_to_fpmd(fpmd_bin, fpm_factory, nginx_factory, docroot):
    """fastcgi_keep_conn on: nginx reuses its FastCGI connections to fpmd."""
    fpm = fpm_factory(fpmd_bin, pool={"pm.max_children": "2"})
    nginx = nginx_factory(fpm.address, docroot, keep_conn=True, keepalive=4)
    pids = set()
    for i in range(20):
        resp = nginx.get(f"/index.php?q={i}")
        assert resp.status == 200, nginx.log()
        assert resp.text == f"hello - {i}"
        pids.add(int(resp.header("X-Pid")))
    assert pids <= set(fpm.children())
    # Bodies and big answers on kept connections too.
    conn = nginx.connection()
    try:
        for i in range(3):
            r = http_request(conn, "POST", f"/index.php?q={i}", body=b"x" * 200_000)
            assert r.status == 200 and r.text == f"hello - {i}"
        assert http_request(conn, "GET", "/big.php").body == b"0123456789abcdef" * 65536
    finally:
        conn.close()


def test_concurrent_clients_through_nginx(site):
    fpm, nginx = site
    failures = []

    def client(n):
        for i in range(15):
            resp = nginx.get(f"/index.php?q={n}-{i}")
            if resp.status != 200 or resp.text != f"hello - {n}-{i}":
                failures.append((resp.status, resp.text[:100]))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures[:3]
