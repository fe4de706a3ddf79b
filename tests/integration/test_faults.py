"""Fault injection under load: workers killed at random, a master stopped and resumed,
SIGUSR2 storms. Only requests a killed worker was running may fail; nothing else is lost."""

import os
import random
import signal
import threading

import pytest

from lib import cgi, procs
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    (tmp_path / "work.php").write_text(
        "<?php $end = hrtime(true) + 20000000; while (hrtime(true) < $end) {} echo 'done';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


class Load:
    """Clients sending requests one after the other until stopped; every answer is
    recorded as True (served) or the error."""

    def __init__(self, fpm, docroot, uri, clients):
        self.results = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        params = cgi.cgi_params(uri, docroot)

        def client():
            while not self.stop.is_set():
                try:
                    resp = fpm.request(params, timeout=15)
                    ok = resp.complete and resp.body in (b"hello", b"done")
                    outcome = True if ok else f"status {resp.status} body {resp.body[:40]!r}"
                except Exception as exc:  # every failure counts
                    outcome = repr(exc)
                with self.lock:
                    self.results.append(outcome)

        self.threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
        for thread in self.threads:
            thread.start()

    def served(self):
        with self.lock:
            return sum(1 for r in self.results if r is True)

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(20)
        return [r for r in self.results if r is not True]


def test_sigkill_random_workers_under_load(fpmd_bin, docroot):
    rng = random.Random(1234)
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "4"}) as fpm:
        fpm.wait_for_children(4)
        load = Load(fpm, docroot, "/work.php", 6)
        kills = 0
        for _ in range(10):
            before = load.served()
            procs.wait_until(lambda: load.served() >= before + 5, 20, what="requests served")
            victim = rng.choice(fpm.wait_for_children(4))
            os.kill(victim, signal.SIGKILL)
            kills += 1
            procs.wait_until(lambda: victim not in fpm.children(), 10, what="victim reaped")
        fpm.wait_for_children(4)
        failures = load.finish()
        # A killed worker loses at most the one request it was running.
        assert len(failures) <= kills, failures[:5]
        assert load.served() >= 50
        assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"


def test_stopped_master_workers_keep_serving(fpmd_bin, docroot):
    """SIGSTOP of the master (a debugger, a frozen cgroup) does not stop the pool: the
    workers accept themselves. After SIGCONT the master manages again."""
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}) as fpm:
        workers = fpm.wait_for_children(2)
        os.kill(fpm.pid, signal.SIGSTOP)
        try:
            procs.wait_until(lambda: procs._stat_fields(fpm.pid)[0] == "T", 5,
                             what="master stopped")
            for _ in range(20):
                assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
        finally:
            os.kill(fpm.pid, signal.SIGCONT)
        os.kill(workers[0], signal.SIGKILL)
        fpm.wait_for_log(rf"child {workers[0]} exited on signal 9")
        replaced = fpm.wait_for_children(2)
        assert workers[0] not in replaced
        assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"


def test_sigusr2_storm_under_load_loses_nothing(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "3"}) as fpm:
        fpm.wait_for_children(3)
        load = Load(fpm, docroot, "/hello.php", 4)
        for _ in range(5):
            start = fpm.log_offset()
            before = load.served()
            fpm.send_signal(signal.SIGUSR2)
            # A second signal while the reload runs is not fatal either.
            fpm.send_signal(signal.SIGUSR2)
            fpm.wait_for_log(r"NOTICE: ready to handle connections", start=start, timeout=30)
            procs.wait_until(lambda: load.served() >= before + 20, 20, what="served after reload")
        failures = load.finish()
        assert not failures, failures[:5]
        assert fpm.is_running()
