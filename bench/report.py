"""docs/benchmarks.md and its plots from a results file of bench/run.py."""

import os
import platform
import re
import subprocess
from pathlib import Path

SERVERS = ("php-fpm", "fpmd")


def _cmd(argv):
    try:
        run = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (run.stdout or run.stderr).strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine():
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem, "kernel": platform.release(),
        "php_fpm": _cmd(["/usr/sbin/php-fpm8.2", "-v"]).splitlines()[0:1],
        "nginx": _cmd(["/usr/sbin/nginx", "-v"]) or "nginx",
        "wrk": _cmd(["/usr/bin/wrk", "--version"]).splitlines()[0:1],
        "git": _cmd(["git", "-C", str(Path(__file__).parent), "log", "-1", "--format=%h %s"]),
        "os": _cmd(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
    }


def ratio(a, b, higher_better=True):
    if not a or not b:
        return "–"
    return f"{b / a:.2f}×"


def fmt(value, digits=1):
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def table(rows, header):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def throughput_rows(entries, describe, starvation=False):
    rows = []
    for e in entries:
        a, b = e["php-fpm"], e["fpmd"]
        row = [*describe(e["key"]), fmt(a.get("rps")), fmt(b.get("rps")),
               ratio(a.get("rps"), b.get("rps")), fmt(a.get("p99_ms"), 2),
               fmt(b.get("p99_ms"), 2), ratio(a.get("p99_ms"), b.get("p99_ms")),
               fmt(a.get("cpu_us")), fmt(b.get("cpu_us")),
               ratio(a.get("cpu_us"), b.get("cpu_us")),
               f"{a.get('errors', 0)} / {b.get('errors', 0)}"]
        if starvation:
            row += [f"{a.get('starved', 0)} / {b.get('starved', 0)}",
                    f"{a.get('unanswered', 0)} / {b.get('unanswered', 0)}"]
        rows.append(row)
    return rows


THROUGHPUT_HEADER = ["php-fpm req/s", "fpmd req/s", "fpmd/php-fpm", "php-fpm p99 ms",
                     "fpmd p99 ms", "p99 fpmd/php-fpm", "php-fpm CPU µs/req",
                     "fpmd CPU µs/req", "CPU fpmd/php-fpm", "errors (php-fpm / fpmd)"]
# fcgi-bench's own counts of what got no answer (not available from wrk).
STARVATION_HEADER = ["starved conns (php-fpm / fpmd)", "unanswered (php-fpm / fpmd)"]
STARVATION_NOTE = (
    "`starved conns`: connections (of `conc`) that got no answer during the whole measured "
    "run, worst round; `unanswered`: requests that got none within fcgi-bench's timeout, "
    "summed over the rounds (they are also in `errors`, and in the latency histogram at the "
    "time they waited). Requests sent during the warm-up and still waiting count. With more "
    "kept-alive connections than workers, php-fpm pins each worker to one connection and the "
    "others wait for the whole run: its req/s and p99 are those of the connections it "
    "served. fpmd hands an idle kept connection over when another client needs the worker.\n")


def plots(results, out_dir):
    """throughput and p99 against concurrency, direct FastCGI, one PNG per page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    entries = [e for e in results["scenarios"].get("direct", []) if e["key"]["keep_alive"]]
    pages = sorted({e["key"]["page"] for e in entries})
    for page in pages:
        rows = sorted((e for e in entries if e["key"]["page"] == page),
                      key=lambda e: e["key"]["conc"])
        if len(rows) < 2:
            continue
        data = out_dir / f"{page}.dat"
        data.write_text("".join(
            f"{e['key']['conc']} {e['php-fpm'].get('rps', 0)} {e['fpmd'].get('rps', 0)} "
            f"{e['php-fpm'].get('p99_ms', 0)} {e['fpmd'].get('p99_ms', 0)}\n" for e in rows))
        stem = page.replace(".php", "")
        png = out_dir / f"{stem}.png"
        script = f"""set terminal pngcairo size 960,400 font ",10"
set output "{png}"
set multiplot layout 1,2 title "{page}, direct FastCGI (fcgi-bench, keep-alive)"
set logscale x 2
set xlabel "concurrency"
set key top left
set grid
set ylabel "requests/s"
set yrange [0:*]
plot "{data}" using 1:2 with linespoints title "php-fpm 8.2", \\
     "{data}" using 1:3 with linespoints title "fpmd"
