"""The memory governor with real workers that really leak (FFI::new(..., persistent): PHP
frees its own request memory at shutdown, so a leak that outlives the request must be made
outside Zend's allocator, as extensions' leaks are) — docs/memory.md.

- pm.max_memory: the worker over it finishes its request (a whole answer) and the next one
  is served by a new worker; the log says which worker, how big, and why.
- pm.max_pool_memory: under load on a leaking page the pool's PSS stays near its budget
  (shedding acts on readings ~5 times a second, so a sample may overshoot by what the
  workers leak in between), with 0 failed requests, and without it the same load goes far
  past it.
- the host guard, in a memory cgroup the test creates: with the reserve taken by another
  process of the cgroup, the pool forks no new worker, says why once, keeps one, and
  starts workers again once the memory is back."""

import json
import os
import re
import subprocess
import sys
import threading

from lib import cgi, procs
from lib.cgroup import MemoryCgroup
from lib.servers import FpmProcess

MiB = 1 << 20
FFI_INI = {"extension": "ffi", "ffi.enable": "1"}

LEAK_PHP = """<?php
// Leaks $_GET['mib'] MiB of process memory for good (persistent FFI memory, touched).
$mib = (int)($_GET['mib'] ?? 4);
$GLOBALS['__leak'] = FFI::new("char[" . ($mib << 20) . "]", false, true);
FFI::memset($GLOBALS['__leak'], 1, $mib << 20);
if (isset($_GET['ms'])) usleep((int)$_GET['ms'] * 1000);
echo getmypid(), " done";
"""


def pool_pss(fpm):
    total = 0
    for pid in fpm.children():
        try:
            text = open(f"/proc/{pid}/smaps_rollup").read()
        except OSError:
            continue  # just left
        match = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
        if match:
            total += int(match.group(1)) * 1024
    return total


def leak_site(tmp_path):
    (tmp_path / "leak.php").write_text(LEAK_PHP)
    os.chmod(tmp_path, 0o755)
    return tmp_path


def test_max_memory_replaces_the_worker_after_its_request(fpmd_bin, tmp_path):
    docroot = leak_site(tmp_path)
    pool = {"pm": "static", "pm.max_children": "1", "pm.max_memory": "48M"}
    with FpmProcess(fpmd_bin, pool=pool, ini_overrides=FFI_INI) as fpm:
        pids = []
        for _ in range(12):
            answer = fpm.request(cgi.cgi_params("/leak.php?mib=8", docroot))
            assert answer.status == 200 and answer.body.endswith(b" done"), answer.body
            pids.append(int(answer.body.split()[0]))
        # Each worker served whole requests until one of them took it over the limit; then
        # a new worker served the next one.
        lives = [pid for i, pid in enumerate(pids) if i == 0 or pids[i - 1] != pid]
        assert len(lives) >= 2, pids
        first = lives[0]
        line = fpm.wait_for_log(
            rf"\[pool www\] child {first} recycled: RSS (\d+) MiB after its request is over "
            r"pm\.max_memory 48 MiB")
        assert int(line.group(1)) > 48
        served_by_first = pids.count(first)
        assert 2 <= served_by_first <= 8, pids  # 8 MiB a request, a ~20 MiB worker, 48 MiB


def load(fpm, docroot, uri, clients, per_client, failures, during=None):
    def client():
        for _ in range(per_client):
            try:
                answer = fpm.request(cgi.cgi_params(uri, docroot), timeout=30)
                if answer.status != 200 or not answer.body.endswith(b" done"):
                    failures.append(answer.body[:200])
            except Exception as error:  # a failed request is what the test counts
                failures.append(repr(error))
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    peak = 0
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, pool_pss(fpm))
        if during:
            during()
        threads[0].join(0.02)
    for thread in threads:
        thread.join()
    return peak


def test_pool_stays_near_its_budget_with_no_failed_request(fpmd_bin, tmp_path):
    docroot = leak_site(tmp_path)
    budget = 160 * MiB
    pool = {"pm": "dynamic", "pm.max_children": "6", "pm.start_servers": "4",
            "pm.min_spare_servers": "2", "pm.max_spare_servers": "6",
            "pm.max_pool_memory": "160M"}
    failures = []
    with FpmProcess(fpmd_bin, pool=pool, ini_overrides=FFI_INI) as fpm:
        # Before any is measured, a worker counts as the first guess (64 MiB): two fit.
        fpm.wait_for_children(2)
        peak = load(fpm, docroot, "/leak.php?mib=2&ms=20", 4, 60, failures)
        log = fpm.log()
    assert failures == []
    assert re.search(r"\[pool www\] recycling child \d+ after its request .* pool memory "
                     r"\d+ MiB is over pm\.max_pool_memory 160 MiB", log) or \
        re.search(r"\[pool www\] stopping idle child \d+ .* over pm\.max_pool_memory", log), log
    # 4 clients x 60 requests x 2 MiB would be ~500 MiB of leaks without the budget.
    assert peak <= budget * 1.3, (peak / MiB, log)


