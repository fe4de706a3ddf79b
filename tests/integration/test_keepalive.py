"""Keep-alive without pinning: an idle kept-alive connection holds no worker (the master
holds it and hands it to a free worker when the next request comes), and such
connections survive a reload."""

import os
import signal

import pytest

from lib import cgi
from lib.pid_page import ask, make_docroot
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    return make_docroot(tmp_path)


def test_idle_kept_connections_do_not_pin_workers(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}) as fpm:
        workers = set(fpm.wait_for_children(2))
        conns = [fpm.connection() for _ in range(6)]
        try:
            # Six kept-alive connections, each left idle after its request. With PHP-FPM
            # the third one would wait forever: both workers sit on idle connections.
            first_round = [ask(conn, docroot) for conn in conns]
            assert set(first_round) <= workers
            # Every connection still works, in any order.
            second_round = [ask(conn, docroot) for conn in reversed(conns)]
            assert set(second_round) <= workers
        finally:
            for conn in conns:
                conn.close()
        assert sorted(fpm.children()) == sorted(workers)


def test_a_closed_idle_connection_is_dropped(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "1"}) as fpm:
        for _ in range(20):
            with fpm.connection() as conn:
                ask(conn, docroot)
        # The master let go of every one of them: its open descriptors did not grow.
        master_fds = len(os.listdir(f"/proc/{fpm.pid}/fd"))
        assert master_fds < 40
        with fpm.connection() as conn:
            ask(conn, docroot)


def test_kept_connections_survive_a_reload(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}) as fpm:
        old_workers = set(fpm.wait_for_children(2))
        conns = [fpm.connection(timeout=20) for _ in range(3)]
        try:
            for conn in conns:
                ask(conn, docroot)
            start = fpm.log_offset()
            fpm.send_signal(signal.SIGUSR2)
            # A request sent on a kept connection while the reload is under way waits for
            # the new workers instead of failing.
            in_flight = conns[0].send_request(cgi.cgi_params("/pid.php", docroot), keep_conn=True)
            fpm.wait_for_log(r"NOTICE: ready to handle connections", start=start, timeout=20)
            resp = conns[0].read_response(in_flight, timeout=20)
            assert resp.complete and resp.status == 200
            new_workers = set(fpm.wait_for_children(2))
            assert not new_workers & old_workers
            for conn in conns:
                assert ask(conn, docroot) in new_workers
        finally:
            for conn in conns:
                conn.close()
