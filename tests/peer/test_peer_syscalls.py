"""The system calls a worker makes per request, counted by strace on php-fpm8.2's worker
and on fpmd's, for the same hello.php requests over the same kind of socket. Counts, not
times: a worker that takes a syscall it does not need shows here on any machine.

Both pools have one worker (every request goes to it) and get the same warm-up, so the
first request's one-time work (opcache compiling the script, PHP installing its signal
handlers) is not counted.
"""

import os
import re
import shutil
import signal
import subprocess

import pytest

from lib import cgi, procs

STRACE = shutil.which("strace")
REQUESTS = 64
WARMUP = 8
WAITING_FOR_CONNECTION = {"__skb_wait_for_more_packets", "do_epoll_wait", "ep_poll"}


@pytest.fixture
def docroot(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "hello.php").write_text("<?php echo 'Hello, world';")
    os.chmod(tmp_path, 0o755)
    os.chmod(root, 0o755)
    return root


def parse_strace_summary(text):
    """{syscall: calls} from strace -c's table."""
    counts = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5 or not re.fullmatch(r"[\d.]+", fields[0]):
            continue
        counts[fields[-1]] = int(fields[3])
    counts.pop("total", None)
    return counts


def syscalls_per_request(server, docroot, keep_conn, tmp_path):
    """Average calls per request of each syscall in the pool's one worker."""
    worker = server.wait_for_children(1)[0]
    params = cgi.cgi_params("/hello.php", docroot)

    def send(n):
        if keep_conn:
            with server.connection() as conn:
                for _ in range(n):
                    assert conn.request(params, keep_conn=True).body == b"Hello, world"
        else:
            for _ in range(n):
                assert server.request(params).body == b"Hello, world"

    send(WARMUP)
    out = tmp_path / f"strace-{worker}.txt"
    tracer = subprocess.Popen([STRACE, "-c", "-o", str(out), "-p", str(worker)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        # strace says so once it is attached; before that, calls would go uncounted.
        collector = procs.OutputCollector(tracer.stderr)
        collector.wait_for(r"attached", 10)
        send(REQUESTS)
        # The calls after the last response must be in: wait until the worker sleeps
        # where it waits for its next connection (accept on a unix socket, epoll).
        procs.wait_until(lambda: procs.wchan(worker) in WAITING_FOR_CONNECTION, 10,
                         what="the worker waiting for its next connection")
    finally:
        tracer.send_signal(signal.SIGINT)
        tracer.wait(timeout=10)
    counts = parse_strace_summary(out.read_text())
    return {name: calls / REQUESTS for name, calls in counts.items()}


@pytest.fixture
def pair(fpm_factory, php_fpm_bin, fpmd_bin):
    if STRACE is None:
        pytest.skip("strace is not installed (scripts/deps.sh installs it)")
    pool = {"pm": "static", "pm.max_children": "1"}
    return {"php-fpm": fpm_factory(php_fpm_bin, pool=pool),
            "fpmd": fpm_factory(fpmd_bin, pool=pool)}


@pytest.mark.parametrize("keep_conn", [False, True], ids=["close", "keep-conn"])
def test_fpmd_makes_fewer_syscalls_per_request_than_php_fpm(pair, docroot, keep_conn,
                                                            tmp_path):
    per_request = {name: syscalls_per_request(server, docroot, keep_conn, tmp_path)
                   for name, server in pair.items()}
    total = {name: sum(counts.values()) for name, counts in per_request.items()}
    assert total["fpmd"] < total["php-fpm"], per_request


@pytest.mark.parametrize("keep_conn", [False, True], ids=["close", "keep-conn"])
def test_no_per_request_signal_or_memory_churn(pair, docroot, keep_conn, tmp_path):
    """What fpmd leaves out: PHP re-registering its signal handlers (7 sigaction() per
    request; nothing can replace them without pcntl), a statm read while the peak RSS
    stands still (only every 32nd request), and, without keep-conn, the shutdown() and
    the wait for the web server's close after a request read to its end, and a look into
    the empty dispatch channel for every new connection; a getcwd() per request (the
    worker's directory is read once) and a second CPU reading per request (the one after a
    request is the one before the next)."""
    fpmd = syscalls_per_request(pair["fpmd"], docroot, keep_conn, tmp_path)
    # One is left: max_execution_time's timer handler, set at every request start.
    assert fpmd.get("rt_sigaction", 0) <= 1, fpmd
    assert fpmd.get("pread64", 0) <= 4 / REQUESTS, fpmd
    assert fpmd.get("shutdown", 0) == 0, fpmd
    assert fpmd.get("getcwd", 0) == 0, fpmd
    assert fpmd.get("getrusage", 0) <= 1, fpmd
    if not keep_conn:
        # Nothing was ever queued on the dispatch channel: it is not asked.
        assert fpmd.get("recvmsg", 0) == 0, fpmd
    php_fpm = syscalls_per_request(pair["php-fpm"], docroot, keep_conn, tmp_path)
    # The same requests do make them under php-fpm: the counting sees what it looks for.
    assert php_fpm.get("rt_sigaction", 0) >= 8, php_fpm
    assert php_fpm.get("getcwd", 0) >= 1 and php_fpm.get("times", 0) >= 2, php_fpm
    print({name: round(n, 2) for name, n in sorted(fpmd.items())})
    print({name: round(n, 2) for name, n in sorted(php_fpm.items())})