def test_without_a_budget_the_same_load_goes_past_it(fpmd_bin, tmp_path):
    # The budget test's control: the leak is real, and large enough to matter.
    docroot = leak_site(tmp_path)
    pool = {"pm": "static", "pm.max_children": "4"}
    failures = []
    with FpmProcess(fpmd_bin, pool=pool, ini_overrides=FFI_INI) as fpm:
        fpm.wait_for_children(4)
        peak = load(fpm, docroot, "/leak.php?mib=2&ms=20", 4, 60, failures)
    assert failures == []
    assert peak > 160 * MiB * 1.3, peak / MiB


HOG = """
import sys
size = int(sys.argv[1])
block = bytearray(size)
for i in range(0, size, 4096):
    block[i] = 1
print("held", flush=True)
sys.stdin.readline()
"""


def test_host_guard_stops_spawning_at_the_reserve(fpmd_bin, tmp_path):
    docroot = leak_site(tmp_path)
    (tmp_path / "slow.php").write_text('<?php usleep(200000); echo getmypid(), " done";')
    pool = {"pm": "ondemand", "pm.max_children": "8", "pm.process_idle_timeout": "60s"}
    limit = 512 * MiB
    with MemoryCgroup.create(limit) as group:
        with FpmProcess(fpmd_bin, pool=pool, ini_overrides=FFI_INI,
                        global_settings={"memory_reserve": "128M"}, wrapper=group.wrap()) as fpm:
            # One worker, its footprint measured.
            answer = fpm.request(cgi.cgi_params("/slow.php", docroot))
            assert answer.status == 200
            # Another process of the cgroup takes the memory: under 128 MiB left.
            hog_size = limit - group.usage() - 64 * MiB
            hog = subprocess.Popen(group.wrap([sys.executable, "-c", HOG, str(hog_size)]),
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                assert hog.stdout.readline().strip() == "held"
                fpm.wait_for_log(r"WARNING: .*memory guard: available memory \d+ MiB is under "
                                 r"memory_reserve 128 MiB \(cgroup v\d limit 512 MiB")
                mark = fpm.log_offset()
                failures = []
                load(fpm, docroot, "/slow.php", 4, 3, failures)
                assert failures == []
                after = fpm.log()[mark:]
                assert not re.search(r"child \d+ started", after), after
                assert len(fpm.children()) >= 1
                assert re.search(r"not starting a worker: available memory \d+ MiB is under "
                                 r"memory_reserve 128 MiB", fpm.log()), fpm.log()
            finally:
                hog.stdin.close()
                hog.wait(timeout=10)
            fpm.wait_for_log(r"NOTICE: .*memory guard: memory recovered")
            # Workers start again.
            failures = []
            load(fpm, docroot, "/slow.php", 4, 2, failures)
            assert failures == []
            fpm.wait_for_log(r"\[pool www\] child \d+ started", start=mark)
        assert group.oom_kills() == 0


FRAGMENT_PHP = """<?php
// 64 MiB in 4-KiB blocks of the C allocator, all freed but the last, which pins the top
// of the heap: free pages the allocator keeps until someone trims it.
$blocks = [];
for ($i = 0; $i < 16384; $i++) {
    $block = FFI::new("char[4000]", false, true);
    FFI::memset($block, 1, 4000);
    $blocks[] = $block;
}
for ($i = 0; $i < 16383; $i++) FFI::free($blocks[$i]);
echo getmypid(), " done";
"""


def resident(pid):
    text = open(f"/proc/{pid}/status").read()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.M).group(1)) * 1024


def test_an_idle_worker_gives_memory_back(fpmd_bin, tmp_path):
    (tmp_path / "fragment.php").write_text(FRAGMENT_PHP)
    os.chmod(tmp_path, 0o755)
    pool = {"pm": "static", "pm.max_children": "1"}
    with FpmProcess(fpmd_bin, pool=pool, ini_overrides=FFI_INI) as fpm:
        answer = fpm.request(cgi.cgi_params("/fragment.php", tmp_path))
        assert answer.status == 200 and answer.body.endswith(b" done"), answer.body
        pid = int(answer.body.split()[0])
        after_request = resident(pid)
        assert after_request > 64 * MiB  # the freed blocks are still resident
        # Idle for a second, the worker trims: most of the 64 MiB is the host's again.
        procs.wait_until(lambda: resident(pid) < after_request - 48 * MiB, 5.0,
                         what=f"RSS of {pid} below {(after_request - 48 * MiB) // MiB} MiB")
        # And it still serves.
        assert fpm.request(cgi.cgi_params("/fragment.php", tmp_path)).status == 200


PEAK_PHP = """<?php
// ~100 MiB of small strings on Zend's heap: 2-MiB chunks, freed at the request's end but
// kept cached (resident) by Zend after such a peak.
$rows = [];
for ($i = 0; $i < 800000; $i++) $rows[] = str_repeat('x', 100) . $i;
echo getmypid(), " ", count($rows), " ", memory_get_peak_usage(true) >> 20;
"""


