"""The status and ping pages of php-fpm8.2 and fpmd side by side: same headers, same
fields in the same order in every format. Numbers (pids, times, counters) are masked;
everything else must match byte for byte."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from lib import cgi, fcgi_client, procs, servers

# One worker each: with two, which worker served which earlier request (and so what the
# other rows of ?full show) depends on scheduling, not on the server.
POOL = {"pm": "static", "pm.max_children": "1", "pm.status_path": "/status",
        "ping.path": "/ping", "ping.response": "pong-peer"}
NUMBER = re.compile(rb"\d+(\.\d+)?")
FORMATS = ["", "json", "xml", "html", "openmetrics", "full", "json&full", "xml&full",
           "html&full", "openmetrics&full"]


@pytest.fixture(scope="module")
def pair(php_fpm_bin, tmp_path_factory):
    cand, why = servers.fpmd_binary()
    if cand is None:
        pytest.skip(why)
    docroot = tmp_path_factory.mktemp("status-www")
    started = []
    try:
        for binary in (php_fpm_bin, cand):
            started.append(servers.FpmProcess(binary, pool=POOL).start())
        for server in started:
            server.wait_for_children(1)
        yield started, docroot
    finally:
        for server in started:
            server.stop(check=False)


def fetch(server, docroot, path, query="", method="GET"):
    params = cgi.cgi_params(path + (f"?{query}" if query else ""), docroot, method=method)
    return server.request(params)


# fpmd's own fields (latency percentiles, memory, the memory governor's) come after all of
# PHP-FPM's; without them every format must be PHP-FPM's byte for byte. "max children" is
# always followed by ':', '"', '<' or '>', so PHP-FPM's "max children reached" stays.
# tests/unit/status/php_fpm_part.h strips them the same way.
KEYS = (rb"request duration p(50|95|99)|memory (rss|pss|budget|reserve|limit|available|guard)|"
        rb"max children( auto)?|worker footprint|recycled for memory|queue timeouts|rss after request")
VALUE = rb"[a-z0-9]+"  # numbers, or a word (memory guard)
EXTENSIONS = [
    (re.compile(rb"(" + KEYS + rb"):\s+" + VALUE + rb"\n"), b""),
    (re.compile(rb',"(' + KEYS + rb')":(' + VALUE + rb'|"[a-z]+")'), b""),
    (re.compile(rb"<(" + KEYS.replace(b" ", b"-") + rb")>" + VALUE + rb"</[a-z0-9-]+>\n?"), b""),
    (re.compile(rb"<tr><th>(" + KEYS + rb")</th><td>" + VALUE + rb"</td></tr>\n"), b""),
    (re.compile(rb"<th>(memory [rp]ss|rss after request)</th>"), b""),
    (re.compile(rb"(<td>\d+</td>){3}</tr>"), b"</tr>"),
    (re.compile(rb"# TYPE fpmd_[\s\S]*(?=# EOF)"), b""),
]


def without_extensions(body):
    for pattern, replacement in EXTENSIONS:
        body = pattern.sub(replacement, body)
    return body


def masked(resp, strip=False):
    head = [(n, NUMBER.sub(b"N", v.encode()).decode()) for n, v in resp.headers]
    body = without_extensions(resp.body) if strip else resp.body
    return resp.status, head, NUMBER.sub(b"N", body)


# Strict readers parse these: they are php8.2-fpm's page byte for byte unless asked for more.
STRICT = ("", "xml", "html", "full", "xml&full", "html&full")


@pytest.mark.parametrize("query", FORMATS)
def test_status_formats_match(pair, query):
    (ref, cand), docroot = pair
    answers = [fetch(server, docroot, "/status", query) for server in (ref, cand)]
    assert answers[0].status == 200
    if query in STRICT:
        assert masked(answers[0]) == masked(answers[1])
    else:
        # JSON and OpenMetrics carry fpmd's fields as extra keys and families.
        assert masked(answers[0]) == masked(answers[1], strip=True)
        assert answers[1].body != without_extensions(answers[1].body)


@pytest.mark.parametrize("query", STRICT)
def test_status_fpmd_query_adds_fpmds_fields(pair, query):
    (ref, cand), docroot = pair
    # The same query to both: the process rows show it as the last request's URI.
    query = (query + "&" if query else "") + "fpmd"
    ours = fetch(cand, docroot, "/status", query)
    theirs = fetch(ref, docroot, "/status", query)
    # PHP-FPM ignores the key; fpmd adds its fields after PHP-FPM's, and only them.
    assert ours.body != without_extensions(ours.body)
    assert masked(theirs) == masked(ours, strip=True)


def test_status_fpmd_fields_pool_setting(fpmd_bin, tmp_path):
    pool = dict(POOL, **{"pm.status_fpmd_fields": "yes"})
    with servers.FpmProcess(fpmd_bin, pool=pool) as cand:
        cand.wait_for_children(1)
        for query in ("", "xml", "html&full"):
            body = fetch(cand, tmp_path, "/status", query).body
            assert body != without_extensions(body), query


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_ping_matches(pair, method):
    (ref, cand), docroot = pair
    answers = [fetch(server, docroot, "/ping", method=method) for server in (ref, cand)]
    assert answers[0].body == (b"pong-peer" if method == "GET" else b"")
    assert (answers[1].status, answers[1].headers, answers[1].body) == \
        (answers[0].status, answers[0].headers, answers[0].body)


def test_status_values_parse_and_move(fpmd_bin, tmp_path):
    """fpmd's numbers are real: JSON and XML parse, and the counters move."""
    pool = dict(POOL, **{"pm.max_children": "2"})
    with servers.FpmProcess(fpmd_bin, pool=pool) as cand:
        cand.wait_for_children(2)
        before = json.loads(fetch(cand, tmp_path, "/status", "json").body)
        fetch(cand, tmp_path, "/ping")
        # The worker that answered the ping may still be finishing it for a moment.
        def settled():
            page = json.loads(fetch(cand, tmp_path, "/status", "json&full").body)
            states = sorted(p["state"] for p in page["processes"])
            return page if states == ["Idle", "Running"] else None
        after = procs.wait_until(settled, 10, what="one idle worker beside the busy one")
        assert after["accepted conn"] >= before["accepted conn"] + 2
        assert after["total processes"] == 2
        assert sorted(p["pid"] for p in after["processes"]) == sorted(cand.children())
        root = ET.fromstring(fetch(cand, tmp_path, "/status", "xml").body)
        assert root.find("pool").text == "www"


