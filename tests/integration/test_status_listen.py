"""pm.status_listen: status and ping answered by the master on a socket of their own —
also while every worker is busy — in every format, with fpmd's latency percentiles and
memory, and the aggregated view of all pools (?all)."""

import json
import os
import signal
import socket
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from lib import cgi, fcgi_client, openmetrics, procs
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "sleep.php").write_text("<?php usleep((int)($_GET['ms'] ?? 50) * 1000); echo 'slept';")
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


CONF = """[global]
error_log = @LOG@
pid = @PID@
[www]
listen = @LISTEN@
pm = static
pm.max_children = 2
pm.status_path = /status
pm.status_listen = @DIR@/status.sock
ping.path = /ping
ping.response = pong-master
[api]
listen = @DIR@/api.sock
pm = dynamic
pm.max_children = 3
pm.start_servers = 1
pm.min_spare_servers = 1
pm.max_spare_servers = 2
"""


def status(fpm, docroot, query="", path="/status", timeout=5):
    params = cgi.cgi_params(path + (f"?{query}" if query else ""), docroot)
    return fcgi_client.request(str(fpm.dir / "status.sock"), params, timeout=timeout)


def busy(fpm, docroot, ms, count):
    """`count` requests that each hold a worker for `ms` milliseconds, in threads."""
    threads = [threading.Thread(target=fpm.request,
                                args=(cgi.cgi_params(f"/sleep.php?ms={ms}", docroot),),
                                kwargs={"timeout": ms / 1000 + 10})
               for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def test_answers_while_every_worker_is_busy(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, conf_text=CONF) as fpm:
        fpm.wait_for_children(3)
        threads = busy(fpm, docroot, 3000, 3)  # two running, one queued behind them

        def saturated():
            page = json.loads(status(fpm, docroot, "json&full").body)
            states = [p["state"] for p in page["processes"]]
            return page if states == ["Running", "Running"] else None
        started = time.monotonic()
        page = procs.wait_until(saturated, 2.5, what="both workers busy")
        # Answered by the master at once, not after a worker freed up (3 s).
        assert time.monotonic() - started < 2.5
        assert page["pool"] == "www"
        assert page["active processes"] == 2 and page["idle processes"] == 0
        assert all(p["request uri"].startswith("/sleep.php") for p in page["processes"])
        assert status(fpm, docroot, path="/ping").body == b"pong-master"
        for thread in threads:
            thread.join()


def test_every_format_parses_and_moves_under_load(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, conf_text=CONF) as fpm:
        fpm.wait_for_children(3)
        before = json.loads(status(fpm, docroot, "json").body)
        for thread in busy(fpm, docroot, 60, 6):
            thread.join()

        def measured():
            page = json.loads(status(fpm, docroot, "json&full").body)
            ready = page["memory pss"] > 0 and all(p["memory rss"] > 0 for p in page["processes"])
            return page if ready else None
        after = procs.wait_until(measured, 5, what="the master to sample the workers' memory")
        assert after["accepted conn"] >= before["accepted conn"] + 6
        # Six requests of ~60 ms: the percentiles say so (buckets are within ~7%).
        assert 55_000 <= after["request duration p50"] <= 200_000
        assert after["request duration p50"] <= after["request duration p95"] \
            <= after["request duration p99"]
        assert after["memory rss"] == sum(p["memory rss"] for p in after["processes"])
        for proc in after["processes"]:
            assert 1_000_000 < proc["memory pss"] <= proc["memory rss"] < 2_000_000_000

        root = ET.fromstring(status(fpm, docroot, "xml&full&fpmd").body)
        assert root.find("pool").text == "www"
        assert int(root.find("request-duration-p99").text) >= after["request duration p50"]
        assert len(root.find("processes")) == 2

        text = status(fpm, docroot, "full&fpmd").body.decode()
        assert text.startswith("pool:                 www\n")
        assert "\nrequest duration p95: " in text
        assert text.count("memory pss:") == 3  # the pool and each worker

        html = status(fpm, docroot, "html&full&fpmd").body.decode()
        assert "<th>memory rss</th>" in html and "<tr><th>request duration p50</th>" in html

        for query, php_fpm_names in (("openmetrics", True), ("openmetrics&full", True),
                                     ("all&openmetrics&full", False)):
            resp = status(fpm, docroot, query)
            assert resp.header("Content-Type").startswith("application/openmetrics-text")
            families = openmetrics.parse(resp.body.decode(), php_fpm_names=php_fpm_names)
            p99 = openmetrics.value(families, "fpmd_request_duration_microseconds", pool="www",
                                    quantile="0.99")
            assert p99 >= after["request duration p50"]
        pids = sorted(p["pid"] for p in after["processes"])
        families = openmetrics.parse(status(fpm, docroot, "openmetrics&full").body.decode(), True)
        assert sorted(int(l["pid"]) for _, l, _ in families["fpmd_process_requests"]["samples"]) \
            == pids


def test_all_pools_in_one_view(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, conf_text=CONF) as fpm:
        fpm.wait_for_children(3)
        fcgi_client.request(str(fpm.dir / "api.sock"), cgi.cgi_params("/hello.php", docroot))
        page = json.loads(status(fpm, docroot, "all&json&full").body)
        pools = {p["pool"]: p for p in page["pools"]}
        assert set(pools) == {"www", "api"}
        assert pools["api"]["process manager"] == "dynamic"
        assert pools["api"]["accepted conn"] >= 1
        assert len(pools["www"]["processes"]) == 2
        assert sorted(p["pid"] for pool in pools.values() for p in pool["processes"]) == \
            sorted(fpm.children())
        families = openmetrics.parse(status(fpm, docroot, "all&openmetrics").body.decode())
        assert openmetrics.value(families, "phpfpm_total_processes", pool="www") == 2
        assert openmetrics.value(families, "phpfpm_accepted_connections", pool="api") >= 1


def test_keep_alive_head_unknown_path_and_bad_input(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, conf_text=CONF) as fpm:
        fpm.wait_for_children(3)
        with fcgi_client.FcgiConnection(str(fpm.dir / "status.sock"), timeout=5) as conn:
            for _ in range(3):
                resp = conn.request(cgi.cgi_params("/status?json", docroot), keep_conn=True)
                assert json.loads(resp.body)["pool"] == "www"
        head = fcgi_client.request(str(fpm.dir / "status.sock"),
                                   cgi.cgi_params("/status", docroot, method="HEAD"))
        assert head.status == 200 and head.body == b""
        missing = status(fpm, docroot, path="/hello.php")
        assert missing.status == 404
        # Garbage closes that connection only; the master goes on answering.
        with socket.socket(socket.AF_UNIX) as raw:
            raw.settimeout(5)
            raw.connect(str(fpm.dir / "status.sock"))
            raw.sendall(b"\x07" * 16)
            assert raw.recv(100) == b""
        fpm.wait_for_log("status connection: ")  # the master logs after it closed
        assert json.loads(status(fpm, docroot, "json").body)["pool"] == "www"
        assert fpm.is_running()


def test_socket_survives_reload(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, conf_text=CONF) as fpm:
        fpm.wait_for_children(3)
        inode = os.stat(fpm.dir / "status.sock").st_ino
        offset = fpm.log_offset()
        fpm.send_signal(signal.SIGUSR2)
        fpm.wait_for_log("ready to handle connections", timeout=20, start=offset)
        assert os.stat(fpm.dir / "status.sock").st_ino == inode
        assert json.loads(status(fpm, docroot, "json").body)["pool"] == "www"


def test_fpmd_status_all_pools_and_while_saturated(fpmd_bin, docroot):
    """`fpmd status --all` on the master's status socket: every pool, even while the
    pool's workers are all busy."""
    import subprocess
    with FpmProcess(fpmd_bin, conf_text=CONF) as fpm:
        fpm.wait_for_children(3)
        threads = busy(fpm, docroot, 2500, 2)
        procs.wait_until(lambda: json.loads(status(fpm, docroot, "json")
                                            .body)["active processes"] == 2, 2, what="busy")
        out = subprocess.run([fpmd_bin, "status", str(fpm.dir / "status.sock"), "--all",
                              "--once", "--json"], capture_output=True, timeout=10, text=True)
        assert out.returncode == 0, out.stderr
        line = json.loads(out.stdout)
        pools = {p["pool"]: p for p in line["pools"]}
        assert set(pools) == {"www", "api"}
        assert pools["www"]["active processes"] == 2
        assert "request duration p99" in pools["www"] and "memory pss" in pools["api"]
        for thread in threads:
            thread.join()