def test_an_idle_worker_gives_zends_cached_chunks_back(fpmd_bin, tmp_path):
    (tmp_path / "peak.php").write_text(PEAK_PHP)
    (tmp_path / "small.php").write_text("<?php echo str_repeat('y', 1000), getmypid();")
    os.chmod(tmp_path, 0o755)
    pool = {"pm": "static", "pm.max_children": "1"}
    with FpmProcess(fpmd_bin, pool=pool, ini_overrides={"memory_limit": "512M"}) as fpm:
        answer = fpm.request(cgi.cgi_params("/small.php", tmp_path))
        pid = int(answer.body[1000:])
        baseline = resident(pid)
        answer = fpm.request(cgi.cgi_params("/peak.php", tmp_path))
        assert answer.status == 200, answer.body
        peak_pid, count, peak_mib = (int(x) for x in answer.body.split())
        assert peak_pid == pid and count == 800000 and peak_mib > 90, answer.body
        after_request = resident(pid)
        # Zend's shutdown keeps about half the peak's chunks cached, resident.
        assert after_request > baseline + 60 * MiB, (baseline, after_request)
        # Idle, the worker gives them back: it is about as small as before the peak (the C
        # allocator's trim alone leaves the cached chunks: ~60 MiB more).
        procs.wait_until(lambda: resident(pid) < baseline + 16 * MiB, 5.0,
                         what=f"RSS of {pid} back near {baseline // MiB} MiB from "
                              f"{after_request // MiB} MiB")
        # The heap is whole: requests after it, small and large, are served.
        for script in ("/small.php", "/peak.php", "/small.php"):
            answer = fpm.request(cgi.cgi_params(script, tmp_path))
            assert answer.status == 200 and str(pid).encode() in answer.body, answer.body


def test_status_shows_the_governors_limits_and_decisions(fpmd_bin, tmp_path):
    docroot = leak_site(tmp_path)
    pool = {"pm": "dynamic", "pm.max_children": "auto", "pm.start_servers": "1",
            "pm.min_spare_servers": "1", "pm.max_spare_servers": "2",
            "pm.max_pool_memory": "256M", "pm.max_memory": "40M", "pm.status_path": "/status"}
    with FpmProcess(fpmd_bin, pool=pool, ini_overrides=FFI_INI,
                    global_settings={"memory_reserve": "200M"}) as fpm:
        # 256 MiB over the first guess of 64 MiB a worker.
        fpm.wait_for_log(r"\[pool www\] pm\.max_children = auto: 4 \(pm\.max_pool_memory "
                         r"256 MiB\) / 64 MiB per worker \(first guess")
        for _ in range(4):  # 8 MiB a request: over 40 MiB within a few
            assert fpm.request(cgi.cgi_params("/leak.php?mib=8", docroot)).status == 200
        fpm.wait_for_log(r"child \d+ recycled: RSS \d+ MiB after its request is over")

        def status():
            answer = fpm.request(cgi.cgi_params("/status?json&full", docroot))
            assert answer.status == 200
            return json.loads(answer.body)
        def governed():
            doc = status()
            # The footprint is published with the next reading (5 a second).
            measured = doc["worker footprint"] not in (0, 64 * MiB)
            return doc if doc["recycled for memory"] >= 1 and measured else None
        doc = procs.wait_until(governed, 5.0, what="the governor's decisions on the status page")
        assert doc["max children auto"] == 1
        assert doc["memory budget"] == 256 * MiB
        assert doc["memory reserve"] == 200 * MiB
        assert doc["memory limit"] > 0 and 0 < doc["memory available"] <= doc["memory limit"]
        assert doc["memory guard"] == "ok"
        # A measured footprint replaced the first guess, and max children follows it.
        assert doc["max children"] == min(4, 256 * MiB // doc["worker footprint"])
        assert any(proc["rss after request"] > 0 for proc in doc["processes"])


def test_the_per_request_memory_reading_opens_nothing_new(fpmd_bin, tmp_path):
    # The worker's /proc/self/statm is opened at start-up with its other fds, so serving
    # a request leaves a worker with the fds it started with (the suite's fd-leak check
    # allows one more for a connection, which a lazily opened file would use up).
    (tmp_path / "hello.php").write_text("<?php echo 'hi';")
    os.chmod(tmp_path, 0o755)
    with FpmProcess(fpmd_bin, pool={"pm": "static", "pm.max_children": "1"}) as fpm:
        [pid] = fpm.wait_for_children(1) and fpm.children()
        before = procs.wait_until(
            lambda: (lambda t: t if t and "anon_inode:[eventpoll]" in t else None)(
                procs.fd_targets(pid)), 5.0, what="worker set up")
        assert f"/proc/{pid}/statm" in before, before
        assert fpm.request(cgi.cgi_params("/hello.php", tmp_path)).body == b"hi"
        procs.wait_until(lambda: sorted(procs.fd_targets(pid)) == sorted(before), 5.0,
                         what=f"worker {pid} back to its start-up fds {before}")
