"""The same requests to Debian's php-fpm8.2 and to the candidate (fpmd): everything
PHP-visible must match (see lib/peer.py for the only normalisations).

Each case also asserts a fact about the reference's answer, so that a case cannot pass
by both servers failing the same way.
"""

import dataclasses
import json
import os

import pytest

from lib import cgi, fcgi_client, peer
from lib.peer import Case

MB = 1024 * 1024


def urlenc(fields):
    return cgi.urlencoded(fields)


def multipart(fields=None, files=None):
    return cgi.multipart(fields, files)


def C(id, uri, **kw):
    body_ct = kw.pop("form", None)
    if body_ct is not None:
        kw["body"], kw["content_type"] = body_ct
        kw.setdefault("method", "POST")
    return Case(id, uri, **kw)


SMALL_FILE = b"hello upload\n" * 10
BIG_FILE = bytes(range(256)) * (MB // 256)
JSON_BODY = json.dumps({"name": "fpmd", "list": [1, 2, 3], "nested": {"ok": True},
                        "unicode": "é🐘"}).encode()

CASES = [
    # --- methods -------------------------------------------------------------------------
    C("get", "/index.php", expect=b"Hello from fpm-fcgi"),
    C("head", "/method.php", method="HEAD"),
    C("post-form", "/method.php", form=urlenc({"a": "1", "b": "two words"}), expect=b"POST"),
    C("put-body", "/method.php", method="PUT", body=b"put payload " * 100,
      content_type="text/plain", expect=b"PUT 1200"),
    C("delete", "/method.php?id=7", method="DELETE", expect=b"DELETE 0"),
    C("options", "/method.php", method="OPTIONS", expect=b"OPTIONS"),
    C("patch-json", "/method.php", method="PATCH", body=JSON_BODY,
      content_type="application/json", expect=b"PATCH"),
    # --- query strings and forms ------------------------------------------------------------
    C("query-arrays", "/dump.php?a[]=1&a[]=2&m[x][y]=3&m[x][]=4&plain=p", expect=b"'plain'"),
    C("query-encoded", "/dump.php?name=%C3%A9t%C3%A9&sp=a+b&amp=%26%3D%3F&empty=&flag",
      expect=b"\xc3\xa9t\xc3\xa9"),
    C("query-dots-spaces", "/dump.php?a.b=1&c%20d=2&e[f.g]=3", expect=b"'a_b'"),
    C("post-urlencoded-arrays", "/dump.php?q=1",
      form=urlenc([("x[]", "1"), ("x[]", "2"), ("k[a]", "b"), ("utf", "ünïcödé")]),
      expect=b"'POST'"),
    C("request-order", "/dump.php?same=get&g=1", form=urlenc({"same": "post", "p": "1"}),
      headers=[("Cookie", "same=cookie; c=1")], expect=b"'REQUEST'"),
    C("max-input-vars", "/dump.php", form=urlenc({f"v{i}": "x" for i in range(250)}),
      expect_stderr=b"Input variables exceeded 200"),
    C("post-max-size", "/dump.php", form=urlenc({"big": "x" * 5000}),
      extra=[("PHP_VALUE", "post_max_size=1K")], expect_stderr=b"exceeds the limit"),
    # --- uploads ----------------------------------------------------------------------------
    C("upload-small", "/upload.php",
      form=multipart({"title": "small"}, [("doc", "a.txt", SMALL_FILE, "text/plain")]),
      expect=b"'uploaded' => true"),
    C("upload-1mb", "/upload.php",
      form=multipart({"t": "big"}, [("bin", "big.bin", BIG_FILE, "application/octet-stream")]),
      expect=b"'size' => 1048576"),
    C("upload-multiple", "/upload.php",
      form=multipart(None, [("f[]", "one.txt", b"1", "text/plain"),
                            ("f[]", "two.txt", b"22", "text/plain"),
                            ("f[]", "", b"", None)]), expect=b"'two.txt'"),
    C("upload-too-large", "/upload.php",
      form=multipart(None, [("f", "big.bin", BIG_FILE, None)]),
      extra=[("PHP_VALUE", "upload_max_filesize=100K")], expect=b"'error' => 1"),
    # --- bodies and headers -----------------------------------------------------------------
    C("php-input-json", "/input.php", method="POST", body=JSON_BODY,
      content_type="application/json", expect=b'"same":true'),
    C("php-input-chunked-1byte", "/input.php", method="POST", body=JSON_BODY,
      content_type="application/json", stdin_chunk=1, expect=b'"same":true'),
    C("params-pair-per-record", "/server.php?x=1", pair_per_record=True,
      expect=b"'QUERY_STRING'"),
    C("cookies", "/dump.php", headers=[("Cookie", "a=1; b=two%20words; arr[k]=v; a=dup")],
      expect=b"'COOKIE'"),
    C("request-headers", "/headers.php",
      headers=[("User-Agent", "peer/1.0"), ("Accept", "*/*"), ("X-Custom-Thing", "v1"),
               ("Accept-Language", "fr-CH, fr;q=0.9"), ("X-Long", "L" * 3000)],
      expect=b"X-Custom-Thing"),
    C("basic-auth", "/headers.php", headers=[("Authorization", "Basic dXNlcjpwYXNzOndvcmQ=")],
      expect=b"'pass:word'"),
    C("utf8", "/utf8.php?q=%E6%97%A5%E6%9C%AC", expect="日本語".encode()),
    # --- responses --------------------------------------------------------------------------
    C("status-201", "/respond.php?code=201", status=201),
    C("status-404", "/respond.php?code=404", status=404),
    C("status-500", "/respond.php?code=500", status=500),
    C("status-503", "/respond.php?code=503&h[]=Retry-After:%2030", status=503),
    C("status-line-custom", "/respond.php?status_line=HTTP/1.1%20404%20Gone%20Away",
      status=404),
    C("status-unknown-code", "/respond.php?code=299", status=299),
    # PHP-FPM builds the status line in 1024 bytes: a longer one is cut to 1023.
    C("status-line-long", "/respond.php?status_line=HTTP/1.1%20404%20" + "z" * 2000, status=404,
      expect=b"code=404"),
    # With cgi.rfc2616_headers the line goes out as "HTTP/1.1 404 ..." (no Status header, so
    # the client reads 200), cut to 1023 as well.
    C("status-line-long-rfc2616", "/respond.php?status_line=HTTP/1.1%20404%20" + "z" * 2000,
      status=200, extra=[("PHP_VALUE", "cgi.rfc2616_headers=1")], expect=b"code=404"),
    # A Status: header the script sets itself goes out whole.
    C("status-header-long", "/respond.php?h[]=Status:%20404%20" + "y" * 2000, status=404,
      expect=b"code=200"),
    C("custom-headers", "/respond.php?h[]=X-One:%201&h[]=X-One:%202&h[]=X-Two:%20two",
      expect=b"X-Two"),
    C("content-type-json", "/respond.php?ct=application/json", expect=b"application/json"),
    C("content-type-no-charset", "/respond.php?ct=text/plain", expect=b"text/plain"),
    C("header-remove-one", "/respond.php?h[]=X-Gone:%201&h[]=X-Kept:%201&remove=X-Gone",
      expect=b"X-Kept"),
    C("header-remove-all", "/respond.php?h[]=X-Gone:%201&remove=*"),
    C("redirect-302", "/redirect.php", status=302),
    C("redirect-301", "/redirect.php?perm=1", status=301),
    C("redirect-201-kept", "/redirect.php?created=1", status=201),
    C("setcookie", "/cookie.php", headers=[("Cookie", "in=1")], expect=b"'in'"),
    C("session", "/session.php", expect=b"'id_len' => 32"),
    C("session-existing", "/session.php",
      headers=[("Cookie", "PHPSESSID=peerfixedsessionid0123456789abcd")],
      expect=b"'from_cookie' => true"),
    C("headers-sent", "/sent.php", expect=b"sent.php", expect_stderr=b"Cannot modify header"),
    # --- errors and exits -------------------------------------------------------------------
    C("warnings", "/warn.php", expect=b"after", expect_stderr=b"PHP message: PHP Warning:  "),
    C("display-errors-on", "/warn.php", extra=[("PHP_VALUE", "display_errors=On")],
      expect=b"Warning: Undefined variable"),
    C("display-errors-html", "/warn.php",
      extra=[("PHP_VALUE", "display_errors=On\nhtml_errors=On")], expect=b"<b>Warning</b>"),
    C("display-errors-stderr", "/warn.php", extra=[("PHP_VALUE", "display_errors=stderr")]),
    C("fatal-undefined-function", "/fatal.php", status=500,
      expect_stderr=b"Call to undefined function"),
    C("fatal-after-output", "/fatal.php?out=1", expect=b"some output first"),
    C("fatal-displayed", "/fatal.php", extra=[("PHP_VALUE", "display_errors=1")],
      expect=b"Fatal error"),
    C("uncaught-exception", "/exception.php", status=500, expect_stderr=b"PeerException"),
    C("user-error", "/usererror.php", expect_stderr=b"user fatal"),
    C("exit-0", "/exit.php?v=0", expect=b"[shutdown]"),
    C("exit-3", "/exit.php?v=3", expect=b"before-exit"),
    C("exit-text", "/exit.php?v=goodbye", expect=b"goodbye"),
    C("error-log", "/errorlog.php", expect_stderr=b"PHP message: plain message"),
    C("shutdown-functions", "/shutdown.php", expect=b"nested shutdown"),
    C("cwd", "/cwd.php", expect=b"script: script dir\nrelative: found\nshutdown: elsewhere"),
    C("cwd-after-chdir", "/cwd.php?chdir=1", expect=b"after chdir: /tmp\nshutdown: elsewhere"),
    C("cwd-after-fatal", "/cwd.php?chdir=1&fatal=1", expect=b"shutdown: elsewhere"),
    # --- output -----------------------------------------------------------------------------
    C("output-buffering", "/ob.php", expect=b"[level1 LEVEL2 2 ]"),
    C("output-buffering-ini", "/ob.php", extra=[("PHP_VALUE", "output_buffering=4096")]),
    C("large-1mb", "/big.php?kb=1024", expect=b"<1048576 bytes"),
    C("large-5mb-odd-pieces", "/big.php?kb=5120&piece=100003", expect=b"<5242880 bytes"),
    C("empty-script", "/empty.php"),
    C("zero-byte-script", "/zero.php"),
    C("bom", "/bom.php", expect=b"\xef\xbb\xbfafter bom"),
    C("short-tags-off", "/shorttag.php", expect=b"<? echo"),
    C("short-tags-on", "/shorttag.php", extra=[("PHP_VALUE", "short_open_tag=On")]),
    C("finish-request", "/finish.php?marker={tmp}/marker", marker=True,
      expect=b"sent before finish"),
    C("flush-streams", "/flush.php?go={tmp}/go", stream=True, expect=b"B seen=yes"),
    # --- SAPI and ini -----------------------------------------------------------------------
    C("sapi", "/sapi.php", expect=b"'fpm-fcgi'"),
    C("php-value", "/sapi.php?ini=precision,serialize_precision",
      extra=[("PHP_VALUE", "precision=7\nserialize_precision=5")], expect=b"'7'"),
    C("php-admin-value", "/sapi.php?ini=short_open_tag&set=short_open_tag&to=0",
      extra=[("PHP_ADMIN_VALUE", "short_open_tag=1")]),
    # PHP_VALUE overrides the pool's php_admin_value in PHP-FPM; ini_set() cannot.
    C("pool-admin-value-vs-php-value", "/sapi.php?ini=memory_limit&set=memory_limit&to=1G",
      extra=[("PHP_VALUE", "memory_limit=64M")], expect=b"'set' => 'false'"),
    C("pool-admin-value", "/sapi.php?ini=memory_limit&set=memory_limit&to=1G",
      expect=b"'96M'"),
    C("ignore-user-abort", "/abort.php"),
    C("memory-types", "/memory.php", expect=b"'integer'"),
    # --- routing: SCRIPT_FILENAME, PATH_INFO, errors ------------------------------------------
    C("server-vars", "/server.php?a=1", expect=b"'SCRIPT_FILENAME'"),
    C("path-info-nginx-split", "/server.php/a/b%20c", split=True, expect=b"'/a/b c'"),
    C("path-info-in-script-filename", "/server.php/a/b",
      script_filename="{root}/server.php/a/b", expect=b"'ORIG_SCRIPT_FILENAME'"),
    C("path-info-no-fix", "/server.php/a/b", script_filename="{root}/server.php/a/b",
      extra=[("PHP_VALUE", "cgi.fix_pathinfo=0")]),
    C("path-info-empty", "/server.php/", split=True),
    C("apache-proxy-fcgi", "/server.php/x?y=1",
      script_filename="proxy:fcgi://127.0.0.1:9000{root}/server.php/x"),
    # ProxyPass sends SCRIPT_NAME decoded and the filename encoded: PHP-FPM also compares
    # the decoded path info, cuts it off SCRIPT_NAME and so finds PATH_TRANSLATED.
    C("apache-proxy-fcgi-encoded", "/server.php/extra%20path",
      script_filename="proxy:fcgi://127.0.0.1:9000{root}/server.php/extra%20path",
      expect=b"'ORIG_SCRIPT_NAME'"),
    C("subdir-index", "/sub/index.php", expect=b"sub index: /sub/index.php"),
    C("missing-script", "/nope.php", status=404, expect=b"File not found.",
      expect_stderr=b"Primary script unknown"),
    C("missing-script-filename", "/index.php", drop=("SCRIPT_FILENAME",), status=404),
    C("directory", "/sub/", script_filename="{root}/sub/", status=404),
    C("not-php-extension", "/readme.txt", status=403, expect=b"Access denied.",
      expect_stderr=b"security.limit_extensions"),
    C("html-extension", "/notphp.html", status=403),
]

if len({c.id for c in CASES}) != len(CASES):
    raise RuntimeError("duplicate peer case ids")


# PHP_ADMIN_VALUE that puts back every ini value a case may set (php.ini and pool
# values): PHP-FPM keeps per-request values in the worker for its later requests.
INI_RESET = "\n".join([
    "post_max_size=16M", "upload_max_filesize=8M", "display_errors=0", "html_errors=0",
    "output_buffering=0", "short_open_tag=0", "precision=14", "serialize_precision=-1",
    "memory_limit=96M", "cgi.fix_pathinfo=1", "cgi.rfc2616_headers=0",
])


def reset_ini(pair):
    for name, server in pair.both():
        resp = server.request(cgi.cgi_params("/index.php", pair.docroot,
                                             extra=[("PHP_ADMIN_VALUE", INI_RESET)]))
        assert resp.status == 200, f"{name}: ini reset failed: {resp.stdout[:500]!r}"


def sets_ini(case):
    return any(name in ("PHP_VALUE", "PHP_ADMIN_VALUE") for name, _ in case.extra)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_peer(request, case):
    pair = request.getfixturevalue("peers_ini" if sets_ini(case) else "peers")
    try:
        peer.compare_case(pair.ref, pair.cand, case, pair.docroot, pair.tmp)
    finally:
        if sets_ini(case):
            reset_ini(pair)


def _sequence(server, docroot, steps):
    """Several requests on one kept-alive connection (so: one worker)."""
    outs = []
    with server.connection(timeout=15) as conn:
        for uri, extra in steps:
            resp = conn.request(cgi.cgi_params(uri, docroot, extra=extra), keep_conn=True)
            outs.append(peer.outcome(resp, server))
    return outs


# --- documented differences (docs/compatibility.md): php-fpm's behaviour is pinned down
# on the reference, and fpmd's better one is asserted on the candidate.

def test_peer_php_value_does_not_stick_to_the_worker(peers_ini):
    """PHP-FPM keeps a PHP_VALUE sent with one request for every later request of that
    worker; fpmd undoes it at the end of the request that sent it."""
    steps = [("/sapi.php?ini=precision", [("PHP_VALUE", "precision=3")]),
             ("/sapi.php?ini=precision", []),
             ("/nope.php", []),
             ("/sapi.php?ini=precision", [])]
    try:
        ref = _sequence(peers_ini.ref, peers_ini.docroot, steps)
        cand = _sequence(peers_ini.cand, peers_ini.docroot, steps)
    finally:
        reset_ini(peers_ini)
    assert b"'precision' => '3'" in ref[0]["body"]
    assert b"'precision' => '3'" in ref[1]["body"], "php-fpm no longer leaks PHP_VALUE?"
    assert not peer.diff(ref[0], cand[0]), peer.diff(ref[0], cand[0])
    assert not peer.diff(ref[2], cand[2]), peer.diff(ref[2], cand[2])
    for step in (cand[1], cand[3]):
        assert b"'precision' => '14'" in step["body"]


def test_peer_params_pair_split_across_records(peers):
    """The FastCGI spec lets a params stream be cut anywhere; PHP-FPM drops the connection
    when a name-value pair straddles two records, fpmd answers the request."""
    case = peer.Case("params-pair-split-across-records", "/server.php?x=1", params_chunk=7,
                     dropped=True)
    ref = peer.run_case(peers.ref, case, peers.docroot, peers.tmp)
    assert ref.get("dropped"), f"php-fpm answered: {ref}"
    whole = peer.Case("params-whole", "/server.php?x=1")
    expected = peer.run_case(peers.cand, whole, peers.docroot, peers.tmp)
    split = peer.run_case(peers.cand, dataclasses.replace(case, dropped=False), peers.docroot,
                          peers.tmp)
    assert not peer.diff(expected, split), peer.diff(expected, split)


def test_peer_get_values(peers):
    """FCGI_GET_VALUES: php-fpm8.2 answers only FCGI_MPXS_CONNS; fpmd answers every
    variable the spec defines (MAX_CONNS and MAX_REQS are pm.max_children, which is 2
    for the peer pool) and agrees on MPXS_CONNS."""
    names = ("FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS")
    results = []
    for _, server in peers.both():
        with server.connection(timeout=5) as conn:
            results.append(conn.get_values(names))
    assert results[0] == {"FCGI_MPXS_CONNS": "0"}
    assert results[1] == {"FCGI_MAX_CONNS": "2", "FCGI_MAX_REQS": "2", "FCGI_MPXS_CONNS": "0"}


def test_peer_unknown_record_type(peers):
    """A management record of an unknown type: the spec asks for FCGI_UNKNOWN_TYPE, which
    fpmd sends; PHP-FPM drops the connection instead."""
    results = []
    for _, server in peers.both():
        with server.connection(timeout=5) as conn:
            conn.send_raw(fcgi_client.encode_record(42, 0, b"abc"))
            try:
                rec = conn.read_record()
                results.append(None if rec is None else (rec.type, rec.request_id, rec.content))
            except ConnectionResetError:
                results.append(None)
    assert results[0] is None
    assert results[1] == (fcgi_client.UNKNOWN_TYPE, 0, bytes([42]) + bytes(7))


def test_servers_survived_the_module(peers):
    # The module shares one server of each kind: make sure both masters are still the
    # processes that started (a crash would otherwise only show as odd diffs).
    for name, server in peers.both():
        assert server.is_running(), f"{name} master died: {server.log()[-3000:]}"
    assert os.path.isdir(peers.docroot)
