"""fpmd's master: start-up, static pool, signals, reload, replacement of dead workers.

Each test starts its own fpmd on a temporary unix socket or a free TCP port and stops it
by pid (tests/lib/servers.py)."""

import os
import re
import signal
import subprocess
import threading

import pytest

from lib import cgi, fcgi_client, procs
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "pid.php").write_text("<?php echo getmypid();")
    # ?mark=<file>: touched when the script starts, proof that a worker runs it.
    (tmp_path / "sleep.php").write_text(
        "<?php if (isset($_GET['mark'])) touch($_GET['mark']);"
        " usleep((int)($_GET['ms'] ?? 500) * 1000); echo 'slept ', getmypid();")
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


def get(fpm, docroot, uri, **kw):
    return fpm.request(cgi.cgi_params(uri, docroot), **kw)


def test_startup_log_and_static_children(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "3"}) as fpm:
        kids = fpm.wait_for_children(3)
        log = fpm.log()
        assert f"NOTICE: fpm is running, pid {fpm.pid}" in log
        assert "NOTICE: ready to handle connections" in log
        assert log.index("fpm is running") < log.index("ready to handle connections")
        resp = get(fpm, docroot, "/pid.php")
        assert resp.status == 200
        assert int(resp.body) in kids
        assert fpm.pid_file.read_text().strip() == str(fpm.pid)
    assert fpm.returncode == 0


def test_tcp_listener(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, listen="tcp") as fpm:
        assert isinstance(fpm.address, tuple)
        assert get(fpm, docroot, "/hello.php").body == b"hello"


def test_killed_worker_is_logged_and_replaced(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}) as fpm:
        kids = fpm.wait_for_children(2)
        victim = kids[0]
        start = fpm.log_offset()
        os.kill(victim, signal.SIGKILL)
        fpm.wait_for_log(rf"WARNING: \[pool www\] child {victim} exited on signal 9 \(SIGKILL\) "
                         r"after \d+\.\d{6} seconds from start", start=start)
        fpm.wait_for_log(r"NOTICE: \[pool www\] child \d+ started", start=start)
        new_kids = fpm.wait_for_children(2)
        assert victim not in new_kids
        assert get(fpm, docroot, "/hello.php").body == b"hello"


def test_sigquit_lets_inflight_request_finish(fpmd_bin, docroot):
    fpm = FpmProcess(fpmd_bin, pool={"pm.max_children": "1"}).start()
    try:
        started = docroot / "sleep-started"
        conn = fcgi_client.FcgiConnection(fpm.address)
        conn.send_request(cgi.cgi_params(f"/sleep.php?ms=700&mark={started}", docroot))
        fpm.wait_for_children(1)
        procs.wait_until(started.exists, 10, what="the worker runs sleep.php")
        fpm.send_signal(signal.SIGQUIT)
        resp = conn.read_response()
        conn.close()
        assert resp.status == 200
        assert resp.body.startswith(b"slept ")
        assert fpm.wait(10) == 0
        log = fpm.log()
        assert "NOTICE: Finishing ..." in log
        assert "NOTICE: exiting, bye-bye!" in log
        assert not os.path.exists(fpm.listen)
        assert not fpm.pid_file.exists()
    finally:
        fpm.stop(check=False)


def test_sigterm_stops_at_once(fpmd_bin, docroot):
    fpm = FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}).start()
    try:
        kids = fpm.wait_for_children(2)
        fpm.send_signal(signal.SIGTERM)
        assert fpm.wait(10) == 0
        assert "NOTICE: Terminating ..." in fpm.log()
        procs.wait_until(lambda: all(not procs.is_alive(k) for k in kids), 5, what="children gone")
    finally:
        fpm.stop(check=False)


def test_sigusr1_reopens_error_log(fpmd_bin, tmp_path):
    # Without -O and with stderr not a terminal, the master logs to error_log (as PHP-FPM).
    log = tmp_path / "fpm.log"
    conf = tmp_path / "fpm.conf"
    conf.write_text(f"[global]\nerror_log = {log}\n[www]\nlisten = {tmp_path}/fpm.sock\n"
                    "pm = static\npm.max_children = 1\n")
    args = [fpmd_bin, "-F", "-n", "-y", str(conf)] + (["-R"] if os.geteuid() == 0 else [])
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        procs.wait_until(lambda: log.exists() and "ready to handle" in log.read_text(), 20,
                         what="start-up in the log file")
        rotated = tmp_path / "fpm.log.1"
        os.rename(log, rotated)
        proc.send_signal(signal.SIGUSR1)
        procs.wait_until(lambda: log.exists() and "error log file re-opened" in log.read_text(),
                         10, what="the re-opened log file")
        assert "ready to handle connections" in rotated.read_text()
        assert "re-opened" not in rotated.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def test_sigusr2_reload_keeps_socket_and_serves(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}) as fpm:
        old_kids = fpm.wait_for_children(2)
        inode = os.stat(fpm.listen).st_ino
        start = fpm.log_offset()
        fpm.send_signal(signal.SIGUSR2)
        fpm.wait_for_log(r"NOTICE: Reloading in progress \.\.\.", start=start)
        fpm.wait_for_log(r"using inherited socket fd=\d+", start=start)
        fpm.wait_for_log(r"NOTICE: ready to handle connections", start=start)
        new_kids = fpm.wait_for_children(2)
        assert not set(old_kids) & set(new_kids)
        # The same socket: never unlinked, so no client saw it missing.
        assert os.stat(fpm.listen).st_ino == inode
        assert get(fpm, docroot, "/hello.php").body == b"hello"


