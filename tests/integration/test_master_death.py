"""A master that dies without stopping its workers (SIGKILL, OOM killer) leaves no orphan
serving: each worker finishes the request it runs, closes its copy of the listening
socket and exits, and a new master with the same config starts cleanly (php-fpm's
workers live on and the restart fails with "An another FPM instance seems to already
listen on ...")."""

import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

import pytest

from lib import cgi, procs
from lib.servers import FpmProcess


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    # Busy-waits in short sleeps: a signal that cuts one usleep() short changes nothing.
    (tmp_path / "slow.php").write_text(
        "<?php file_put_contents(__DIR__ . '/started', getmypid());"
        " $end = microtime(true) + 1.0;"
        " while (microtime(true) < $end) usleep(10000);"
        " echo 'finished';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


@pytest.fixture
def workdir():
    path = Path(tempfile.mkdtemp(prefix="fpmt-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_sigkilled_master_leaves_no_orphan(fpmd_bin, docroot, workdir):
    first = FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}, workdir=workdir)
    with first:
        workers = first.wait_for_children(2)
        answers = []
        client = threading.Thread(target=lambda: answers.append(
            first.request(cgi.cgi_params("/slow.php", docroot), timeout=20)))
        client.start()
        procs.wait_until(lambda: (docroot / "started").exists(), 10, what="slow.php running")
        busy = int((docroot / "started").read_text())
        assert busy in workers

        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        client.join(20)
        # The request under way when the master died is answered in full.
        assert answers and answers[0].complete and answers[0].body == b"finished"
        procs.wait_until(lambda: not any(procs.is_alive(pid) for pid in workers), 10,
                         what="orphaned workers to exit")

        # Same config, same socket path: the next master binds it and serves.
        with FpmProcess(fpmd_bin, pool={"pm.max_children": "2"}, workdir=workdir) as second:
            second.wait_for_children(2)
            assert second.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
            assert "already listen" not in second.log()
