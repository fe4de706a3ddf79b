"""The seeds' 1 GB server, end to end (seed 004, docs/memory.md): MariaDB with a 128 MB
buffer pool, nginx and fpmd in one 1 GiB memory cgroup, the seed's pool config unchanged
(pm = dynamic, max_children 50, start 5, min spare 5, max spare 35, no memory directive),
and a heavy page that queries MariaDB over a persistent connection, holds a large working
set and leaks a little for good, under 60 connections. Under php8.2-fpm the kernel's OOM
killer kills mysqld within seconds (bench: make bench-memory); under fpmd, with the guard
on by default, mysqld is never killed, answers SELECT 1 throughout, and every request
succeeds."""

import threading
from pathlib import Path

import pytest

from lib.cgroup import MemoryCgroup
from lib.mariadb import MariaDB
from lib.nginx import NginxProcess
from lib.servers import DEFAULT_PHP_INI, FpmProcess

GiB = 1 << 30
CLIENTS = 60
LOAD_SECONDS = 15

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


def test_mysqld_survives_the_seeds_pool(fpmd_bin, tmp_path):
    why = MariaDB.available()
    if why:
        pytest.skip(why)
    docroot = tmp_path / "www"
    docroot.mkdir()
    ini = tmp_path / "php.ini"
    ini.write_text(Path(DEFAULT_PHP_INI).read_text() + "\nextension = mysqlnd\nextension = mysqli"
                   "\nextension = ffi\nffi.enable = 1\nmysqli.allow_persistent = 1\n")
    with MemoryCgroup.create(1 * GiB) as group:
        with MariaDB(tmp_path, buffer_pool="128M", wrapper=group.wrap()) as db:
            (docroot / "heavy.php").write_text(HEAVY_PHP.replace("@SOCKET@", db.socket))
            mysqld = db.server_pid()
            # Each worker keeps its persistent MariaDB connection (mysqli "p:").
            with FpmProcess(fpmd_bin, pool=SEED_POOL, php_ini=ini, listen="unix",
                            wrapper=group.wrap(), worker_fds_kept=1) as fpm:
                with NginxProcess(fpm.address, docroot, wrapper=group.wrap()) as nginx:
                    failures, served, db_misses, db_checks = [], [0], [0], [0]
                    stop = threading.Event()

                    def client():
                        while not stop.is_set():
                            try:
                                answer = nginx.get("/heavy.php", timeout=60)
                                if answer.status != 200 or not answer.body.startswith(b"ok 1 "):
                                    failures.append((answer.status, answer.body[:200]))
                                else:
                                    served[0] += 1
                            except Exception as error:  # counted: a failed request
                                failures.append(repr(error))

                    def database():
                        while not stop.is_set():
                            db_checks[0] += 1
                            if db.try_query("SELECT 1", timeout=10) != "1":
                                db_misses[0] += 1
                            stop.wait(0.25)

                    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
                    threads.append(threading.Thread(target=database))
                    for thread in threads:
                        thread.start()
                    stop.wait(LOAD_SECONDS)
                    stop.set()
                    for thread in threads:
                        thread.join(90)
                    log = fpm.log()
                    assert group.oom_kills() == 0, log
                    assert db.is_running() and db.server_pid() == mysqld, db.error_log()
                    assert db_misses[0] == 0 and db_checks[0] > 10, (db_misses, db_checks)
                    assert failures == [], failures[:5]
                    assert served[0] > CLIENTS, served
                    # The guard, not luck: it held workers back.
                    assert "not starting a worker" in log, log