STATUS_LISTEN_CONF = """[global]
error_log = @LOG@
pid = @PID@
[www]
listen = @LISTEN@
pm = static
pm.max_children = 1
pm.status_path = /status
pm.status_listen = @DIR@/status.sock
"""


@pytest.mark.parametrize("query", ["json&full", "xml", ""])
def test_status_listen_serves_the_pools_page(php_fpm_bin, tmp_path, query):
    """On pm.status_listen both serve the pool's own page (php-fpm from a hidden pool,
    fpmd from the master): same pool, same fields in the same order."""
    cand, why = servers.fpmd_binary()
    if cand is None:
        pytest.skip(why)
    pages = []
    for binary in (php_fpm_bin, cand):
        with servers.FpmProcess(binary, conf_text=STATUS_LISTEN_CONF) as server:
            server.wait_for_children(1)
            params = cgi.cgi_params("/status" + (f"?{query}" if query else ""), tmp_path)
            resp = fcgi_client.request(str(server.dir / "status.sock"), params)
            assert resp.status == 200
            pages.append(resp)
    ref, got = pages
    assert masked(ref)[1] == masked(got)[1]  # headers
    body = got.body if query in STRICT else without_extensions(got.body)
    assert NUMBER.sub(b"N", ref.body) == NUMBER.sub(b"N", body)