def test_reload_with_bad_config_keeps_running(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}) as fpm:
        kids = fpm.wait_for_children(2)
        good = fpm.conf_path.read_text()
        fpm.conf_path.write_text(good + "pm.bogus_directive = 1\n")
        start = fpm.log_offset()
        fpm.send_signal(signal.SIGUSR2)
        fpm.wait_for_log(r"unknown entry 'pm.bogus_directive'", start=start)
        fpm.wait_for_log(r"reload aborted", start=start)
        assert sorted(fpm.children()) == sorted(kids)
        assert get(fpm, docroot, "/hello.php").body == b"hello"
        fpm.conf_path.write_text(good)


def test_requests_during_reload_are_not_lost(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}) as fpm:
        old_kids = set(fpm.wait_for_children(2))
        results = []
        stop = threading.Event()

        def client():
            while not stop.is_set():
                try:
                    resp = get(fpm, docroot, "/hello.php", timeout=15)
                    results.append(resp.status == 200 and resp.body == b"hello")
                except Exception as exc:  # any failure counts
                    results.append(repr(exc))

        threads = [threading.Thread(target=client) for _ in range(3)]
        for t in threads:
            t.start()

        def answered(count):
            return lambda: len(results) >= count

        # Requests answered before the reload ...
        procs.wait_until(answered(len(threads)), 20, what="requests before the reload")
        start = fpm.log_offset()
        fpm.send_signal(signal.SIGUSR2)
        fpm.wait_for_log(r"NOTICE: ready to handle connections", start=start, timeout=20)
        # ... and still after it, once only the new workers are left to answer.
        procs.wait_until(lambda: len(fpm.children()) == 2
                         and not set(fpm.children()) & old_kids, 20,
                         what="the old workers replaced")
        procs.wait_until(answered(len(results) + len(threads)), 20,
                         what="requests after the reload")
        stop.set()
        for t in threads:
            t.join(20)
        failures = [r for r in results if r is not True]
        assert results and not failures, failures[:5]


def test_max_requests_recycles_workers(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "1", "pm.max_requests": "3"}) as fpm:
        first = fpm.wait_for_children(1)[0]
        pids = [int(get(fpm, docroot, "/pid.php").body) for _ in range(3)]
        assert pids == [first] * 3
        fpm.wait_for_log(rf"NOTICE: \[pool www\] child {first} exited with code 0")
        assert int(get(fpm, docroot, "/pid.php").body) != first


def test_several_pools(fpmd_bin, docroot, tmp_path):
    conf = """
[global]
error_log = @LOG@
pid = @PID@
[alpha]
listen = @LISTEN@
pm = static
pm.max_children = 1
[beta]
listen = @DIR@/beta.sock
pm = static
pm.max_children = 2
"""
    with FpmProcess(fpmd_bin, conf_text=conf) as fpm:
        fpm.wait_for_children(3)
        assert get(fpm, docroot, "/hello.php").body == b"hello"
        beta = fcgi_client.request(str(fpm.dir / "beta.sock"), cgi.cgi_params("/hello.php", docroot))
        assert beta.body == b"hello"


def test_catch_workers_output(fpmd_bin, docroot):
    (docroot / "stderr.php").write_text(
        "<?php file_put_contents('php://stderr', \"to stderr\\n\"); echo 'ok';")
    with FpmProcess(fpmd_bin, pool={"catch_workers_output": "yes",
                                    "decorate_workers_output": "yes"}) as fpm:
        assert get(fpm, docroot, "/stderr.php").body == b"ok"
        fpm.wait_for_log(r'WARNING: \[pool www\] child \d+ said into stderr: "to stderr"')


def test_env_and_clear_env(fpmd_bin, docroot):
    (docroot / "env.php").write_text(
        "<?php echo getenv('FROM_POOL'), '|', var_export(getenv('FROM_MASTER'), true);")
    env = dict(os.environ, FROM_MASTER="leaked")
    with FpmProcess(fpmd_bin, pool={"env[FROM_POOL]": "pool-value"}, env=env) as fpm:
        assert get(fpm, docroot, "/env.php").body == b"pool-value|false"
    with FpmProcess(fpmd_bin, pool={"clear_env": "no"}, env=env) as fpm:
        assert get(fpm, docroot, "/env.php").body == b"|'leaked'"


