"""What the memory guard costs a normal workload: two fpmd pools side by side in one run,
the default (guard on, memory sampled 5 times a second) and `memory_reserve = 0` (off),
fcgi-bench alternating between them, medians of the rounds; server CPU per request is
utime+stime of the master and its workers from /proc. Both pay the workers' per-request
RSS reading (it serves pm.max_memory), so this isolates the master's side.

    make bench-guard     # or: python3 bench/guard_cost.py BUILD_DIR [--rounds N]
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure  # noqa: E402
from tests.lib.servers import FpmProcess  # noqa: E402

CASES = [("hello.php", 8, True), ("hello.php", 8, False), ("work.php", 8, True)]


def server_cpu(server):
    total = 0.0
    for pid in [server.pid] + list(server.children()):
        own = measure.cpu_seconds(pid)
        if own:
            total += own[0]
    return total


def start(fpmd, guard_on):
    settings = {"pm": "static", "pm.max_children": "4", "listen.backlog": "511",
                "catch_workers_output": "no"}
    global_settings = {} if guard_on else {"memory_reserve": "0"}
    server = FpmProcess(fpmd, pool=settings, global_settings=global_settings,
                        php_ini=measure.PHP_INI, stop_timeout=20).start()
    server.wait_for_children(4)
    return server


def measure_guard(build, rounds=5, duration=3.0, log=print):
    """Rows of {case, on: {rps, cpu_us}, off: {...}}: medians over alternating rounds."""
    build = Path(build).resolve()
    tool = str(build / "fcgi-bench")
    servers = {"on": start(build / "fpmd", True), "off": start(build / "fpmd", False)}
    try:
        rows = []
        for script, conc, keep_alive in CASES:
            results = {name: {"rps": [], "cpu_us": []} for name in servers}
            for round_ in range(rounds):
                order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
                for name in order:
                    server = servers[name]
                    before = server_cpu(server)
                    out = measure.fcgi_bench(tool, server.address, script, conc, duration,
                                             keep_alive=keep_alive)
                    used = server_cpu(server) - before
                    if out["errors"]:
                        raise RuntimeError(f"guard {name}: {out['errors']} errors")
                    results[name]["rps"].append(out["rps"])
                    results[name]["cpu_us"].append(used * 1e6 / max(out["requests"], 1))
            med = {name: {k: statistics.median(v) for k, v in r.items()}
                   for name, r in results.items()}
            row = {"page": script, "conc": conc, "keep_alive": keep_alive, **med}
            log(f"guard cost {script} c={conc} keep-alive {keep_alive}: on {med['on']['rps']:.0f} "
                f"req/s, off {med['off']['rps']:.0f} req/s")
            rows.append(row)
        return rows
    finally:
        for server in servers.values():
            server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args()
    rows = measure_guard(args.build_dir, args.rounds, args.duration)
    print("| case | guard on req/s | guard off req/s | on/off | CPU µs/req on | off |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        on, off = row["on"], row["off"]
        case = f"{row['page']} c={row['conc']} {'keep-alive' if row['keep_alive'] else 'no keep-alive'}"
        print(f"| {case} | {on['rps']:.0f} | {off['rps']:.0f} | {on['rps'] / off['rps']:.2f} "
              f"| {on['cpu_us']:.1f} | {off['cpu_us']:.1f} |")


if __name__ == "__main__":
    main()
