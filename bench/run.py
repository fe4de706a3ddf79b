#!/usr/bin/python3
"""fpmd against Debian's php8.2-fpm, side by side: `bench/run.py full|quick BUILD_DIR`.

Both servers get the same php.ini (bench/php.ini, opcache on) and the same pool settings;
every measurement alternates between them (A B, then B A, ...) for several rounds and the
report keeps the median. Results go to BUILD_DIR/bench/results-<mode>.json; the report to
docs/benchmarks.md (full) or BUILD_DIR/bench/benchmarks-quick.md (quick), plots to
docs/plots/ (full) or BUILD_DIR/bench/plots/ (quick).
"""

import argparse
import json
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import guard_cost
import measure as m
import report
from tests.lib import seed_story

MODES = {
    "quick": dict(duration=1.0, warmup=0.3, rounds=3, conc=[8, 64], pools=[4],
                  sweep_pages=[], nginx_conc=[64], reload_gap=0.4, floor_s=1.0,
                  big_conc=[8], nginx_big=False, crash_s=1.5, crash_rounds=2,
                  handover_conc=[], recycle_rounds=2, spread_rounds=1, seed_rounds=1,
                  guard_rounds=3),
    "full": dict(duration=3.0, warmup=0.5, rounds=3, conc=[8, 64, 256], pools=[2, 4, 8, 16],
                 sweep_pages=["hello.php", "work.php"], nginx_conc=[8, 64, 256],
                 reload_gap=1.0, floor_s=3.0, big_conc=[8, 64], nginx_big=True, crash_s=5.0,
                 crash_rounds=3, handover_conc=[8, 32], recycle_rounds=3, spread_rounds=3,
                 many_clients=True, cost=True,
                 seed_rounds=2, guard_rounds=5),
}
SERVERS = ("php-fpm", "fpmd")
SLEEP_POOL = 16
RECYCLE_POOL, RECYCLE_LIMIT, RECYCLE_CONC = 8, 200, 8
HANDOVER_POOL = 8
# Many clients: as the nginx in front of a pool of 8 with 2,000 connections; the
# queue's timeout is long enough never to answer 503 here (the wait is what is measured).
MANY_CLIENTS, MANY_POOL, MANY_KEEPALIVE, MANY_QUEUE_TIMEOUT = 2000, 8, 1024, "60"
MANY_PAGES = (("hello.php", 10), ("sleep20.php", 15))
# Cost against work: server CPU per request as one thing grows, the rest as hello.php.
# fcgi-bench's -s sends 17 params of its own; the params dimension adds to them.
COST_POOL, COST_CONC, COST_BASE_PARAMS = 4, 4, 17
COST_DIMENSIONS = (
    ("response bytes", "out.php", (1024, 65536, 1048576)),
    ("request body bytes", "upload.php", (0, 65536, 10485760)),
    ("params", "hello.php", (20, 200, 2000)),
)
COST_POOL_SIZES = (1, 4, 16, 64)
# Restart spread: workers that live ~2 s (40 requests of sleep.php's 50 ms), long enough
# for a tenth of a lifetime to be measured with /proc's 10-ms fork times.
SPREAD_POOL, SPREAD_LIMIT, SPREAD_S = 8, 40, 4.5