# Workers accept, or (request_queue_timeout) the master does: the same check either way.
@pytest.mark.parametrize("extra", [{}, {"request_queue_timeout": "30"}],
                         ids=["workers-accept", "master-queues"])
def test_allowed_clients_drops_others(fpmd_bin, docroot, extra):
    with FpmProcess(fpmd_bin, listen="tcp", pool={"listen.allowed_clients": "192.0.2.1",
                                                  "catch_workers_output": "yes", **extra}) as fpm:
        try:
            refused = get(fpm, docroot, "/hello.php", timeout=5)
            assert not refused.complete and refused.stdout == b""
        except (fcgi_client.FcgiError, ConnectionError):
            pass  # a reset is as good as a close
        fpm.wait_for_log(r"Connection disallowed: IP address '127\.0\.0\.1' has been dropped\.")
    with FpmProcess(fpmd_bin, listen="tcp",
                    pool={"listen.allowed_clients": "127.0.0.1", **extra}) as fpm:
        assert get(fpm, docroot, "/hello.php").body == b"hello"


def test_unix_socket_mode(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"listen.mode": "0600"}) as fpm:
        assert os.stat(fpm.listen).st_mode & 0o777 == 0o600


def test_daemonize_reports_start_and_writes_pid(fpmd_bin, tmp_path):
    conf = tmp_path / "fpm.conf"
    sock = tmp_path / "fpm.sock"
    pid_file = tmp_path / "fpm.pid"
    log = tmp_path / "fpm.log"
    conf.write_text(f"[global]\npid = {pid_file}\nerror_log = {log}\ndaemonize = yes\n"
                    f"[www]\nlisten = {sock}\npm = static\npm.max_children = 1\n")
    args = [fpmd_bin, "-n", "-y", str(conf)] + (["-R"] if os.geteuid() == 0 else [])
    done = subprocess.run(args, timeout=20, capture_output=True)
    assert done.returncode == 0, done.stderr
    pid = int(pid_file.read_text())
    try:
        assert procs.is_alive(pid)
        assert sock.exists()
        assert "ready to handle connections" in log.read_text()
    finally:
        os.kill(pid, signal.SIGTERM)
        procs.wait_until(lambda: not procs.is_alive(pid), 10, what="daemon exit")


def test_daemonize_reports_failure(fpmd_bin, tmp_path):
    conf = tmp_path / "fpm.conf"
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    conf.write_text(f"[global]\nerror_log = {tmp_path}/fpm.log\ndaemonize = yes\n"
                    f"[www]\nlisten = {blocker}/fpm.sock\npm = static\npm.max_children = 1\n")
    args = [fpmd_bin, "-n", "-y", str(conf)] + (["-R"] if os.geteuid() == 0 else [])
    done = subprocess.run(args, timeout=20, capture_output=True)
    assert done.returncode == 78


def test_request_terminate_timeout(fpmd_bin, docroot):
    (docroot / "forever.php").write_text("<?php echo 'started'; flush(); sleep(30);")
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "1",
                                    "request_terminate_timeout": "1"}) as fpm:
        victim = fpm.wait_for_children(1)[0]
        start = fpm.log_offset()
        resp = get(fpm, docroot, "/forever.php?x=1", timeout=20)
        assert not resp.complete  # the worker died mid-request: no END_REQUEST
        fpm.wait_for_log(
            rf"WARNING: \[pool www\] child {victim}, script '{docroot}/forever.php' "
            r"\(request: \"GET /forever.php\?x=1\"\) execution timed out \(1\.\d{6} sec\), "
            r"terminating", start=start)
        fpm.wait_for_log(rf"child {victim} exited on signal 15 \(SIGTERM\)", start=start)
        assert get(fpm, docroot, "/hello.php").body == b"hello"


