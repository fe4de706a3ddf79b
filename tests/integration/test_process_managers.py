"""pm = dynamic and pm = ondemand with real bursts; the crash-loop back-off.

Assertions are about behaviour (how many workers served a burst, which log lines
appear, what the pool shrinks back to), never about how fast it happened."""

import os
import shutil
import signal
import threading

import pytest

from lib import cgi, procs
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "slow.php").write_text(
        "<?php usleep((int)($_GET['ms'] ?? 800) * 1000); echo getmypid();")
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


def burst(fpm, docroot, count, ms=800):
    """count concurrent slow requests; returns the pids that served them."""
    results, errors = [], []

    def one():
        try:
            resp = fpm.request(cgi.cgi_params(f"/slow.php?ms={ms}", docroot), timeout=30)
            results.append(int(resp.body))
        except Exception as exc:  # any failure fails the test below
            errors.append(repr(exc))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    return results


def test_ondemand_starts_empty_and_serves_a_burst_in_parallel(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm": "ondemand", "pm.max_children": "8",
                                    "pm.process_idle_timeout": "60s"}) as fpm:
        assert fpm.children() == []
        pids = burst(fpm, docroot, 8)
        assert len(pids) == 8
        # Every request slept 0.8 s while the others waited: they can only all have
        # their own worker if the master forked for the whole queue, not one at a time.
        assert len(set(pids)) >= 4
        assert "server reached max_children" not in fpm.log()


def test_ondemand_burst_of_short_requests_forks_about_one_worker_per_cpu(fpmd_bin, docroot,
                                                                         tmp_path):
    """40 short requests queued at once on a pool pinned to one CPU: workers beyond the CPU
    would only compete with the one draining the queue, so the master does not fork one
    per waiting connection (it used to: 32 workers, pm.max_spawn_rate)."""
    pinned = tmp_path / "fpmd-on-cpu0"
    pinned.write_text(f"#!/bin/sh\nexec taskset -c 0 {fpmd_bin} \"$@\"\n")
    pinned.chmod(0o755)
    with FpmProcess(pinned, pool={"pm": "ondemand", "pm.max_children": "40",
                                  "pm.process_idle_timeout": "60s"}) as fpm:
        assert fpm.children() == []
        connections = []
        try:
            for _ in range(40):
                conn = fpm.connection(timeout=30)
                connections.append(conn)
                conn.send_request(cgi.cgi_params("/slow.php?ms=0", docroot))
            pids = []
            for conn in connections:
                pids.append(int(conn.read_response().body))
                conn.close()  # the worker waits for the client's close before the next one
        finally:
            for conn in connections:
                conn.close()
        assert len(pids) == 40
        assert len(set(pids)) <= 8, sorted(set(pids))
        assert len(fpm.children()) <= 8


def test_ondemand_idle_workers_are_stopped(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm": "ondemand", "pm.max_children": "4",
                                    "pm.process_idle_timeout": "1s"},
                    global_settings={"log_level": "debug"}, wait_ready=False) as fpm:
        fpm.wait_for_log(r"ready to handle connections")
        burst(fpm, docroot, 3, ms=300)
        procs.wait_until(lambda: fpm.children() == [], 15, what="idle workers stopped")
        fpm.wait_for_log(r"\[pool www\] child \d+ has been killed by the process management "
                         r"after \d+\.\d{6} seconds from start")
        assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"


def test_ondemand_max_children_warning(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"pm": "ondemand", "pm.max_children": "2"}) as fpm:
        pids = burst(fpm, docroot, 5, ms=500)
        assert len(pids) == 5 and len(set(pids)) <= 2
        fpm.wait_for_log(r"WARNING: \[pool www\] server reached max_children setting \(2\), "
                         r"consider raising it")


def test_dynamic_start_servers_default_and_growth(fpmd_bin, docroot):
    pool = {"pm": "dynamic", "pm.max_children": "6", "pm.min_spare_servers": "1",
            "pm.max_spare_servers": "2", "pm.process_idle_timeout": "1s"}
    with FpmProcess(fpmd_bin, pool=pool) as fpm:
        fpm.wait_for_log(r"NOTICE: \[pool www\] pm\.start_servers is not set\. It's been set to 1\.")
        fpm.wait_for_children(1)
        pids = burst(fpm, docroot, 6, ms=2500)
        assert len(pids) == 6
        assert len(set(pids)) >= 3  # the pool grew under the burst
        # ... and shrinks back to at most pm.max_spare_servers once idle.
        procs.wait_until(lambda: len(fpm.children()) <= 2, 20, what="scale-down to max_spare")


def test_dynamic_max_children_warning(fpmd_bin, docroot):
    pool = {"pm": "dynamic", "pm.max_children": "2", "pm.start_servers": "1",
            "pm.min_spare_servers": "1", "pm.max_spare_servers": "2"}
    with FpmProcess(fpmd_bin, pool=pool) as fpm:
        burst(fpm, docroot, 4, ms=2500)
        fpm.wait_for_log(r"WARNING: \[pool www\] server reached pm\.max_children setting \(2\), "
                         r"consider raising it")


def test_crash_loop_backs_off(fpmd_bin, docroot, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    with FpmProcess(fpmd_bin, pool={"pm.max_children": "1", "chdir": str(workdir)}) as fpm:
        victim = fpm.wait_for_children(1)[0]
        shutil.rmtree(workdir)  # every new worker now fails its chdir() and exits
        start = fpm.log_offset()
        os.kill(victim, signal.SIGKILL)
        fpm.wait_for_log(r"WARNING: \[pool www\] child \d+ exited with code 70 soon after start; "
                         r"respawning in \d+(ms|\.\d+s|s)", start=start)
        # The delay doubles from 100 ms at each failed generation: once it has reached a
        # whole second or more (1.6 s, after some 1.5 s of failures), count the attempts.
        grown = fpm.wait_for_log(r"exited with code 70 soon after start; "
                                 r"respawning in \d+(\.\d+)?s$", start=start, timeout=20)
        attempts = fpm.log()[start:grown.end()].count("] child ")
        # Without back-off a failing worker is replaced in a tight loop (hundreds per
        # second) and the delay never grows; with it, a handful of attempts until then.
        assert attempts < 30, fpm.log()[start:][-2000:]
        workdir.mkdir()
        procs.wait_until(lambda: len(fpm.children()) == 1 and
                         fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello",
                         30, what="recovery once chdir works again")