class Bench:
    def __init__(self, mode, build_dir, only):
        self.mode = mode
        self.cfg = MODES[mode]
        self.build = Path(build_dir).resolve()
        self.binaries = {"php-fpm": m.PHP_FPM, "fpmd": str(self.build / "fpmd")}
        self.tool = str(self.build / "fcgi-bench")
        self.floor_tool = str(self.build / "php-floor")
        self.only = set(only or [])
        self.results = {"mode": mode, "config": self.cfg, "started": time.time(),
                        "machine": report.machine(), "runs": [], "scenarios": {}}
        self.tmp = Path(tempfile.mkdtemp(prefix="fpmb-", dir="/tmp"))

    def wanted(self, name):
        return not self.only or name in self.only

    def log(self, text):
        print(f"[{time.time() - self.results['started']:6.1f}s] {text}", flush=True)

    def servers(self, pools):
        """Both servers, each with its pool settings (dict per server name)."""
        return {name: m.start_server(self.binaries[name], pools[name]) for name in SERVERS}

    def stop(self, servers):
        for server in servers.values():
            server.stop(check=False)

    def alternate(self, rounds, run_one):
        """run_one(server_name, round) for each round, alternating which goes first."""
        out = {name: [] for name in SERVERS}
        for r in range(rounds):
            order = SERVERS if r % 2 == 0 else SERVERS[::-1]
            for name in order:
                out[name].append(run_one(name, r))
        return out

    def record(self, scenario, key, per_server):
        self.results["runs"].append({"scenario": scenario, "key": key, "results": per_server})
        summary = {name: summarize(runs) for name, runs in per_server.items()}
        self.results["scenarios"].setdefault(scenario, []).append({"key": key, **summary})
        a, b = summary["php-fpm"], summary["fpmd"]
        self.log(f"{scenario} {key}: php-fpm {a.get('rps', 0):.1f} rps p99 "
                 f"{a.get('p99_ms', 0):.2f} | fpmd {b.get('rps', 0):.1f} rps p99 "
                 f"{b.get('p99_ms', 0):.2f} | errors {a.get('errors', 0)}/{b.get('errors', 0)}")
        return summary

    # --- scenarios ---------------------------------------------------------------------

    def direct(self, servers, page, conc, keep_alive=True, body=0, scenario="direct"):
        cfg = self.cfg

        def one(name, _):
            with m.ServerCpu(servers[name]) as cpu:
                res = m.fcgi_bench(self.tool, servers[name].address, page, conc,
                                   cfg["duration"], cfg["warmup"], keep_alive, body)
            # The warm-up's requests are in the CPU reading too.
            res["cpu_us"] = cpu.per_request(res.get("requests", 0) + res.get("warmup_requests", 0))
            return res
        key = {"page": page, "conc": conc, "keep_alive": keep_alive,
               "pool": {n: servers[n].pool_size for n in SERVERS}}
        return self.record(scenario, key, self.alternate(cfg["rounds"], one))

    def pool_sweep(self):
        """Each server's best static pool size per page (throughput at c=64)."""
        best = {}
        for page in self.cfg["sweep_pages"]:
            scores = {name: {} for name in SERVERS}
            for size in self.cfg["pools"]:
                servers = self.servers({n: pool(size) for n in SERVERS})
                try:
                    s = self.direct(servers, page, 64, scenario="pool_sweep")
                finally:
                    self.stop(servers)
                for name in SERVERS:
                    scores[name][size] = s[name]["rps"]
            best[page] = {name: max(scores[name], key=scores[name].get) for name in SERVERS}
            self.log(f"best pools for {page}: {best[page]}")
        self.results["best_pools"] = best
        return best

    def direct_matrix(self, best):
        default = {n: 4 for n in SERVERS}
        groups = [
            ("hello.php", best.get("hello.php", default), [("hello.php", 0)]),
            ("work.php", best.get("work.php", default),
             [("work.php", 0), ("big.php", 0), ("upload.php", m.UPLOAD_BYTES)]),
            ("sleep.php", {n: SLEEP_POOL for n in SERVERS}, [("sleep.php", 0)]),
        ]
        for _, sizes, pages in groups:
            servers = self.servers({n: pool(sizes[n]) for n in SERVERS})
            try:
                for page, body in pages:
                    concs = self.cfg["big_conc"] if body or page == "big.php" else self.cfg["conc"]
                    for conc in concs:
                        self.direct(servers, page, conc, body=body)
                    if page == "hello.php":
                        self.direct(servers, page, concs[-1], keep_alive=False)
            finally:
                self.stop(servers)

    def through_nginx(self, best):
        sizes = best.get("work.php", {n: 4 for n in SERVERS})
        servers = self.servers({n: pool(sizes[n]) for n in SERVERS})
        cfg = self.cfg
        lua = m.upload_lua(self.tmp)
        try:
            for keep in (False, True):
                nginxes = {n: m.nginx_for(servers[n].address, keep) for n in SERVERS}
                try:
                    cells = [(p, c, None) for p in ("hello.php", "work.php")
                             for c in cfg["nginx_conc"]]
                    if cfg["nginx_big"]:
                        cells += [("big.php", c, None) for c in cfg["big_conc"][:1]]
                        cells += [("upload.php", c, lua) for c in cfg["big_conc"][:1]]
                    for page, conc, script in cells:
                        def one(name, _):
                            seconds = max(1, round(cfg["duration"]))
                            if script:  # 10 MiB uploads: enough time for a few
                                seconds = max(seconds, 3)
                            with m.ServerCpu(servers[name]) as cpu:
                                res = m.wrk(f"{nginxes[name].base_url}/{page}", conc, seconds,
                                            script)
                            res["cpu_us"] = cpu.per_request(res.get("requests", 0))
                            return res
                        key = {"page": page, "conc": conc, "upstream_keepalive": keep,
                               "pool": {n: sizes[n] for n in SERVERS}}
                        self.record("nginx", key, self.alternate(cfg["rounds"], one))
                finally:
                    for ngx in nginxes.values():
                        ngx.stop(check=False)
        finally:
            self.stop(servers)

    def fpmd_supports(self, pm):
        """fpmd accepts the pm (fpmd -t) and runs it without falling back to static."""
        try:
            server = m.start_server(self.binaries["fpmd"], ondemand_pool()
                                    if pm == "ondemand" else {"pm": pm})
        except Exception as error:  # start-up failure: not supported
            return False, str(error)[:200]
        try:
            time.sleep(0.3)
            text = server.log()
            if "not supported" in text:
                return False, [l for l in text.splitlines() if "not supported" in l][0]
            return True, ""
        finally:
            server.stop(check=False)

    def ondemand_burst(self):
        ok, why = self.fpmd_supports("ondemand")
        out = {"fpmd_supported": ok, "why": why, "runs": {n: [] for n in SERVERS}}
        names = SERVERS if ok else ("php-fpm",)
        for r in range(self.cfg["rounds"]):
            for name in (names if r % 2 == 0 else names[::-1]):
                server = m.start_server(self.binaries[name], ondemand_pool())
                try:
                    res = m.fcgi_bench(self.tool, server.address, "hello.php", 50, 0, 0,
                                       keep_alive=False, requests=50, timeout=20)
                    res["children_after"] = len(server.children())
                finally:
                    server.stop(check=False)
                out["runs"][name].append(res)
                self.log(f"ondemand burst {name}: {res['requests']} ok, {res['errors']} "
                         f"errors, all served in {res['duration_s'] * 1000:.1f} ms")
        self.results["scenarios"]["ondemand"] = out

    def reload_under_load(self):
        out = {}
        gap = self.cfg["reload_gap"]
        for name in SERVERS:
            server = m.start_server(self.binaries[name], pool(4))
            try:
                result = {}
                duration = gap * 7

                def load():
                    result.update(m.fcgi_bench(self.tool, server.address, "hello.php", 16,
                                               duration, 0, keep_alive=False, timeout=20))
                thread = threading.Thread(target=load)
                thread.start()
                for _ in range(5):
                    time.sleep(gap)
                    server.send_signal(signal.SIGUSR2)
                thread.join(duration + 90)
                result["alive_after"] = server.is_running()
                out[name] = result
                self.log(f"reload {name}: {result.get('requests')} ok, "
                         f"{result.get('errors')} errors, max {result.get('max_ms')} ms")
            finally:
                server.stop(check=False)
        self.results["scenarios"]["reload"] = out

    def restart_spread(self):
        """The first restart wave of a static pool whose workers started together and
        serve at the same pace (sleep.php on one kept-alive connection each): with
        pm.max_requests they all reach the limit at once unless the limits differ. A fresh
        server per round; fork times from /proc."""
        variants = [("php-fpm", None), ("fpmd", "0"), ("fpmd", None)]
        runs = {v: [] for v in variants}
        for r in range(self.cfg["spread_rounds"]):
            for name, jitter in (variants if r % 2 == 0 else variants[::-1]):
                p = pool(SPREAD_POOL)
                p["pm.max_requests"] = str(SPREAD_LIMIT)
                if jitter is not None:
                    p["pm.max_requests_jitter"] = jitter
                server = m.start_server(self.binaries[name], p)
                try:
                    watch = m.SpawnWatch(server)
                    res = m.fcgi_bench(self.tool, server.address, "sleep.php", SPREAD_POOL,
                                       SPREAD_S, 0)
                    watch.stop()
                finally:
                    server.stop(check=False)
                forks = sorted(watch.forked)
                wave = forks[:SPREAD_POOL]
                runs[(name, jitter)].append({
                    "forks": len(forks),
                    "first_wave_ms": (wave[-1] - wave[0]) * 1000 if len(wave) == SPREAD_POOL
                    else None,
                    "max_forks_50ms": m.max_in_window(forks, 0.05),
                    "p99_ms": res.get("p99_ms"), "max_ms": res.get("max_ms"),
                    "errors": res.get("errors", 0)})
        out = []
        for (name, jitter), rs in runs.items():
            def med(key):
                values = [r[key] for r in rs if r[key] is not None]
                return statistics.median(values) if values else None
            entry = {"server": name, "jitter": "default" if name == "fpmd" and jitter is None
                     else jitter, "pool": SPREAD_POOL, "max_requests": SPREAD_LIMIT,
                     "rounds": len(rs), "errors": sum(r["errors"] for r in rs),
                     **{k: med(k) for k in ("forks", "first_wave_ms", "max_forks_50ms",
                                            "p99_ms", "max_ms")}}
            out.append(entry)
            self.log(f"restart spread {name} jitter {jitter}: first wave over "
                     f"{entry['first_wave_ms']} ms, max {entry['max_forks_50ms']} forks in 50 ms")
        self.results["scenarios"]["restart_spread"] = out

    def max_requests(self):
        """pm.max_requests recycling: a static pool of 8 under constant load from 8
        kept-alive connections (as nginx's keepalive upstream spreads it: every worker
        serves at the same pace, so workers started together reach the limit together),
        never recycled, then recycled every 200 requests: php-fpm, fpmd without jitter
        (pm.max_requests_jitter = 0, PHP-FPM's exact counts) and fpmd with its default
        jitter. Forks are timed from the log to find restarts bunched together. Last,
        pm.max_requests = 1: every request on a fresh worker, so the server CPU per request
        is what a worker's fork, first request and exit cost together."""
        cfg = self.cfg
        variants = [("php-fpm", 0, None), ("fpmd", 0, None), ("php-fpm", RECYCLE_LIMIT, None),
                    ("fpmd", RECYCLE_LIMIT, "0"), ("fpmd", RECYCLE_LIMIT, None),
                    ("php-fpm", 1, None), ("fpmd", 1, "0")]
        servers = {}
        try:
            for name, limit, jitter in variants:
                p = pool(RECYCLE_POOL)
                p["pm.max_requests"] = str(limit)
                if jitter is not None:
                    p["pm.max_requests_jitter"] = jitter
                servers[(name, limit, jitter)] = m.start_server(self.binaries[name], p)
            runs = {v: [] for v in variants}
            for r in range(cfg["recycle_rounds"]):
                for v in (variants if r % 2 == 0 else variants[::-1]):
                    server = servers[v]
                    watch = m.SpawnWatch(server)
                    with m.ServerCpu(server) as cpu:
                        res = m.fcgi_bench(self.tool, server.address, "hello.php", RECYCLE_CONC,
                                           cfg["duration"], cfg["warmup"])
                    times = watch.stop()
                    res["cpu_us"] = cpu.per_request(res.get("requests", 0) +
                                                    res.get("warmup_requests", 0))
                    res["spawns"] = len(times)
                    res["max_spawns_1s"] = m.max_in_window(times, 1.0)
                    res["max_spawns_100ms"] = m.max_in_window(times, 0.1)
                    runs[v].append(res)
            out = []
            for (name, limit, jitter), rs in runs.items():
                summary = summarize(rs)
                for key in ("spawns", "max_spawns_1s", "max_spawns_100ms"):
                    summary[key] = statistics.median(r[key] for r in rs)
                out.append({"server": name, "max_requests": limit,
                            "jitter": "default" if name == "fpmd" and jitter is None and limit
                            else jitter, "pool": RECYCLE_POOL, "conc": RECYCLE_CONC,
                            "page": "hello.php", **summary})
                self.log(f"max_requests {name} limit {limit} jitter {jitter}: "
                         f"{summary.get('rps', 0):.1f} rps p99 {summary.get('p99_ms', 0):.2f} "
                         f"forks {summary['spawns']} (max {summary['max_spawns_100ms']} in "
                         f"100 ms, {summary['max_spawns_1s']} in 1 s) "
                         f"errors {summary['errors']}")
            self.results["scenarios"]["recycling"] = out
        finally:
            for server in servers.values():
                server.stop(check=False)

    def crash_loop(self):
        """Every worker dies on its first request (crash.php SIGKILLs its own process)
        under constant load: forks and CPU over a fixed window. PHP-FPM respawns at once;
        fpmd backs off (docs/process-managers.md, Crashes)."""
        cfg = self.cfg
        window = cfg["crash_s"]
        out = {n: [] for n in SERVERS}
        for r in range(cfg["crash_rounds"]):
            for name in (SERVERS if r % 2 == 0 else SERVERS[::-1]):
                server = m.start_server(self.binaries[name], pool(4))
                try:
                    res = {}

                    def load():
                        res.update(m.fcgi_bench(self.tool, server.address, "crash.php", 4,
                                                window, 0, keep_alive=False, timeout=1))
                    watch = m.SpawnWatch(server)
                    thread = threading.Thread(target=load)
                    cpu0, t0 = m.cpu_seconds(server.pid), time.monotonic()
                    thread.start()
                    # Both servers are sampled over the same window; fcgi-bench then waits
                    # out its timeout for the requests fpmd's back-off leaves queued.
                    time.sleep(window)
                    cpu1 = m.cpu_seconds(server.pid)
                    forks = sum(1 for t in watch.stop() if t <= t0 + window)
                    thread.join(window + 90)
                    out[name].append({
                        "window_s": window, "forks": forks,
                        "master_cpu_s": cpu1[0] - cpu0[0], "workers_cpu_s": cpu1[1] - cpu0[1],
                        "failed": res.get("errors"), "served": res.get("requests"),
                        "alive_after": server.is_running(),
                        "backoff_lines": server.log().count("soon after start; respawning")})
                finally:
                    server.stop(check=False)
                last = out[name][-1]
                self.log(f"crash loop {name}: {last['forks']} forks in {last['window_s']:.1f} s, "
                         f"master CPU {last['master_cpu_s']:.2f} s, workers CPU "
                         f"{last['workers_cpu_s']:.2f} s")
        self.results["scenarios"]["crash_loop"] = out

    def keepalive_handover(self):
        """Direct keep-alive on a static pool of 8 with as many connections as workers
        (each worker keeps its own) and with more (fpmd hands idle connections over;
        php-fpm starves the extra ones), plus the same load without keep-alive."""
        servers = self.servers({n: pool(HANDOVER_POOL) for n in SERVERS})
        try:
            for conc in self.cfg["handover_conc"]:
                self.direct(servers, "hello.php", conc, scenario="handover")
            self.direct(servers, "hello.php", self.cfg["handover_conc"][-1], keep_alive=False,
                        scenario="handover")
        finally:
            self.stop(servers)

    def many_clients(self):
        """2,000 wrk connections through one nginx whose upstream keeps 1,024 connections
        alive (fastcgi_keep_conn) to a static pool of 8: php-fpm, fpmd, and fpmd with
        request_queue_timeout (one FIFO in the master). hello.php shows the cost of the
        path; sleep20.php (8 workers serve at most 400 req/s) how the waiting is shared."""
        variants = [("php-fpm", {}), ("fpmd", {}),
                    ("fpmd", {"request_queue_timeout": MANY_QUEUE_TIMEOUT})]
        out = []
        for page, seconds in MANY_PAGES:
            for name, extra in variants:
                p = pool(MANY_POOL)
                # nginx opens an upstream connection per waiting request: the backlog must
                # hold them, or connect() fails and nginx answers 502.
                p.update({"listen.backlog": "4096", **extra})
                server = m.start_server(self.binaries[name], p)
                ngx = m.NginxProcess(server.address, m.WWW, keep_conn=True,
                                     keepalive=MANY_KEEPALIVE).start()
                try:
                    m.wrk(f"{ngx.base_url}/{page}", 200, 1)  # warm-up
                    with m.ServerCpu(server) as cpu:
                        res = m.wrk(f"{ngx.base_url}/{page}", MANY_CLIENTS, seconds, threads=2)
                    res["cpu_us"] = cpu.per_request(res.get("requests", 0))
                finally:
                    ngx.stop(check=False)
                    server.stop(check=False)
                label = name + (" + request_queue_timeout" if extra else "")
                out.append({"page": page, "server": label, "seconds": seconds, **res})
                self.log(f"many clients {page} {label}: {res.get('rps', 0):.1f} rps p50 "
                         f"{res.get('p50_ms', 0):.1f} p99 {res.get('p99_ms', 0):.1f} ms "
                         f"errors {res['errors']} cpu {res['cpu_us'] or 0:.1f} us/req")
        self.results["scenarios"]["many_clients"] = out

    def cost_vs_work(self):
        """Server CPU per request against response size, request body size and number of
        params (static pool of 4, c=4, keep-alive), and against pool size (hello.php, c=64,
        no keep-alive): how each server's cost grows with the work."""
        cfg = self.cfg

        def cell(servers, dimension, value, page, conc, keep_alive, body=0, params=()):
            def one(name, _):
                with m.ServerCpu(servers[name]) as cpu:
                    res = m.fcgi_bench(self.tool, servers[name].address, page, conc,
                                       cfg["duration"], cfg["warmup"], keep_alive, body,
                                       params=params)
                res["cpu_us"] = cpu.per_request(res.get("requests", 0) +
                                                res.get("warmup_requests", 0))
                return res
            key = {"dimension": dimension, "value": value, "page": page, "conc": conc,
                   "keep_alive": keep_alive}
            self.record("cost", key, self.alternate(cfg["rounds"], one))

        servers = self.servers({n: pool(COST_POOL) for n in SERVERS})
        try:
            for dimension, page, values in COST_DIMENSIONS:
                for value in values:
                    if dimension == "response bytes":
                        cell(servers, dimension, value, page, COST_CONC, True,
                             params=[f"OUT_BYTES={value}"])
                    elif dimension == "request body bytes":
                        cell(servers, dimension, value, page, COST_CONC, True, body=value)
                    else:
                        extra = [f"BENCH_PARAM_{i}=value-{i}"
                                 for i in range(max(0, value - COST_BASE_PARAMS))]
                        cell(servers, dimension, value, page, COST_CONC, True, params=extra)
        finally:
            self.stop(servers)
        for size in COST_POOL_SIZES:
            servers = self.servers({n: pool(size) for n in SERVERS})
            try:
                cell(servers, "pool size", size, "hello.php", 64, False)
            finally:
                self.stop(servers)

    def memory(self):
        servers = self.servers({n: pool(4) for n in SERVERS})
        out = {}
        try:
            time.sleep(1.0)
            for name in SERVERS:
                out[name] = {"idle": m.memory(servers[name])}
            for name in SERVERS:
                m.fcgi_bench(self.tool, servers[name].address, "work.php", 16,
                             self.cfg["duration"], 0)
                m.fcgi_bench(self.tool, servers[name].address, "big.php", 16,
                             self.cfg["duration"] / 2, 0)
                out[name]["after_load"] = m.memory(servers[name])
        finally:
            self.stop(servers)
        self.results["scenarios"]["memory"] = out
        for name in SERVERS:
            self.log(f"memory {name}: idle PSS {out[name]['idle']['total_pss']} KiB, after "
                     f"load {out[name]['after_load']['total_pss']} KiB")

    def seed_story(self):
        """The seeds' 1 GB server (tests/lib/seed_story.py): MariaDB, nginx and the server in
        a 1 GiB memory cgroup, the seed's dynamic pool of 50, a heavy page over a persistent
        connection under 60 clients for 15 s; which process the OOM killer takes."""
        out = {n: [] for n in SERVERS}
        for r in range(self.cfg["seed_rounds"]):
            for name in (SERVERS if r % 2 == 0 else SERVERS[::-1]):
                workdir = Path(tempfile.mkdtemp(prefix=f"seed-{name}-", dir=self.tmp))
                result = seed_story.run(self.binaries[name], workdir)
                out[name].append(result)
                self.log(f"seed story {name}: OOM kills {result['oom_kills']} "
                         f"({', '.join(result['victims']) or 'none'}), mysqld "
                         f"{'survived' if result['mysqld_survived'] else 'KILLED'}, served "
                         f"{result['served']}, failed {result['failed']}")
        self.results["scenarios"]["seed_story"] = out

    def guard_cost(self):
        """fpmd with the memory guard on (default) and off (memory_reserve = 0)."""
        rows = guard_cost.measure_guard(self.build, self.cfg["guard_rounds"],
                                        self.cfg["duration"], log=self.log)
        self.results["scenarios"]["guard_cost"] = rows

    def floor(self):
        out = {p: m.floor(self.floor_tool, p, self.cfg["floor_s"])
               for p in ("hello.php", "work.php")}
        self.results["scenarios"]["floor"] = out
        self.log(f"floor: {json.dumps(out)}")

    def run(self):
        t0 = time.time()
        try:
            best = {}
            if self.wanted("floor"):
                self.floor()
            if self.wanted("sweep") and self.cfg["sweep_pages"]:
                best = self.pool_sweep()
            if self.wanted("direct"):
                self.direct_matrix(best)
            if self.wanted("nginx"):
                self.through_nginx(best)
            if self.wanted("ondemand"):
                self.ondemand_burst()
            if self.wanted("reload"):
                self.reload_under_load()
            if self.wanted("max_requests"):
                self.max_requests()
            if self.wanted("restart_spread"):
                self.restart_spread()
            if self.wanted("crash_loop"):
                self.crash_loop()
            if self.wanted("handover") and self.cfg["handover_conc"]:
                self.keepalive_handover()
            if self.wanted("many_clients") and self.cfg.get("many_clients"):
                self.many_clients()
            if self.wanted("cost") and self.cfg.get("cost"):
                self.cost_vs_work()
            if self.wanted("memory"):
                self.memory()
            if self.wanted("seed_story"):
                self.seed_story()
            if self.wanted("guard_cost"):
                self.guard_cost()
        finally:
            self.results["wall_s"] = time.time() - t0
            out_dir = self.build / "bench"
            out_dir.mkdir(parents=True, exist_ok=True)
            path = out_dir / f"results-{self.mode}.json"
            path.write_text(json.dumps(self.results, indent=1))
            self.log(f"results in {path}")
        return path


