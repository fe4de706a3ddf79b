"""Keep-alive under contention without the master in the way: a worker that has to give
its kept connection away while that connection's next request has already come queues it
for the pool's workers itself; only idle connections go to the master to be held.

The master is stopped (SIGSTOP) while the requests run, so any connection handed to it
would never be answered: what is answered went from worker to worker."""

import concurrent.futures
import contextlib
import os
import signal

import pytest

from lib import cgi, procs
from lib import fcgi_client
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "pid.php").write_text("<?php echo getmypid();")
    # The marker says the worker has read the slow request and runs it.
    (tmp_path / "slow.php").write_text(
        "<?php touch(__DIR__ . '/slow-started'); usleep(500000); echo getmypid();")
    os.chmod(tmp_path, 0o755)
    return tmp_path


def ask(conn, docroot, timeout=10):
    resp = conn.request(cgi.cgi_params("/pid.php", docroot), keep_conn=True, timeout=timeout)
    assert resp.complete and resp.status == 200, resp.stdout
    return int(resp.body)


def send_whole(conn, params, request_id):
    """A keep-alive request in one write, its empty STDIN record included, so the worker
    reads all of it at once and nothing of it is left in the socket."""
    data = fcgi_client.encode_record(fcgi_client.BEGIN_REQUEST, request_id,
                                     fcgi_client.begin_request_body(keep_conn=True))
    data += fcgi_client.encode_stream(fcgi_client.PARAMS, request_id,
                                      fcgi_client.encode_pairs(params))
    data += fcgi_client.encode_record(fcgi_client.STDIN, request_id, b"")
    conn.send_raw(data)


@contextlib.contextmanager
def master_stopped(fpm):
    fpm.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        fpm.send_signal(signal.SIGCONT)


def test_a_kept_connection_with_its_next_request_skips_the_master(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "1"}) as fpm:
        [worker] = fpm.wait_for_children(1)
        kept = fpm.connection(timeout=10)
        other = None
        try:
            assert ask(kept, docroot) == worker  # the worker now holds `kept`, idle
            with master_stopped(fpm):
                send_whole(kept, cgi.cgi_params("/slow.php", docroot), 1)
                procs.wait_until((docroot / "slow-started").exists, 10,
                                 what="the worker runs slow.php")
                # While it runs, a new connection queues up, then the kept connection's
                # next request comes: when the slow one ends, the worker takes the new
                # connection and must give the kept one away with its request waiting.
                other = fpm.connection(timeout=10)
                other_rid = other.send_request(cgi.cgi_params("/pid.php", docroot),
                                               keep_conn=True)
                send_whole(kept, cgi.cgi_params("/pid.php", docroot), 2)
                slow = kept.read_response(1, timeout=10)
                assert slow.complete and slow.status == 200
                answered = other.read_response(other_rid, timeout=10)
                assert answered.complete and int(answered.body) == worker
                # Answered with the master stopped: the worker queued it itself.
                next_one = kept.read_response(2, timeout=10)
                assert next_one.complete and int(next_one.body) == worker
        finally:
            kept.close()
            if other is not None:
                other.close()
        assert fpm.children() == [worker]


def test_without_contention_the_worker_keeps_serving_its_connection(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "1"}) as fpm:
        [worker] = fpm.wait_for_children(1)
        with fpm.connection(timeout=10) as conn, master_stopped(fpm):
            # No other connection waits: nothing is handed over, so the stopped master
            # does not matter.
            assert {ask(conn, docroot) for _ in range(20)} == {worker}


def test_many_kept_connections_on_few_workers_are_all_served(fpmd_bin, docroot):
    connections, rounds = 8, 150
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}) as fpm:
        workers = set(fpm.wait_for_children(2))

        def client(_):
            with fpm.connection(timeout=10) as conn:
                return [ask(conn, docroot) for _ in range(rounds)]

        with concurrent.futures.ThreadPoolExecutor(connections) as pool:
            results = list(pool.map(client, range(connections)))
        # Every request on every connection answered (none starved behind the others),
        # by the pool's own workers, none of which died.
        assert [len(r) for r in results] == [rounds] * connections
        assert set().union(*results) <= workers
        assert set(fpm.children()) == workers
