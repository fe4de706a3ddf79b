"""The ?dashboard page in a real browser: Debian's headless Chromium loads it through nginx
from fpmd's status path, with its script and stylesheet (?dashboard.js, ?dashboard.css of
the same path) under a Content-Security-Policy without 'unsafe-inline', and the test reads
what the page built (`--dump-dom`: one workers row per pid of the status JSON, refreshes
counted, request URIs shown as text), what it drew (`--screenshot`: the chart lines in their
exact series colours inside the canvases, text in the workers table, the stylesheet's
background) and what the browser's console said (no policy violation, no failed load)."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lib import procs
from lib.nginx import FASTCGI_PARAMS

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMIUM_TIMEOUT = 60  # seconds per run; a loaded two-core machine starts it in ~10 s
# Browser time the page gets before the dump: five one-second refreshes.
VIRTUAL_TIME_MS = 5000
WINDOW = (1280, 1000)

# The page's series colours (COLORS in src/status/dashboard/dashboard.js), per chart.
SERIES = {
    "processes": {"total": (0x58, 0xA6, 0xFF), "idle": (0x3F, 0xB9, 0x50),
                  "active": (0xF0, 0x88, 0x3E)},
    "queue": {"queue": (0xD2, 0xA8, 0xFF)},
    "rate": {"rate": (0x39, 0xC5, 0xCF)},
    "latency": {"p99": (0xFF, 0x7B, 0x72), "p95": (0xE3, 0xB3, 0x41),
                "p50": (0x7E, 0xE7, 0x87)},
}
MIN_LINE_PIXELS = 50
# The page's background (--bg in src/status/dashboard/dashboard.css): the stylesheet applied.
BACKGROUND = (0x0D, 0x11, 0x17)

# A request URI a client controls: it must show as text, never become an element.
INJECTED = "<i/id=injected>x</i>"
SLEEP = "<?php usleep((int)($_GET['ms'] ?? 1000) * 1000); echo 'slept';"

STATUS_LOCATIONS = f"""
location = /status {{
    {FASTCGI_PARAMS}
    fastcgi_pass fpm;
}}
# The dashboard of /status served under another path whose JSON always fails.
location = /broken {{
    if ($args ~ json) {{ return 503; }}
    rewrite ^ /status last;
}}
"""


@pytest.fixture
def chromium():
    """Debian's chromium (CHROMIUM_BIN overrides); skips when it is not installed."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def site(fpmd_bin, fpm_factory, nginx_factory, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    (www / "sleep.php").write_text(SLEEP)
    os.chmod(tmp_path, 0o755)
    fpm = fpm_factory(fpmd_bin, pool={"pm": "static", "pm.max_children": "3",
                                      "pm.status_path": "/status"})
    nginx = nginx_factory(fpm.address, www, server_conf=STATUS_LOCATIONS)
    return fpm, nginx


@pytest.fixture
def busy_site(chromium, site):
    """The site with one client in a loop on a slow script, so a worker shows Running."""
    fpm, nginx = site
    stop = threading.Event()
    failures = []

    def load():
        while not stop.is_set():
            try:
                resp = nginx.get(f"/sleep.php?ms=1500&tag={INJECTED}", timeout=20)
                if resp.status != 200:
                    failures.append(resp.status)
            except OSError as e:
                failures.append(repr(e))

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    try:
        procs.wait_until(lambda: any(p["state"] == "Running" and "sleep.php" in p["script"]
                                     for p in status_json(nginx)["processes"]),
                         15, what="a worker running sleep.php")
        yield fpm, nginx
    finally:
        stop.set()
        thread.join(30)
    assert not failures, failures


def status_json(nginx):
    resp = nginx.get("/status?json&full")
    assert resp.status == 200, resp.text
    return json.loads(resp.body)


def run_chromium(chromium, tmp_path, url, *commands):
    """Runs headless Chromium on url with the given commands (--dump-dom, --screenshot=...)
    and returns its stdout; killed (its whole process group) when it overruns. Fails when
    the page's console reports a Content-Security-Policy violation or that one of the page's
    own files (?dashboard.js, ?dashboard.css) did not load; a failing status request is
    the banner test's business. Chromium logs console messages on stderr with
    --enable-logging."""
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    argv = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--force-device-scale-factor=1", f"--user-data-dir={profile}",
            "--enable-logging=stderr", "--v=0",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            f"--virtual-time-budget={VIRTUAL_TIME_MS}", *commands, url]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium ran longer than {CHROMIUM_TIMEOUT}s on {url}")
    finally:
        # Helpers (zygote, crashpad) share its process group; none may outlive the test.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        shutil.rmtree(profile, ignore_errors=True)
    log = err.decode(errors="replace")
    assert proc.returncode == 0, log[-3000:]
    console = [line for line in log.splitlines() if ":CONSOLE" in line]
    refused = [line for line in console if "Content Security Policy" in line
               or ("Failed to load resource" in line and "?dashboard." in line)]
    assert not refused, refused
    return out.decode()


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []
        self.text = ""

    def find_all(self, pred):
        for child in self.children:
            if pred(child):
                yield child
            yield from child.find_all(pred)

    def find(self, pred):
        return next(self.find_all(pred), None)


