"""A step of the wall clock changes no decision: timeouts, maintenance and ramp-up run on
the monotonic clock. fpmd runs under libfaketime (Debian's faketime package) with only
CLOCK_REALTIME faked, and the test moves that clock while requests run."""

import glob
import os
import threading

import pytest

from lib import cgi, procs
from lib.servers import FpmProcess

LIBFAKETIME = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    # Timed by hrtime() (monotonic, not faked) so the page itself ignores the steps.
    (tmp_path / "slow.php").write_text(
        "<?php file_put_contents(__DIR__ . '/started', getmypid());"
        " $end = hrtime(true) + 1500000000;"
        " while (hrtime(true) < $end) usleep(10000);"
        " echo 'finished';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


def faked_wall_clock(offset_file):
    if not LIBFAKETIME:
        pytest.skip("libfaketime not installed (apt-get install faketime)")
    offset_file.write_text("+0\n")
    return dict(os.environ, LD_PRELOAD=LIBFAKETIME[0], FAKETIME_TIMESTAMP_FILE=str(offset_file),
                FAKETIME_NO_CACHE="1", DONT_FAKE_MONOTONIC="1")


@pytest.mark.parametrize("step", ["+2h", "-2h"])
def test_wall_clock_step_kills_no_request(fpmd_bin, docroot, tmp_path, step):
    offset = tmp_path / "faketime"
    env = faked_wall_clock(offset)
    pool = {"pm.max_children": "1", "request_terminate_timeout": "5"}
    with FpmProcess(fpmd_bin, pool=pool, env=env) as fpm:
        worker = fpm.wait_for_children(1)[0]
        answers = []
        client = threading.Thread(target=lambda: answers.append(
            fpm.request(cgi.cgi_params("/slow.php", docroot), timeout=20)))
        client.start()
        procs.wait_until(lambda: (docroot / "started").exists(), 10, what="slow.php running")
        offset.write_text(step + "\n")
        client.join(20)
        assert answers and answers[0].complete and answers[0].body == b"finished"
        # Still the same worker, and the pool goes on serving after the step.
        assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
        assert fpm.children() == [worker]
        assert "execution timed out" not in fpm.log()


def test_wall_clock_step_back_keeps_timeouts_working(fpmd_bin, docroot, tmp_path):
    """Stepped back by an hour, a request that really runs past request_terminate_timeout
    is still stopped on time (with the wall clock it would run for another hour)."""
    offset = tmp_path / "faketime"
    env = faked_wall_clock(offset)
    (docroot / "forever.php").write_text(
        "<?php file_put_contents(__DIR__ . '/started', getmypid()); sleep(30);")
    pool = {"pm.max_children": "1", "request_terminate_timeout": "1"}
    with FpmProcess(fpmd_bin, pool=pool, env=env) as fpm:
        victim = fpm.wait_for_children(1)[0]
        client = threading.Thread(target=lambda: fpm.request(
            cgi.cgi_params("/forever.php", docroot), timeout=20))
        client.start()
        procs.wait_until(lambda: (docroot / "started").exists(), 10, what="forever.php running")
        offset.write_text("-1h\n")
        fpm.wait_for_log(rf"child {victim}, script .* execution timed out", timeout=10)
        client.join(20)
