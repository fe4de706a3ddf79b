"""tools/fcgi-bench counts what it could not get answered: connections starved for the
whole run and requests that timed out, so a server that pins its workers to kept-alive
connections cannot look good by answering only a few of its clients.

fcgi-bench is taken from the build directory of FPMD_BIN (FCGI_BENCH_BIN overrides)."""

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from lib import servers

# A load run of DURATION seconds after WARMUP, each request given TIMEOUT to be answered.
DURATION, WARMUP, TIMEOUT = 2, 0.5, 1

JSON_KEYS = {"requests", "errors", "errors_by_kind", "rps", "p50_ms", "p90_ms", "p99_ms",
             "p999_ms", "max_ms", "mean_ms", "starved_connections", "unanswered_requests",
             "longest_unanswered_ms", "timeout_s", "connections", "keep_alive"}
ERROR_KINDS = {"connect", "write", "read", "closed", "timeout", "protocol", "end_status",
               "http_status"}


@pytest.fixture(scope="module")
def fcgi_bench():
    path = os.environ.get("FCGI_BENCH_BIN")
    if not path:
        fpmd, why = servers.fpmd_binary()
        if fpmd is None:
            pytest.skip(f"fcgi-bench is found beside fpmd: {why}")
        path = str(Path(fpmd).parent / "fcgi-bench")
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} not built")
    return path


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


def bench(tool, address, *args, script=None, timeout=TIMEOUT):
    argv = [tool, "--json", "-d", str(DURATION), "-w", str(WARMUP), "--timeout", str(timeout),
            *args]
    if script:
        argv += ["-s", str(script)]
    else:
        argv += ["-p", "SCRIPT_FILENAME=/nowhere.php"]
    argv.append(address)
    run = subprocess.run(argv, capture_output=True, text=True,
                         timeout=DURATION + WARMUP + timeout + 30)
    assert run.returncode in (0, 2), run.stderr
    result = json.loads(run.stdout)
    result["exit"] = run.returncode
    return result


def pinned_pool():
    return {"pm": "static", "pm.max_children": "1"}


def test_php_fpm_pins_its_worker_and_starves_the_other_connections(
        fcgi_bench, php_fpm_bin, fpm_factory, docroot):
    fpm = fpm_factory(php_fpm_bin, pool=pinned_pool())
    result = bench(fcgi_bench, fpm.address, "-c", "4", "-k", script=docroot / "hello.php")
    # Its one worker stays on the first kept-alive connection; the three others sit in the
    # listen queue for the whole run, warm-up included.
    assert result["requests"] > 0
    assert result["starved_connections"] >= 1, result
    assert result["unanswered_requests"] >= 1, result
    assert result["errors_by_kind"]["timeout"] == result["unanswered_requests"]
    assert result["max_ms"] >= TIMEOUT * 1000 * 0.99
    assert result["longest_unanswered_ms"] >= DURATION * 1000
    assert result["exit"] == 2


def test_a_connection_sent_in_the_warm_up_and_answered_after_the_run_was_starved(
        fcgi_bench, php_fpm_bin, fpm_factory, docroot):
    # A timeout longer than the run: nothing times out; php-fpm answers the waiting
    # connections only once the pinned one closes at the end, and that does not count.
    fpm = fpm_factory(php_fpm_bin, pool=pinned_pool())
    result = bench(fcgi_bench, fpm.address, "-c", "4", "-k", script=docroot / "hello.php",
                   timeout=DURATION + WARMUP + 5)
    assert result["starved_connections"] >= 1, result
    assert result["longest_unanswered_ms"] >= DURATION * 1000


def test_fpmd_serves_every_kept_alive_connection(fcgi_bench, fpmd_bin, fpm_factory, docroot):
    fpm = fpm_factory(fpmd_bin, pool=pinned_pool())
    result = bench(fcgi_bench, fpm.address, "-c", "4", "-k", script=docroot / "hello.php")
    assert result["starved_connections"] == 0, result
    assert result["unanswered_requests"] == 0, result
    assert result["errors"] == 0, result
    assert result["requests"] > 0


def test_a_server_that_never_answers_starves_every_connection(fcgi_bench, tmp_path):
    # It listens and never accepts: connects and writes succeed, no answer ever comes.
    path = str(tmp_path / "silent.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(64)
        result = bench(fcgi_bench, path, "-c", "3")
    assert result["requests"] == 0
    assert result["starved_connections"] == 3
    # Each connection times out, reconnects and times out again until the run ends.
    assert result["unanswered_requests"] >= 3
    assert result["errors_by_kind"]["timeout"] == result["unanswered_requests"]
    assert result["errors"] == result["unanswered_requests"]
    # The unanswered are in the histogram at the time they waited, not left out of it.
    assert result["p50_ms"] >= TIMEOUT * 1000 * 0.99
    assert result["longest_unanswered_ms"] >= (DURATION + WARMUP) * 1000
    assert result["exit"] == 2


def test_json_has_the_documented_keys(fcgi_bench, fpmd_bin, fpm_factory, docroot):
    fpm = fpm_factory(fpmd_bin, pool={"pm.max_children": "2"})
    run = subprocess.run([fcgi_bench, "--json", "-n", "20", "-c", "2", "-w", "0", "-s",
                          str(docroot / "hello.php"), fpm.address],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert JSON_KEYS <= set(result), JSON_KEYS - set(result)
    assert set(result["errors_by_kind"]) == ERROR_KINDS
    assert result["requests"] == 20 and result["errors"] == 0
    assert result["starved_connections"] == 0 and result["unanswered_requests"] == 0
    assert result["timeout_s"] == 2  # the default


def test_help_documents_the_unanswered_counts(fcgi_bench):
    run = subprocess.run([fcgi_bench, "--help"], capture_output=True, text=True, timeout=10)
    assert run.returncode == 0
    for word in ("starved_connections", "unanswered_requests", "longest_unanswered_ms",
                 "errors_by_kind", "timeout"):
        assert word in run.stdout, word