class DomParser(HTMLParser):
    """Chromium's serialised DOM as a small tree (text gathered on every open element)."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.stack = [self.root]
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for node in self.stack:
            node.text += data


def dump_dom(chromium, tmp_path, url, *more):
    text = run_chromium(chromium, tmp_path, url, "--dump-dom", *more)
    root = DomParser(text).root
    body = root.find(lambda n: n.tag == "body")
    assert body is not None, text[:2000]
    return root, body


def worker_rows(root, pool="www"):
    table = root.find(lambda n: n.tag == "table" and n.attrs.get("id") == f"workers-{pool}")
    assert table is not None, "no workers table"
    return table, list(table.find_all(lambda n: n.tag == "tr" and "data-pid" in n.attrs))


def test_page_loads_only_its_own_files(site):
    """The page has nothing inline; its script and stylesheet come from the status path with
    their types, and the policy (a header as well as the meta element) allows no inline
    script or style."""
    _, nginx = site
    resp = nginx.get("/status?dashboard")
    assert resp.status == 200
    assert resp.header("Content-Type", "").startswith("text/html")
    policy = resp.header("Content-Security-Policy", "")
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'",
                      "connect-src 'self'"):
        assert directive in policy, policy
    page = resp.text
    assert "unsafe-inline" not in policy and "unsafe-inline" not in page
    assert "http://" not in page and "https://" not in page
    root = DomParser(page).root
    references = {(n.tag, k, v) for n in root.find_all(lambda n: True)
                  for k, v in n.attrs.items() if k in ("src", "href", "action", "data")}
    assert references == {("link", "href", "data:,"), ("link", "href", "?dashboard.css"),
                          ("script", "src", "?dashboard.js")}, references
    scripts = list(root.find_all(lambda n: n.tag == "script"))
    assert len(scripts) == 1 and not scripts[0].text.strip()
    assert root.find(lambda n: n.tag == "style" or "style" in n.attrs) is None

    for query, mime in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        file = nginx.get(f"/status?{query}")
        assert file.status == 200, file.text
        assert file.header("Content-Type", "").split(";")[0] == mime
        assert file.header("X-Content-Type-Options") == "nosniff"
        assert len(file.body) > 1000
        etag = file.header("ETag")
        again = nginx.get(f"/status?{query}", headers={"If-None-Match": etag})
        assert again.status == 304 and again.body == b"", (again.status, again.headers)


def test_dom_has_a_row_per_worker(chromium, busy_site, tmp_path):
    fpm, nginx = busy_site
    pids = {p["pid"] for p in status_json(nginx)["processes"]}
    assert pids == set(fpm.children())

    root, body = dump_dom(chromium, tmp_path, f"{nginx.base_url}/status?dashboard")
    assert body.attrs.get("data-state") == "ok", body.attrs
    assert int(body.attrs["data-updates"]) >= 2, body.attrs
    _, rows = worker_rows(root)
    assert sorted(int(r.attrs["data-pid"]) for r in rows) == sorted(pids)
    assert {r.attrs["data-state"] for r in rows} <= {"idle", "running", "reading-headers",
                                                     "getting-request-information",
                                                     "finishing", "ending"}
    running = [r for r in rows if r.attrs["data-state"] == "running"]
    uris = [c.text for r in running for c in r.find_all(
        lambda n: n.tag == "td" and n.attrs.get("data-key") == "request uri")]
    assert any(INJECTED in uri for uri in uris), uris
    assert root.find(lambda n: n.attrs.get("id") == "injected") is None
    # One header and one section for the one pool, with its canvases.
    section = root.find(lambda n: n.tag == "section" and n.attrs.get("data-pool") == "www")
    assert section is not None
    assert section.find(lambda n: n.attrs.get("data-stat") == "accepted") is not None
    for chart in ("processes", "queue", "rate"):
        assert root.find(lambda n: n.attrs.get("id") == f"chart-{chart}-www") is not None


def colour_counts(image, rect, colours):
    """How many pixels of each exact colour lie inside rect ("x,y,w,h")."""
    x, y, w, h = (int(v) for v in rect.split(","))
    crop = image.crop((x, y, x + w, y + h))
    found = dict.fromkeys(colours, 0)
    lookup = {rgb: name for name, rgb in colours.items()}
    for count, rgb in crop.getcolors(maxcolors=w * h) or []:
        if rgb in lookup:
            found[lookup[rgb]] += count
    return found


def test_screenshot_shows_table_and_charts(chromium, busy_site, tmp_path):
    from PIL import Image  # python3-pil, only this test needs it

    _, nginx = busy_site
    has_latency = "request duration p50" in status_json(nginx)
    shot = tmp_path / "dashboard.png"
    # The DOM of the same run says where the canvases and the table were drawn.
    root, body = dump_dom(chromium, tmp_path, f"{nginx.base_url}/status?dashboard",
                          f"--screenshot={shot}")
    assert int(body.attrs["data-updates"]) >= 2, body.attrs
    if os.environ.get("FPMD_TEST_KEEP"):
        shutil.copy(shot, Path(tempfile.gettempdir()) / "fpmd-dashboard.png")
    image = Image.open(shot).convert("RGB")
    assert image.size == WINDOW
    assert image.getpixel((WINDOW[0] - 1, WINDOW[1] - 1)) == BACKGROUND, "no stylesheet"
    assert len(image.getcolors(maxcolors=WINDOW[0] * WINDOW[1])) > 100, "blank page"

    for chart, colours in SERIES.items():
        canvas = root.find(lambda n: n.attrs.get("id") == f"chart-{chart}-www")
        assert canvas is not None, chart
        if chart == "latency" and not has_latency:
            assert "data-rect" not in canvas.attrs, "latency chart shown without latencies"
            continue
        counts = colour_counts(image, canvas.attrs["data-rect"], colours)
        if chart == "latency":
            # Equal percentiles draw over each other: p50 (drawn last) is always visible.
            assert counts["p50"] > MIN_LINE_PIXELS, counts
        else:
            assert all(n > MIN_LINE_PIXELS for n in counts.values()), (chart, counts)
    table, rows = worker_rows(root)
    x, y, w, h = (int(v) for v in table.attrs["data-rect"].split(","))
    assert y + h <= WINDOW[1], "the workers table is below the screenshot"
    text_pixels = sum(1 for px in image.crop((x, y, x + w, y + h)).getdata() if min(px) > 200)
    assert text_pixels > 200 * len(rows), text_pixels


def test_banner_when_status_fails(chromium, site, tmp_path):
    _, nginx = site
    _, body = dump_dom(chromium, tmp_path, f"{nginx.base_url}/broken?dashboard")
    banner = body.find(lambda n: n.attrs.get("id") == "banner")
    assert "hidden" not in banner.attrs
    assert banner.text.startswith("status unavailable: HTTP 503"), banner.text
    assert body.attrs.get("data-state") == "error"
    assert int(body.attrs.get("data-errors", "0")) >= 2, "no retry"
    assert body.attrs.get("data-updates") == "0"


MASTER_CONF = """[global]
error_log = @LOG@
pid = @PID@
[www]
listen = @LISTEN@
pm = static
pm.max_children = 2
pm.status_path = /status
pm.status_listen = @DIR@/status.sock
[api]
listen = @DIR@/api.sock
pm = static
pm.max_children = 1
"""


def test_every_pool_from_the_master_while_saturated(chromium, fpmd_bin, fpm_factory,
                                                     nginx_factory, tmp_path):
    """?dashboard&all on pm.status_listen (answered by the master) through nginx: one
    section per pool, drawn while every worker of www is busy."""
    www = tmp_path / "www"
    www.mkdir()
    (www / "sleep.php").write_text(SLEEP)
    os.chmod(tmp_path, 0o755)
    fpm = fpm_factory(fpmd_bin, conf_text=MASTER_CONF)
    fpm.wait_for_children(3)
    master_status = f"""
