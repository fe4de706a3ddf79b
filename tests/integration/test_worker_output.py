"""catch_workers_output, what only fpmd is asked here (tests/peer/test_peer_worker_output.py
compares the lines with php-fpm's): log_buffering = no writes a line's pieces as they come,
and nothing a worker writes is lost, however long."""

import os
import re

import pytest

from lib import cgi, fcgi_client, procs
from lib.servers import FpmProcess

POOL = {"pm": "static", "pm.max_children": "1", "catch_workers_output": "yes"}


@pytest.fixture
def docroot(tmp_path):
    # Writes "early piece" to stderr, waits (bounded) for ?go=<file>, then ends the line.
    (tmp_path / "pieces.php").write_text(
        "<?php $e = fopen('php://stderr', 'w'); fwrite($e, 'early piece');"
        " for ($i = 0; $i < 1000 && !file_exists($_GET['go']); $i++) usleep(10000);"
        " fwrite($e, \" rest\\n\"); echo 'done';")
    # ?bytes=n of one line without a newline, ended by the request's end.
    (tmp_path / "flood.php").write_text(
        "<?php $e = fopen('php://stderr', 'w');"
        " for ($left = (int)$_GET['bytes']; $left > 0; $left -= 8192)"
        " fwrite($e, str_repeat('z', min(8192, $left))); echo 'done';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


@pytest.mark.parametrize("buffering", ["no", "yes"])
def test_a_piece_is_in_the_log_before_its_line_ends_only_unbuffered(fpmd_bin, docroot, buffering):
    go = docroot / "go"
    said = r'WARNING: \[pool www\] child \d+ said into stderr: "early piece'
    with FpmProcess(fpmd_bin, pool=POOL, global_settings={"log_buffering": buffering}) as fpm:
        with fcgi_client.FcgiConnection(fpm.address, timeout=20) as conn:
            rid = conn.send_request(cgi.cgi_params(f"/pieces.php?go={go}", docroot))
            if buffering == "no":
                fpm.wait_for_log(said + r"$")
            go.touch()
            assert conn.read_response(rid).body == b"done"
        fpm.wait_for_log(said + r' rest"$')
        # One line either way: unbuffered, the rest goes on the line already begun.
        assert len(re.findall("early piece", fpm.log())) == 1


def test_nothing_is_lost_from_a_line_of_megabytes(fpmd_bin, docroot):
    size = 3 * 1024 * 1024
    with FpmProcess(fpmd_bin, pool=POOL, global_settings={"log_limit": "4096"}) as fpm:
        assert fpm.request(cgi.cgi_params(f"/flood.php?bytes={size}", docroot),
                           timeout=60).body == b"done"
        line = re.compile(r'^\[[^]]+\] WARNING: \[pool www\] child \d+ said into stderr: "(z*)"$',
                          re.M)

        def complete():
            parts = line.findall(fpm.log())
            return parts if sum(map(len, parts)) >= size else None

        parts = procs.wait_until(complete, 30, what="all of the worker's output in the log")
        assert sum(map(len, parts)) == size
        lines = [l for l in fpm.log().splitlines() if "said into" in l]
        assert max(map(len, lines)) <= 4095  # wrapped within log_limit, never cut
        assert "..." not in fpm.log()