set ylabel "p99 latency (ms)"
plot "{data}" using 1:4 with linespoints title "php-fpm 8.2", \\
     "{data}" using 1:5 with linespoints title "fpmd"
unset multiplot
"""
        run = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True,
                             timeout=30)
        data.unlink()
        if run.returncode == 0:
            made.append(png)
    return made


def cost_plot(rows, dimension, out_dir):
    """Server CPU per request against one dimension of work, both servers, log-log."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "cost-" + dimension.replace(" ", "-")
    data = out_dir / f"{stem}.dat"
    # Log axes: a zero (no body) is drawn at 1.
    data.write_text("".join(
        f"{max(1, e['key']['value'])} {e['php-fpm'].get('cpu_us') or 0} "
        f"{e['fpmd'].get('cpu_us') or 0}\n" for e in rows))
    png = out_dir / f"{stem}.png"
    script = f"""set terminal pngcairo size 640,400 font ",10"
set output "{png}"
set title "server CPU per request against {dimension}"
set logscale xy
set xlabel "{dimension}"
set ylabel "CPU µs per request (master + workers)"
set key top left
set grid
plot "{data}" using 1:2 with linespoints title "php-fpm 8.2", \\
     "{data}" using 1:3 with linespoints title "fpmd"
"""
    run = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, timeout=30)
    data.unlink()
    return png if run.returncode == 0 else None


SEED_STORY_NOTE = (
    "## The seeds' 1 GB server: does the database survive?\n\n"
    "Seed 004's post-mortem, reproduced (`tests/lib/seed_story.py`, also the end-to-end "
    "test): MariaDB (128 MB buffer pool), nginx and the server in one 1 GiB memory cgroup; "
    "the seed's pool unchanged (`pm = dynamic`, max_children 50, start 5, min spare 5, max "
    "spare 35, no memory directive; fpmd's defaults otherwise, so its host guard is on); "
    "`heavy.php` queries MariaDB over a persistent mysqli connection, builds a ~25 MB working "
    "set and leaks 1 MiB of persistent memory per request; 60 clients through nginx for 15 s, "
    "and `SELECT 1` to mysqld every 0.25 s. `killed`: the OOM killer's victims, from its "
    "kernel log lines for this cgroup; `first kill s`: seconds into the load; `peak MiB`: the "
    "cgroup's most (its limit is 1024); `failed`: answers other than the page's (a 500 once "
    "the database is gone) and errors. One fresh cgroup, database and server per row.\n")