location = /fpm-status {{
    {FASTCGI_PARAMS}
    fastcgi_param SCRIPT_NAME /status;
    fastcgi_pass unix:{fpm.dir}/status.sock;
}}
"""
    nginx = nginx_factory(fpm.address, www, server_conf=master_status)
    def hold_a_worker():
        try:
            nginx.get("/sleep.php?ms=8000", timeout=30)
        except OSError:
            pass  # the test is over and nginx is gone: nothing to check here

    threads = [threading.Thread(target=hold_a_worker, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    procs.wait_until(lambda: json.loads(nginx.get("/fpm-status?json").body)
                     ["active processes"] == 2, 10, what="both www workers busy")

    root, body = dump_dom(chromium, tmp_path, f"{nginx.base_url}/fpm-status?dashboard&all")
    assert body.attrs.get("data-state") == "ok", body.attrs
    assert int(body.attrs["data-updates"]) >= 2, body.attrs
    pools = {n.attrs["data-pool"] for n in root.find_all(
        lambda n: n.tag == "section" and "data-pool" in n.attrs)}
    assert pools == {"www", "api"}
    _, rows = worker_rows(root, "www")
    assert [r.attrs["data-state"] for r in rows] == ["running", "running"]
    _, api_rows = worker_rows(root, "api")
    assert len(api_rows) == 1
