"""A worker waiting for the next request on a kept-alive connection must notice a
graceful stop or reload at once: it gives the idle connection to the master (a reload
carries it to the new workers) instead of sitting in a read() the signal cannot end.

The trap these tests set: the web server sends the previous request's closing empty
STDIN record only after the response (the script never read its body). The connection
turns readable with nothing of a next request in it; a worker that took that for the
next request blocked in read() until the web server spoke again."""

import re
import signal

import pytest

from lib import cgi, procs
from lib import fcgi_client
from lib.pid_page import ask, make_docroot
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    return make_docroot(tmp_path)


def answer_before_stdin_ends(conn, docroot):
    """A kept-alive request answered before its empty STDIN record is sent; the record
    follows the response, and the worker has time to see it before the test goes on."""
    rid = conn.send_request(cgi.cgi_params("/pid.php", docroot), keep_conn=True,
                            close_stdin=False)
    resp = conn.read_response(rid, timeout=10)
    assert resp.complete and resp.status == 200, resp.stdout
    conn.send_raw(fcgi_client.encode_record(fcgi_client.STDIN, rid, b""))
    # Not needed for the test to pass: once the worker has read the record, one that
    # misreads it for the next request sits in read() (the old hang), so the test fails
    # without the fix instead of signalling before the worker looked.
    procs.wait_until(lambda: not conn.unread_by_server(), 10,
                     what="the worker read the late STDIN record")
    return int(resp.body)


def assert_no_worker_killed(fpm, start):
    log = fpm.log()[start:]
    assert not re.search(r"child \d+ exited on signal|SIGTERM", log), log


def server(fpmd_bin, children):
    # Children's exits during a stop are logged at debug level.
    fpm = FpmProcess(fpmd_bin, pool={"pm.max_children": str(children)},
                     global_settings={"log_level": "debug"}, wait_ready=False).start()
    fpm.wait_for_log(r"ready to handle connections")
    return fpm


def test_graceful_stop_ends_a_worker_waiting_on_a_kept_connection(fpmd_bin, docroot):
    fpm = server(fpmd_bin, 1)
    with fpm:
        (worker,) = fpm.wait_for_children(1)
        with fpm.connection(timeout=10) as conn:
            assert answer_before_stdin_ends(conn, docroot) == worker
            start = fpm.log_offset()
            fpm.send_signal(signal.SIGQUIT)
            # The worker leaves on its own, with code 0: nothing waits for a tick or for
            # the web server.
            assert fpm.wait(timeout=5) == 0
            assert re.search(rf"child {worker} exited with code 0", fpm.log()[start:])
            assert_no_worker_killed(fpm, start)


def test_reload_carries_a_kept_connection_whose_stdin_ended_late(fpmd_bin, docroot):
    with server(fpmd_bin, 1) as fpm:
        (old_worker,) = fpm.wait_for_children(1)
        with fpm.connection(timeout=20) as conn:
            assert answer_before_stdin_ends(conn, docroot) == old_worker
            start = fpm.log_offset()
            fpm.send_signal(signal.SIGUSR2)
            fpm.wait_for_log(r"ready to handle connections", start=start, timeout=20)
            (new_worker,) = fpm.wait_for_children(1)
            assert new_worker != old_worker
            # The idle connection travelled to the new master and still works.
            assert ask(conn, docroot) == new_worker
            assert_no_worker_killed(fpm, start)