def write(results, doc_path, plot_dir):
    mach = results["machine"]
    cfg = results["config"]
    sc = results["scenarios"]
    lines = []
    add = lines.append
    add("# Benchmarks: fpmd against php8.2-fpm\n")
    add("Generated by `bench/run.sh " + results["mode"] + " BUILD_DIR` "
        f"(`make bench{'' if results['mode'] == 'full' else '-quick'}`); "
        "do not edit the numbers by hand, rerun instead. "
        f"This run took {results.get('wall_s', 0) / 60:.1f} minutes.\n")
    for name, source in results.get("merged", {}).items():
        add(f"- Section `{name}` comes from an earlier `{source}` run (shorter rounds), "
            "not from this one.")
    for name, commit in results.get("rerun", {}).items():
        add(f"- Section `{name}` was measured again, alone, at `{commit}` (after a change to "
            "what it measures); the rest is from the run above.")
    if results.get("merged") or results.get("rerun"):
        add("")
    add("## Machine and method\n")
    add(f"- CPU: {mach['cpu']}, {mach['cores']} cores; memory {mach['memory']}; "
        f"{mach['os']}, kernel {mach['kernel']}")
    add(f"- {' '.join(mach['php_fpm'])}; fpmd at `{mach['git']}` (Release build); "
        f"{mach['nginx']}; {' '.join(mach['wrk'])}")
    add("- Both servers run at once, each in a temp dir on its own unix socket, with the same "
        "`bench/php.ini` (opcache on) and the same pool settings (`pm = static`, "
        "`listen.backlog = 511`, no access log); `-n -c bench/php.ini`.")
    add(f"- Every cell alternates the servers (A B, B A, ...) for {cfg['rounds']} rounds of "
        f"{cfg['duration']} s after a {cfg['warmup']} s warm-up, and shows the median; errors "
        "are summed over the rounds. The client (fcgi-bench or wrk, and nginx) shares the "
        f"{mach['cores']} cores with the server, as it would on one host.")
    add("- Pages (bench/www/): `hello.php` (echo), `work.php` (~1 ms: arrays, usort, md5, "
        "json_encode, ~9 KB out), `sleep.php` (usleep 50 ms), `big.php` (1 MiB out), "
        "`upload.php` (10 MiB raw POST body read from php://input).")
    add("- CPU µs/req: utime + stime of the server's master and all its workers (alive or "
        "reaped) from /proc over the run, divided by the requests it answered (fcgi-bench's "
        "warm-up requests counted on both sides), so the client's, nginx's and the other "
        "server's share of the cores does not blur it.\n")
    best = results.get("best_pools")
    if best:
        add("## Pool size sweep (direct FastCGI, c=64, keep-alive)\n")
        add("Each server then runs the other scenarios with its own best static pool: "
            + "; ".join(f"{page}: php-fpm {b['php-fpm']}, fpmd {b['fpmd']}"
                        for page, b in best.items()) + ". `sleep.php` uses 16 for both.\n")
        add(table(throughput_rows(sc.get("pool_sweep", []), lambda k: [
            k["page"], k["pool"]["php-fpm"]], starvation=True),
            ["page", "pm.max_children", *THROUGHPUT_HEADER, *STARVATION_HEADER]))
    if sc.get("direct"):
        add("## Direct FastCGI (fcgi-bench)\n")
        add(STARVATION_NOTE)
        add(table(throughput_rows(sc["direct"], lambda k: [
            k["page"], k["conc"], "on" if k["keep_alive"] else "off",
            f"{k['pool']['php-fpm']}/{k['pool']['fpmd']}"], starvation=True),
            ["page", "conc", "keep-alive", "pool (php-fpm/fpmd)", *THROUGHPUT_HEADER,
             *STARVATION_HEADER]))
        for png in plots(results, plot_dir):
            rel = os.path.relpath(png, doc_path.parent)
            add(f"![{png.stem}]({rel})\n")
    if sc.get("nginx"):
        add("## Through nginx (wrk, 1 thread)\n")
        add("`keepalive upstream` is `fastcgi_keep_conn on` with `keepalive 32`; plain opens a "
            "connection per request. wrk's p99 comes from its own histogram.\n")
        add(table(throughput_rows(sc["nginx"], lambda k: [
            k["page"], k["conc"], "keepalive" if k["upstream_keepalive"] else "plain"]),
            ["page", "conc", "upstream", *THROUGHPUT_HEADER]))
    floor = sc.get("floor")
    if floor:
        add("## The floor: PHP alone, in-process\n")
        add("`build/php-floor` runs the page through fpmd's engine in a loop (request "
            "start-up, execute, shutdown; output counted and dropped; no sockets), on one core.\n")
        rows = []
        cores = mach["cores"] or 1
        direct = sc.get("direct", [])
        for page, f in floor.items():
            best_rps = {n: max((e[n].get("rps", 0) for e in direct
                                if e["key"]["page"] == page and e["key"]["keep_alive"]),
                               default=0) for n in SERVERS}
            rows.append([page, fmt(f["us_per_request"], 1), fmt(f["rps"]),
                         *(f"{fmt(best_rps[n] / cores)} ({fmt(f['rps'] / (best_rps[n] / cores), 2)}×)"
                           if best_rps[n] else "–" for n in SERVERS)])
        add(table(rows, ["page", "floor µs/request", "floor req/s (1 core)",
                         "php-fpm best req/s per core (floor/it)",
                         "fpmd best req/s per core (floor/it)"]))
        add("Per core = best direct keep-alive throughput / number of cores; the load "
            "generator's own CPU time is part of it, so the true server overhead is lower.\n")
    od = sc.get("ondemand")
    if od:
        add("## ondemand from cold: 50 concurrent requests\n")
        add("`pm = ondemand`, `pm.max_children = 16`; a fresh server per round; fcgi-bench "
            "opens 50 connections at once, one request each (`hello.php`).\n")
        rows = []
        for name in SERVERS:
            runs = od["runs"].get(name) or []
            if not runs:
                rows.append([name, "not supported yet" + (f" ({od['why']})" if od.get("why")
                                                          else ""), "–", "–", "–"])
                continue
            times = sorted(r["duration_s"] * 1000 for r in runs)
            rows.append([name, fmt(times[len(times) // 2], 1) + " ms (median)",
                         fmt(max(r["max_ms"] for r in runs), 1),
                         sum(r["errors"] for r in runs), sum(r["requests"] for r in runs)])
        add(table(rows, ["server", "all served after", "worst latency ms", "failed",
                         "served"]))
    rl = sc.get("reload")
    if rl:
        add("## Reload under load: SIGUSR2 five times\n")
        add(f"`pm = static`, 4 workers; fcgi-bench -c 16 without keep-alive on `hello.php`; "
            f"SIGUSR2 every {cfg['reload_gap']} s.\n")
        add(table([[n, rl[n].get("requests"), rl[n].get("errors"),
                    rl[n].get("errors_by_kind", {}) and ", ".join(
                        f"{k} {v}" for k, v in rl[n]["errors_by_kind"].items() if v) or "–",
                    fmt(rl[n].get("p999_ms"), 2), fmt(rl[n].get("max_ms"), 1),
                    "yes" if rl[n].get("alive_after") else "NO"] for n in SERVERS if n in rl],
                  ["server", "served", "failed", "failures by kind", "p99.9 ms",
                   "worst ms", "running after"]))
    if sc.get("handover"):
        add("## Keep-alive hand-over cost (direct FastCGI, hello.php)\n")
        add("A static pool of 8 for both. With `conc` ≤ 8 every kept-alive connection can keep "
            "a worker of its own; above it, fpmd hands idle connections between workers and "
            "php-fpm leaves the extra connections waiting. The row without keep-alive is the "
            "reference. " + STARVATION_NOTE)
        add(table(throughput_rows(sc["handover"], lambda k: [
            k["conc"], "on" if k["keep_alive"] else "off"], starvation=True),
            ["conc", "keep-alive", *THROUGHPUT_HEADER, *STARVATION_HEADER]))
        cells = {(e["key"]["conc"], e["key"]["keep_alive"]): e["fpmd"] for e in sc["handover"]}
        kept = sorted(c for c, keep in cells if keep)
        if len(kept) >= 2 and cells[(kept[0], True)].get("rps"):
            low, high = cells[(kept[0], True)], cells[(kept[-1], True)]
            add(f"fpmd keep-alive at c={kept[-1]} against c={kept[0]}: "
                f"{high.get('rps', 0) / low['rps']:.2f}× the throughput, p99 "
                f"{fmt(low.get('p99_ms'), 2)} → {fmt(high.get('p99_ms'), 2)} ms.\n")
    many = sc.get("many_clients")
    if many:
        add("## Many clients: 2,000 connections through nginx to a pool of 8\n")
        add("wrk (2 threads, 2,000 connections, 30 s timeout) through one nginx whose upstream "
            "keeps 1,024 connections alive (`fastcgi_keep_conn on`) to a static pool of 8 "
            "(`listen.backlog = 4096`), one run each. `sleep20.php` sleeps 20 ms: 8 workers "
            "serve at most 400 req/s, so most clients wait; wrk's latencies are those of the "
            "requests that were answered within the run, so a server that leaves most clients "
            "waiting shows the short latencies of the few it serves. With "
            "`request_queue_timeout` the master keeps one queue in arrival order "
            "(docs/process-managers.md); everyone then waits about as long (p99 close to p50). "
            "CPU: the server's (master and workers), per answered request.\n")
        add(table([[e["page"], e["server"], fmt(e.get("rps")), fmt(e.get("p50_ms")),
                    fmt(e.get("p99_ms")), fmt(e.get("max_ms")),
                    fmt(e["p99_ms"] / e["p50_ms"], 2) if e.get("p50_ms") and e.get("p99_ms")
                    else "–", fmt(e.get("cpu_us")), e.get("errors", 0)] for e in many],
                  ["page", "server", "req/s", "p50 ms", "p99 ms", "max ms", "p99/p50",
                   "CPU µs/req", "errors"]))
    cost = sc.get("cost")
    if cost:
        add("## Cost against work\n")
        add("Server CPU (master and workers) per request as one thing grows and the rest stays "
            "hello.php's: the response (`out.php`, c=4, keep-alive: a connection per worker, so no hand-over), the request body "
            "(`upload.php` reads it, c=4), the number of FastCGI params (fcgi-bench "
            "sends 17 of its own; the rest are `BENCH_PARAM_n`), each on a static pool of 4, "
            "and the pool size (`hello.php`, c=64, no keep-alive). Alternating rounds, "
            "medians.\n")
        dimensions = []
        for e in cost:
            if e["key"]["dimension"] not in dimensions:
                dimensions.append(e["key"]["dimension"])
        for dimension in dimensions:
            rows = [e for e in cost if e["key"]["dimension"] == dimension]
            add(f"### {dimension}\n")
            add(table([[e["key"]["value"], fmt(e["php-fpm"].get("rps")),
                        fmt(e["fpmd"].get("rps")), fmt(e["php-fpm"].get("cpu_us")),
                        fmt(e["fpmd"].get("cpu_us")),
                        ratio(e["php-fpm"].get("cpu_us"), e["fpmd"].get("cpu_us")),
                        f"{e['php-fpm'].get('errors', 0)} / {e['fpmd'].get('errors', 0)}"]
                       for e in rows],
                      [dimension, "php-fpm req/s", "fpmd req/s", "php-fpm CPU µs/req",
                       "fpmd CPU µs/req", "CPU fpmd/php-fpm", "errors (php-fpm / fpmd)"]))
            png = cost_plot(rows, dimension, plot_dir)
            if png:
                add(f"![{png.stem}]({os.path.relpath(png, doc_path.parent)})\n")
    rec = sc.get("recycling")
    if rec:
        add("## pm.max_requests recycling\n")
        add(f"A static pool of {rec[0]['pool']}, `{rec[0]['page']}`, c={rec[0]['conc']} "
            "kept-alive connections (as an nginx keepalive upstream spreads load: every worker "
            "serves at the same pace, so workers started together reach their limit together), "
            "constant load; `pm.max_requests = 200` replaces each worker after 200 requests (a "
            "kept connection closed by a recycled worker before answering is retried by "
            "fcgi-bench, not counted as a failure). fpmd's `pm.max_requests_jitter` (docs/process-managers.md) lowers each "
            "worker's limit by a random 0..jitter (default: a tenth, 20; for the workers "
            "started with the pool, up to half the limit) so that workers started together are "
            "not replaced together; `0` gives PHP-FPM's exact counts. "
            "Forks are timed as their `child N started` lines reach the log; `max forks in "
            "100 ms / 1 s` is the largest number within any such window (median of the rounds). "
            "`of never`: req/s against the same server's row without recycling. "
            "`pm.max_requests = 1` serves every request on a fresh worker, so its CPU per "
            "request is what a worker's fork, first request and exit cost together (fpmd's "
            "workers leave PHP's module shutdown to the kernel when only PHP's own extensions "
            "are loaded; docs/process-managers.md).\n")
        never = {e["server"]: e.get("rps") for e in rec if not e["max_requests"]}
        rows = []
        for e in rec:
            rows.append([e["server"], e["max_requests"] or "0 (never)",
                         "–" if e["server"] == "php-fpm" or not e["max_requests"]
                         else e["jitter"], fmt(e.get("rps")),
                         ratio(never.get(e["server"]), e.get("rps")), fmt(e.get("cpu_us"), 1),
                         fmt(e.get("p99_ms"), 2),
                         fmt(e.get("max_ms"), 1), fmt(e.get("spawns"), 0),
                         fmt(e.get("max_spawns_100ms"), 0), fmt(e.get("max_spawns_1s"), 0),
                         e.get("errors", 0)])
        add(table(rows, ["server", "pm.max_requests", "jitter", "req/s", "of never",
                         "CPU µs/req", "p99 ms", "worst ms", "forks", "max forks in 100 ms",
                         "max forks in 1 s", "errors"]))
    spread = sc.get("restart_spread")
    if spread:
        add("## Restart spread: do workers started together restart together?\n")
        add(f"A static pool of {spread[0]['pool']} just started, `pm.max_requests = "
            f"{spread[0]['max_requests']}`, `sleep.php` (50 ms) on one kept-alive connection per "
            "worker, so every worker serves at the same pace and a worker lives about 2 s. "
            "`first wave`: time from the first to the last of the first "
            f"{spread[0]['pool']} restarts, from the workers' fork times in /proc/PID/stat "
            "(10-ms resolution); `max forks in 50 ms`: over the whole run. A fresh server per "
            "round; medians. fpmd gives each worker life its own limit (`pm.max_requests_jitter`, "
            "default a tenth of the limit), and the workers started with the pool a limit "
            "anywhere in the upper half, so the first wave spreads over about half a lifetime "
            "instead of coinciding; `jitter 0` is PHP-FPM's exact count, where the whole pool "
            "restarts at once.\n")
        rows = [[e["server"], "–" if e["server"] == "php-fpm" else e["jitter"],
                 fmt(e.get("first_wave_ms"), 0), fmt(e.get("max_forks_50ms"), 0),
                 fmt(e.get("forks"), 0), fmt(e.get("p99_ms"), 1), fmt(e.get("max_ms"), 1),
                 e.get("errors", 0)] for e in spread]
        add(table(rows, ["server", "jitter", "first wave ms", "max forks in 50 ms", "forks",
                         "p99 ms", "worst ms", "errors"]))
    crash = sc.get("crash_loop")
    if crash:
        add("## Crash loop: every worker dies on its first request\n")
        add("`crash.php` SIGKILLs the worker running it; a static pool of 4, fcgi-bench -c 4 "
            "without keep-alive asks for it without pause over the window (a site under "
            "traffic after a broken deploy). PHP-FPM replaces each dead worker at once; fpmd "
            "delays the respawn of workers that die soon after start (100 ms doubling to 10 s, "
            "logged). Forks from the `child N started` log lines; CPU from /proc/PID/stat: the "
            "master's own utime+stime, and the reaped workers' (cutime+cstime). Medians over "
            "the rounds.\n")
        rows = []
        for name in SERVERS:
            runs = crash.get(name) or []
            if not runs:
                continue

            def med(key):
                values = sorted(r[key] for r in runs)
                return values[len(values) // 2]
            rows.append([name, fmt(med("window_s"), 1), med("forks"),
                         fmt(med("forks") / med("window_s"), 1), fmt(med("master_cpu_s"), 2),
                         fmt(med("workers_cpu_s"), 2), med("backoff_lines"),
                         "yes" if all(r["alive_after"] for r in runs) else "NO"])
        add(table(rows, ["server", "window s", "forks", "forks/s", "master CPU s",
                         "workers CPU s", "back-off log lines", "running after"]))
    mem = sc.get("memory")
    if mem:
        add("## Memory (KiB, /proc/PID/smaps_rollup)\n")
        add("4 static workers; idle = 1 s after start, before any request; after load = after "
            "work.php and big.php at c=16. PSS shares pages fairly between processes, so the "
            "pool total is the sum of PSS.\n")
        rows = []
        for n in SERVERS:
            for phase in ("idle", "after_load"):
                snap = mem[n].get(phase)
                if not snap:
                    continue
                workers = snap["workers"]
                rows.append([n, phase.replace("_", " "), snap["master"]["rss"],
                             snap["master"]["pss"],
                             " ".join(str(w["rss"]) for w in workers),
                             " ".join(str(w["pss"]) for w in workers),
                             snap["total_rss"], snap["total_pss"]])
        add(table(rows, ["server", "when", "master RSS", "master PSS", "workers RSS",
                         "workers PSS", "total RSS", "total PSS"]))
    seed = sc.get("seed_story")
    if seed:
        add(SEED_STORY_NOTE)
        rows = []
        for name in SERVERS:
            for r in seed.get(name) or []:
                rows.append([name, r["oom_kills"], ", ".join(r["victims"]) or "–",
                             fmt(r["first_kill_s"], 1) if r["first_kill_s"] is not None else "–",
                             "survived" if r["mysqld_survived"] else "**killed**",
                             f"{r['probes'] - r['probe_misses']} of {r['probes']}",
                             r["served"], r["failed"], r["peak_usage_mib"], r["max_workers"]])
        add(table(rows, ["server", "OOM kills", "killed", "first kill s", "mysqld",
                         "SELECT 1 answered", "requests served", "failed", "peak MiB",
                         "most workers"]))
    guard = sc.get("guard_cost")
    if guard:
        add("## What the memory guard costs\n")
        add("Two fpmd pools side by side in one run (`bench/guard_cost.py`, also "
            "`make bench-guard`): the default (guard on, the cgroup or /proc/meminfo read 5 "
            "times a second) and `memory_reserve = 0` (off); static 4, fcgi-bench alternating, "
            f"medians of {cfg.get('guard_rounds', '?')} rounds; CPU is the master's and the "
            "workers' utime+stime per request.\n")
        rows = [[f"{g['page']} c={g['conc']} {'keep-alive' if g['keep_alive'] else 'no keep-alive'}",
                 fmt(g["on"]["rps"], 0), fmt(g["off"]["rps"], 0),
                 ratio(g["off"]["rps"], g["on"]["rps"]), fmt(g["on"]["cpu_us"], 1),
                 fmt(g["off"]["cpu_us"], 1)] for g in guard]
        add(table(rows, ["case", "guard on req/s", "guard off req/s", "on/off",
                         "CPU µs/req on", "CPU µs/req off"]))
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    doc_path.write_text("\n".join(lines))
