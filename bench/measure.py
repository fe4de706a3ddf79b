"""Running one measurement: fcgi-bench against a FastCGI socket, wrk against nginx, the
in-process floor, and memory from /proc/PID/smaps_rollup. Every subprocess has a timeout.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lib import procs  # noqa: E402
from tests.lib.nginx import NginxProcess  # noqa: E402
from tests.lib.servers import FpmProcess  # noqa: E402

BENCH = ROOT / "bench"
WWW = BENCH / "www"
PHP_INI = BENCH / "php.ini"
PHP_FPM = "/usr/sbin/php-fpm8.2"
WRK = "/usr/bin/wrk"

UPLOAD_BYTES = 10 * 1024 * 1024


def page(name):
    return str(WWW / name)


def start_server(binary, pool):
    """A pool on a temp unix socket, with access logging off and the bench php.ini."""
    settings = {"pm": "static", "pm.max_children": "4", "listen.backlog": "511",
                "catch_workers_output": "no"}
    settings.update(pool)
    server = FpmProcess(binary, pool=settings, php_ini=PHP_INI, stop_timeout=20).start()
    server.pool_size = int(settings["pm.max_children"])
    return server


def fcgi_bench(tool, address, script, connections, duration, warmup=0.5, keep_alive=True,
               body_size=0, requests=0, timeout=30, params=()):
    argv = [tool, "--json", "-c", str(connections), "-w", str(warmup), "-s", page(script),
            "--timeout", str(timeout)]
    for param in params:
        argv += ["-p", param]
    argv += ["-n", str(requests)] if requests else ["-d", str(duration)]
    if not keep_alive:
        argv.append("-K")
    if body_size:
        argv += ["--body-size", str(body_size)]
    argv.append(address if isinstance(address, str) else f"{address[0]}:{address[1]}")
    limit = (duration if not requests else 60) + warmup + timeout + 30
    out = subprocess.run(argv, capture_output=True, text=True, timeout=limit)
    if out.returncode not in (0, 2):
        raise RuntimeError(f"fcgi-bench failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)


_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _wrk_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _WRK_UNITS[m.group(2)] if m else None


def wrk(url, connections, duration, lua=None, threads=1):
    """wrk's numbers as the same keys fcgi-bench reports (p90 from its distribution)."""
    argv = [WRK, "-t", str(min(threads, connections)), "-c", str(connections),
            "-d", f"{duration}s", "--latency", "--timeout", "30s"]
    if lua:
        argv += ["-s", str(lua)]
    argv.append(url)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    text = out.stdout
    result = {"requests": 0, "errors": 0, "rps": 0.0}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    if m:
        result["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        result["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        if m:
            result[key] = _wrk_ms(m.group(1))
    m = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", text)
    if m:
        result["max_ms"] = _wrk_ms(m.group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    result["errors"] = errors
    # wrk counts errored requests in its total; keep `requests` the successful ones.
    result["requests"] = max(0, result["requests"] - errors)
    if out.returncode != 0 or not result["rps"]:
        result["raw"] = text + out.stderr
    return result


def upload_lua(dir_):
    path = Path(dir_) / "upload.lua"
    path.write_text('wrk.method = "POST"\n'
                    f'wrk.body = string.rep("x", {UPLOAD_BYTES})\n'
                    'wrk.headers["Content-Type"] = "application/octet-stream"\n')
    return path


def nginx_for(address, keep_conn):
    return NginxProcess(address, WWW, keep_conn=keep_conn, keepalive=32,
                        client_max_body_size="64m").start()


def floor(tool, script, duration):
    out = subprocess.run([tool, "-c", str(PHP_INI), "--duration", str(duration),
                          "--warmup", "0.5", page(script)],
                         capture_output=True, text=True, timeout=duration + 60)
    if out.returncode != 0:
        raise RuntimeError(f"php-floor failed: {out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def smaps(pid):
    """RSS and PSS of one process in KiB, from /proc/PID/smaps_rollup."""
    values = {}
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        m = re.match(r"(Rss|Pss):\s+(\d+) kB", line)
        if m:
            values[m.group(1).lower()] = int(m.group(2))
    return values


def memory(server):
    """{master: {rss, pss}, workers: [{rss, pss}...], total_pss, total_rss} in KiB."""
    master = smaps(server.pid)
    workers = [m for m in (smaps(pid) for pid in server.children()) if m]
    total_pss = (master or {}).get("pss", 0) + sum(w["pss"] for w in workers)
    total_rss = (master or {}).get("rss", 0) + sum(w["rss"] for w in workers)
    return {"master": master, "workers": workers, "total_pss": total_pss,
            "total_rss": total_rss}


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """(own, reaped children's) CPU time of a process in seconds, from /proc/PID/stat:
    utime+stime and cutime+cstime (the CPU of the workers it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / _CLOCK_TICKS, (cutime + cstime) / _CLOCK_TICKS


def server_cpu_seconds(pid):
    """CPU time (user + system, seconds) of a server: its master, the workers it has reaped
    and the ones alive now, from /proc. The client's share of the cores is not in it."""
    own = cpu_seconds(pid)
    if own is None:
        return 0.0
    total = own[0] + own[1]
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return total
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            total += server_cpu_seconds(int(child))
    return total


class ServerCpu:
    """with ServerCpu(server) as cpu: ...; cpu.per_request(n) -> µs of server CPU each."""

    def __init__(self, server):
        self.pid = server.pid

    def __enter__(self):
        self.start = server_cpu_seconds(self.pid)
        return self

    def __exit__(self, *exc):
        self.seconds = server_cpu_seconds(self.pid) - self.start

    def per_request(self, requests):
        return self.seconds * 1e6 / requests if requests else None


SPAWN_RE = r"child (\d+) started"


def fork_time(pid):
    """Seconds since boot at which `pid` started (now, on the same clock, if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[19]) / _CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return time.clock_gettime(time.CLOCK_BOOTTIME)


class SpawnWatch:
    """Times the "child N started" lines of a server's log as they arrive (both servers
    log each fork after start-up at NOTICE), in a thread, from the current end of the
    log on. Polling /proc for new pids would miss short-lived workers and cost CPU."""

    def __init__(self, server):
        self.server = server
        self.times = []
        # When each child was forked, from /proc/PID/stat (10-ms ticks since boot), read as
        # soon as its line appears: the log line itself can come later than the fork.
        self.forked = []
        self._offset = len(server.log())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                match = self.server.wait_for_log(SPAWN_RE, 0.2, start=self._offset)
            except Exception:  # nothing new within 0.2 s (or the server is gone)
                continue
            self.times.append(time.monotonic())
            self.forked.append(fork_time(int(match.group(1))))
            self._offset = match.end()

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        return self.times


def max_in_window(times, window):
    """The most events within any `window` seconds."""
    best, first = 0, 0
    times = sorted(times)
    for last, t in enumerate(times):
        while t - times[first] > window:
            first += 1
        best = max(best, last - first + 1)
    return best


def free_port():
    return procs.free_tcp_port()


def cpu_count():
    return os.cpu_count() or 1
