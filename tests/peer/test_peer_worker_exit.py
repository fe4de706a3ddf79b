"""What a worker's exit looks like from outside, under php-fpm8.2 and fpmd: a recycled or
stopped worker closes its persistent MariaDB connections (mysqli "p:") with the protocol's
goodbye, so the server counts no aborted client. fpmd's workers skip the rest of PHP's
module shutdown (docs/process-managers.md, "How a worker exits"); the persistent
connections must still be closed first, as zend_shutdown() does."""

import os

import pytest

from lib import cgi, procs
from lib.mariadb import MariaDB
from lib.servers import DEFAULT_PHP_INI, FpmProcess

LIFETIME = 3
REQUESTS = 12
PAGE = """<?php
$db = new mysqli('p:localhost', 'root', '', '', 0, '@SOCKET@');
echo getmypid(), ' ', $db->query('SELECT CONNECTION_ID()')->fetch_row()[0];
"""


def status(db, name):
    return int(db.query("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                        f"WHERE VARIABLE_NAME = '{name}'"))


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    why = MariaDB.available()
    if why:
        pytest.skip(why)
    with MariaDB(tmp_path_factory.mktemp("db"), buffer_pool="16M") as db:
        yield db


@pytest.mark.parametrize("server_kind", ["php-fpm", "fpmd"])
def test_persistent_connections_are_closed_not_cut(server_kind, php_fpm_bin, fpmd_bin,
                                                   mariadb, tmp_path):
    docroot = tmp_path / "www"
    docroot.mkdir()
    (docroot / "p.php").write_text(PAGE.replace("@SOCKET@", mariadb.socket))
    os.chmod(tmp_path, 0o755)
    ini = tmp_path / "php.ini"
    ini.write_text(open(DEFAULT_PHP_INI).read() + "\nextension = mysqlnd\nextension = mysqli\n"
                   "mysqli.allow_persistent = 1\n")
    pool = {"pm": "static", "pm.max_children": "2", "pm.max_requests": str(LIFETIME)}
    if server_kind == "fpmd":
        pool["pm.max_requests_jitter"] = "0"
    binary = php_fpm_bin if server_kind == "php-fpm" else fpmd_bin
    aborted_before = status(mariadb, "ABORTED_CLIENTS")
    connections_before = status(mariadb, "CONNECTIONS")
    lives = {}
    with FpmProcess(binary, pool=pool, php_ini=ini, worker_fds_kept=1) as server:
        for _ in range(REQUESTS):
            answer = server.request(cgi.cgi_params("/p.php", docroot))
            assert answer.status == 200, answer.text
            pid, thread = answer.body.decode().split()
            lives.setdefault(pid, set()).add(thread)
    # Each worker life kept one connection for all its requests (persistence works), and
    # lives were recycled (the exit path ran, with connections open).
    assert all(len(threads) == 1 for threads in lives.values()), lives
    assert len(lives) >= REQUESTS // LIFETIME, lives
    # MariaDB counts an abort when it notices: once every connection of the pool is gone,
    # only the status query's own is left.
    procs.wait_until(lambda: status(mariadb, "THREADS_CONNECTED") == 1, 10,
                     what="MariaDB's connections from the pool gone")
    assert status(mariadb, "CONNECTIONS") - connections_before >= len(lives)
    assert status(mariadb, "ABORTED_CLIENTS") == aborted_before, mariadb.error_log()[-2000:]