def test_idle_keepalive_connection_is_not_timed_out(fpmd_bin, docroot):
    # The `control` pool is only a witness: a request there that starts after the kept
    # connection's last one times out on a timeout check no earlier than the one that
    # would end the kept connection, and each check looks at every pool with one clock
    # reading. So once the control request has timed out, the kept connection has been
    # idle past its timeout and checked: no fixed idle time is needed.
    conf = """
[global]
error_log = @LOG@
pid = @PID@
[www]
listen = @LISTEN@
pm = static
pm.max_children = 1
request_terminate_timeout = 1
[control]
listen = @DIR@/control.sock
pm = static
pm.max_children = 1
request_terminate_timeout = 1
"""
    (docroot / "forever.php").write_text("<?php echo 'started'; flush(); sleep(30);")
    with FpmProcess(fpmd_bin, conf_text=conf) as fpm:
        fpm.wait_for_children(2)
        with fpm.connection() as conn:
            worker = int(conn.request(cgi.cgi_params("/pid.php", docroot), keep_conn=True).body)
            start = fpm.log_offset()
            # Idle on the kept connection until the witness shows the timeout has passed.
            with fcgi_client.FcgiConnection(str(fpm.dir / "control.sock")) as control:
                control.send_request(cgi.cgi_params("/forever.php", docroot))
                fpm.wait_for_log(r"\[pool control\] child \d+, script .* execution timed out",
                                 start=start)
            assert conn.request(cgi.cgi_params("/hello.php", docroot), keep_conn=True).body == b"hello"
            assert int(conn.request(cgi.cgi_params("/pid.php", docroot),
                                    keep_conn=True).body) == worker
        assert worker in fpm.children()
        assert not re.search(r"\[pool www\].*execution timed out", fpm.log())
        assert f"child {worker} exited" not in fpm.log()


def test_process_max_caps_all_pools(fpmd_bin, docroot):
    conf = """
[global]
error_log = @LOG@
pid = @PID@
process.max = 3
[a]
listen = @LISTEN@
pm = static
pm.max_children = 2
[b]
listen = @DIR@/b.sock
pm = static
pm.max_children = 2
"""
    with FpmProcess(fpmd_bin, conf_text=conf) as fpm:
        fpm.wait_for_children(3)
        fpm.wait_for_log(r"WARNING: The maximum number of processes has been reached\. Please "
                         r"review your configuration and consider raising 'process\.max'")


def test_opcache_is_shared_by_the_workers(fpmd_bin, docroot):
    """A script compiled by one worker is a cache hit in another: opcache's shared
    memory is set up once in the master, before the workers are forked."""
    (docroot / "cached.php").write_text(
        "<?php usleep((int)($_GET['ms'] ?? 0) * 1000);"
        "$s = opcache_get_status(true)['scripts'][__FILE__] ?? null;"
        "echo getmypid(), ' ', $s ? $s['hits'] : -1;")
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"},
                    ini_overrides={"opcache.file_update_protection": "0"}) as fpm:
        fpm.wait_for_children(2)
        first_pid, _ = get(fpm, docroot, "/cached.php").text.split()  # compiles it
        # Two at once must run on both workers; the one that is not first_pid never
        # compiled the script itself.
        answers = []
        threads = [threading.Thread(target=lambda: answers.append(
            get(fpm, docroot, "/cached.php?ms=400").text.split())) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        others = [int(hits) for pid, hits in answers if pid != first_pid]
        assert len(answers) == 2 and others
        assert all(hits >= 1 for hits in others)


def test_graceful_stop_escalates_after_process_control_timeout(fpmd_bin, docroot):
    # A loop of short sleeps: a signal interrupts one usleep(), not the script.
    (docroot / "forever.php").write_text(
        "<?php echo 'started'; flush(); for ($i = 0; $i < 3000; $i++) usleep(10000);")
    fpm = FpmProcess(fpmd_bin, pool={"pm.max_children": "1"},
                     global_settings={"process_control_timeout": "1s",
                                      "log_level": "debug"}, wait_ready=False).start()
    try:
        fpm.wait_for_log(r"ready to handle connections")
        worker = fpm.wait_for_children(1)[0]
        conn = fcgi_client.FcgiConnection(fpm.address, timeout=20)
        conn.send_request(cgi.cgi_params("/forever.php", docroot))
        conn.read_record()  # the script runs
        fpm.send_signal(signal.SIGQUIT)
        # QUIT first; the request does not end, so TERM once the timeout has passed.
        assert fpm.wait(15) == 0
        log = fpm.log()
        assert f"sending signal 3 SIGQUIT to child {worker}" in log
        assert f"sending signal 15 SIGTERM to child {worker}" in log
        conn.close()
    finally:
        fpm.stop(check=False)


def test_emergency_restart_threshold(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"},
                    global_settings={"emergency_restart_threshold": "2",
                                     "emergency_restart_interval": "1m"},
                    expect_crash=True) as fpm:
        first = fpm.wait_for_children(2)
        start = fpm.log_offset()
        for pid in first:
            os.kill(pid, signal.SIGSEGV)
            fpm.wait_for_log(rf"child {pid} exited on signal 11 \(SIGSEGV", start=start)
        fpm.wait_for_log(r"WARNING: failed processes threshold \(2 in 60 sec\) is reached, "
                         r"initiating reload", start=start)
        fpm.wait_for_log(r"NOTICE: Reloading in progress \.\.\.", start=start)
        fpm.wait_for_log(r"NOTICE: ready to handle connections", start=start, timeout=20)
        assert get(fpm, docroot, "/hello.php").body == b"hello"
