"""The seeds' 1 GB server (seed 004, docs/memory.md) as a scenario both the end-to-end test
and `make bench-memory` run: MariaDB with a 128 MB buffer pool, nginx and a PHP server in one
1 GiB memory cgroup, the seed's pool config unchanged (pm = dynamic, max_children 50, start 5,
min spare 5, max spare 35, no memory directive), and a heavy page that queries MariaDB over a
persistent connection, holds a large working set and leaks a little for good, under
`clients` connections for `seconds`, while a prober asks mysqld `SELECT 1` every 0.25 s.

    result = run(server_binary, workdir)   # a dict, see SeedStory.result()

The same code drives php8.2-fpm and fpmd (FpmProcess takes either)."""

import subprocess
import threading
import time
from pathlib import Path

from .cgroup import MemoryCgroup
from .mariadb import MariaDB
from .nginx import NginxProcess
from .servers import DEFAULT_PHP_INI, FpmProcess

GiB = 1 << 30
MiB = 1 << 20
CLIENTS = 60
SECONDS = 15.0
PROBE_INTERVAL = 0.25

HEAVY_PHP = """<?php
// The seed's kind of page: a query over a persistent connection, a large working set, and
// a little memory that outlives the request (an extension's leak: FFI persistent memory).
$db = new mysqli('p:localhost', 'root', '', '', 0, '@SOCKET@');
$one = $db->query('SELECT 1')->fetch_row()[0];
$rows = [];
for ($i = 0; $i < 200000; $i++) $rows[] = str_repeat('x', 100) . $i;
$GLOBALS['leak'] = FFI::new('char[1048576]', false, true);
FFI::memset($GLOBALS['leak'], 1, 1048576);
usleep(20000);
echo "ok $one ", count($rows);
"""

SEED_POOL = {"pm": "dynamic", "pm.max_children": "50", "pm.start_servers": "5",
             "pm.min_spare_servers": "5", "pm.max_spare_servers": "35"}


def _kernel_log():
    """The kernel's log lines, or [] where dmesg cannot be read (it only names victims)."""
    try:
        done = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return done.stdout.splitlines() if done.returncode == 0 else []


def _victims(lines, group_name):
    """Names of the processes the OOM killer chose in our cgroup, from its oom-kill lines
    (`oom-kill:...,task_memcg=/.../NAME,task=mariadbd,pid=1601,uid=0`)."""
    names = []
    for line in lines:
        if "oom-kill:" not in line or "task_memcg=" not in line:
            continue
        fields = dict(part.split("=", 1) for part in line.split("oom-kill:", 1)[1].split(",")
                      if "=" in part)
        if fields.get("task_memcg", "").rstrip("/").endswith("/" + group_name):
            names.append(fields.get("task", "?"))
    return names


class SeedStory:
    def __init__(self, server_binary, workdir, clients=CLIENTS, seconds=SECONDS):
        self.binary = str(server_binary)
        self.dir = Path(workdir)
        self.clients = clients
        self.seconds = seconds
        self.log = ""
        self.db_error_log = ""
        self.failures = []
        self.served = 0
        self.probes = 0
        self.probe_misses = 0
        self.first_kill_s = None
        self.peak_usage = 0
        self.max_workers = 0
        self.victims = []
        self.oom_kills = 0
        self.mysqld_survived = False

    def _php_ini(self):
        ini = self.dir / "php.ini"
        ini.write_text(Path(DEFAULT_PHP_INI).read_text() + "\nextension = mysqlnd\n"
                       "extension = mysqli\nextension = ffi\nffi.enable = 1\n"
                       "mysqli.allow_persistent = 1\n")
        return ini

    def run(self):
        docroot = self.dir / "www"
        docroot.mkdir(exist_ok=True)
        ini = self._php_ini()
        kernel_before = set(_kernel_log())
        with MemoryCgroup.create(1 * GiB) as group:
            with MariaDB(self.dir, buffer_pool="128M", wrapper=group.wrap()) as db:
                (docroot / "heavy.php").write_text(HEAVY_PHP.replace("@SOCKET@", db.socket))
                mysqld = db.server_pid()
                # Each worker keeps its persistent MariaDB connection (mysqli "p:").
                with FpmProcess(self.binary, pool=SEED_POOL, php_ini=ini, listen="unix",
                                wrapper=group.wrap(), worker_fds_kept=1,
                                stop_timeout=30) as server:
                    with NginxProcess(server.address, docroot, wrapper=group.wrap()) as nginx:
                        self._load(nginx, db, server, group)
                    self.log = server.log()
                self.oom_kills = group.oom_kills()
                self.peak_usage = group.peak()
                self.mysqld_survived = db.is_running() and db.server_pid() == mysqld
                self.db_error_log = db.error_log()
            self.victims = _victims(set(_kernel_log()) - kernel_before, group.path.name)
        return self.result()

    def _load(self, nginx, db, server, group):
        stop = threading.Event()
        lock = threading.Lock()
        started = time.monotonic()

        def client():
            while not stop.is_set():
                try:
                    answer = nginx.get("/heavy.php", timeout=60)
                    ok = answer.status == 200 and answer.body.startswith(b"ok 1 ")
                    failure = None if ok else (answer.status, answer.body[:200])
                except Exception as error:  # counted: a failed request
                    failure = repr(error)
                with lock:
                    if failure is None:
                        self.served += 1
                    else:
                        self.failures.append(failure)

        def prober():
            while not stop.is_set():
                self.probes += 1
                if db.try_query("SELECT 1", timeout=10) != "1":
                    self.probe_misses += 1
                self.max_workers = max(self.max_workers, len(server.children()))
                if self.first_kill_s is None and group.oom_kills() > 0:
                    self.first_kill_s = time.monotonic() - started
                stop.wait(PROBE_INTERVAL)

        threads = [threading.Thread(target=client) for _ in range(self.clients)]
        threads.append(threading.Thread(target=prober))
        for thread in threads:
            thread.start()
        stop.wait(self.seconds)
        stop.set()
        for thread in threads:
            thread.join(90)

    def result(self):
        return {"server": Path(self.binary).name, "clients": self.clients,
                "seconds": self.seconds, "oom_kills": self.oom_kills,
                "victims": self.victims, "first_kill_s": self.first_kill_s,
                "mysqld_survived": self.mysqld_survived, "probes": self.probes,
                "probe_misses": self.probe_misses, "served": self.served,
                "failed": len(self.failures), "peak_usage_mib": self.peak_usage // MiB,
                "max_workers": self.max_workers,
                "held_back": self.log.count("not starting a worker")}


def run(server_binary, workdir, **kw):
    return SeedStory(server_binary, workdir, **kw).run()