def pool(size):
    return {"pm": "static", "pm.max_children": str(size)}


def ondemand_pool():
    return {"pm": "ondemand", "pm.max_children": "16", "pm.process_idle_timeout": "10s"}


def summarize(runs):
    """Medians over rounds; errors summed; max of max."""
    keys = ("rps", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "mean_ms", "cpu_us")
    out = {}
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        if values:
            out[key] = statistics.median(values)
    out["max_ms"] = max((r.get("max_ms") or 0) for r in runs)
    out["errors"] = sum(r.get("errors", 0) for r in runs)
    # A server that leaves connections unanswered does so in every round: the worst one.
    out["starved"] = max(r.get("starved_connections", 0) for r in runs)
    out["unanswered"] = sum(r.get("unanswered_requests", 0) for r in runs)
    out["requests"] = sum(r.get("requests", 0) for r in runs)
    out["rounds"] = len(runs)
    out["rps_all"] = [round(r.get("rps", 0), 1) for r in runs]
    return out


def main():
    # wrk's 2,000 connections (many_clients) need the descriptors: take the hard limit.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("build_dir")
    parser.add_argument("--only", nargs="*", help="scenarios: floor sweep direct nginx "
                        "ondemand reload max_requests restart_spread crash_loop handover "
                        "many_clients cost memory seed_story guard_cost")
    parser.add_argument("--doc", help="where to write the report (default by mode)")
    parser.add_argument("--merge", help="a results file whose scenarios fill the ones this "
                        "run lacks (the report says which)")
    parser.add_argument("--update", action="store_true",
                        help="full mode: measure only the --only scenarios and put them "
                        "into docs/benchmarks.json and .md, keeping the others (the report "
                        "says which were measured again, and at which commit)")
    parser.add_argument("--report-only", action="store_true",
                        help="rebuild the report from the last results file")
    args = parser.parse_args()
    bench = Bench(args.mode, args.build_dir, args.only)
    for name in ("fpmd", "fcgi-bench", "php-floor"):
        if not (bench.build / name).exists():
            sys.exit(f"{bench.build / name} missing: build first (make build)")
    path = bench.build / "bench" / f"results-{args.mode}.json"
    if not args.report_only:
        path = bench.run()
    if args.mode == "full":
        doc, plots = m.ROOT / "docs" / "benchmarks.md", m.ROOT / "docs" / "plots"
    else:
        doc, plots = bench.build / "bench" / "benchmarks-quick.md", bench.build / "bench" / "plots"
    doc = Path(args.doc) if args.doc else doc
    results = json.loads(path.read_text())
    # The full run's numbers live beside its report, so one section can be measured again
    # alone (--update) without a whole run; the raw rounds stay in BUILD_DIR/bench.
    stored = m.ROOT / "docs" / "benchmarks.json"
    if args.update:
        if args.mode != "full" or not args.only:
            sys.exit("--update takes full mode and --only SCENARIOS")
        base = json.loads(stored.read_text())
        for name, value in results["scenarios"].items():
            base["scenarios"][name] = value
            base.setdefault("rerun", {})[name] = results["machine"]["git"][:50]
        results = base
    if args.mode == "full" and not args.doc:
        stored.write_text(json.dumps({k: v for k, v in results.items() if k != "runs"},
                                     indent=1) + "\n")
    if args.merge:
        other = json.loads(Path(args.merge).read_text())
        for name, value in other["scenarios"].items():
            if name not in results["scenarios"]:
                results["scenarios"][name] = value
                results.setdefault("merged", {})[name] = other["mode"]
    report.write(results, doc, plots)
    print(f"report: {doc}")


if __name__ == "__main__":
    main()
