#!/usr/bin/python3
"""Where a pool's memory goes: PSS (KiB) per mapped file of the master and of one idle
worker, php-fpm8.2 against fpmd, both with bench/php.ini and a static pool of 4, largest
differences first. Usage: bench/pss_breakdown.py BUILD_DIR"""

import collections
import sys
from pathlib import Path

import measure as m


def pss_by_file(pid):
    groups = collections.Counter()
    name = "[anon]"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and "-" in parts[0] and ":" in parts[3]:
            name = parts[5].rsplit("/", 1)[-1] if len(parts) > 5 else "[anon]"
        elif parts and parts[0] == "Pss:":
            groups[name] += int(parts[1])
    return groups


def main():
    build = Path(sys.argv[1] if len(sys.argv) > 1 else "build").resolve()
    readings = {}
    for name, binary in (("php-fpm", m.PHP_FPM), ("fpmd", str(build / "fpmd"))):
        server = m.start_server(binary, {"pm.max_children": "4"})
        try:
            worker = server.wait_for_children(4)[0]
            # Idle: every worker has finished starting (the scoreboard says so for fpmd;
            # php-fpm's are ready once forked), before any request.
            readings[name] = (pss_by_file(server.pid), pss_by_file(worker))
        finally:
            server.stop(check=False)
    for index, what in ((0, "master"), (1, "one worker")):
        a, b = readings["php-fpm"][index], readings["fpmd"][index]
        print(f"{what}: php-fpm {sum(a.values())} KiB, fpmd {sum(b.values())} KiB, "
              f"{sum(b.values()) - sum(a.values()):+d}")
        names = sorted(set(a) | set(b), key=lambda k: -abs(b.get(k, 0) - a.get(k, 0)))
        for key in names[:12]:
            print(f"  {key:32s} {a.get(key, 0):7d} {b.get(key, 0):7d} "
                  f"{b.get(key, 0) - a.get(key, 0):+7d}")


if __name__ == "__main__":
    main()
