"""`fpmd status` (alias `fpmd top`): the pool status page fetched over FastCGI, as JSON
lines and as a table, against fpmd and against Debian's php-fpm8.2 (the command reads
PHP-FPM's page, so it must work with both)."""

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time

import pytest

from lib import cgi, procs

POOL = {"pm": "static", "pm.max_children": "3", "pm.status_path": "/status"}


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


@pytest.fixture(params=["fpmd", "php-fpm"])
def server_bin(request, fpmd_bin):
    if request.param == "fpmd":
        return fpmd_bin
    return request.getfixturevalue("php_fpm_bin")


def status(fpmd_bin, *args, timeout=30):
    # A UTF-8 locale, fixed: the chart's characters depend on it.
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="")
    return subprocess.run([fpmd_bin, "status", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def status_json(fpmd_bin, fpm):
    done = status(fpmd_bin, "--connect", fpm.listen, "--path", "/status", "--once", "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    return json.loads(lines[0])


def test_json_once_shows_the_pool_and_its_workers(fpmd_bin, server_bin, fpm_factory, docroot):
    fpm = fpm_factory(server_bin, pool=POOL)
    workers = set(fpm.wait_for_children(3))
    before = status_json(fpmd_bin, fpm)
    assert isinstance(before["time"], int) and before["time"] > 0
    assert len(before["pools"]) == 1
    pool = before["pools"][0]
    assert pool["pool"] == "www"
    assert pool["process manager"] == "static"
    assert pool["total processes"] == 3
    assert {p["pid"] for p in pool["processes"]} == workers

    for _ in range(4):
        assert fpm.request(cgi.cgi_params("/hello.php", docroot)).body == b"hello"
    after = status_json(fpmd_bin, fpm)["pools"][0]
    # The status requests count too: +4 requests, +1 status page.
    assert after["accepted conn"] == pool["accepted conn"] + 5
    served = lambda p: sum(w["requests"] for w in p["processes"])
    assert served(after) == served(pool) + 5
    # Each worker shows its last request; which worker took which depends on scheduling
    # (the one that served the hellos may have served this status page last).
    assert all(w["request uri"] in ("-", "/hello.php") or w["request uri"].startswith("/status")
               for w in after["processes"]), after["processes"]


def test_text_once_lists_the_workers(fpmd_bin, server_bin, fpm_factory):
    fpm = fpm_factory(server_bin, pool=POOL)
    workers = fpm.wait_for_children(3)
    done = status(fpmd_bin, fpm.listen, "--once")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "\x1b" not in text  # not a terminal: no escape codes
    assert "pool www (static)" in text
    assert "3 total" in text
    table = text[text.index(" PID "):].splitlines()
    assert table[0].split()[:4] == ["PID", "STATE", "UP", "REQS"]
    assert sorted(int(line.split()[0]) for line in table[1:]) == sorted(workers)
    # The worker serving the status request itself comes first.
    assert table[1].split()[1] == "Running"


def test_tcp_address(fpmd_bin, fpm_factory):
    fpm = fpm_factory(fpmd_bin, pool=POOL, listen="tcp")
    assert fpm.listen.startswith("127.0.0.1:")
    done = status(fpmd_bin, "--connect", fpm.listen, "--once", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pools"][0]["pool"] == "www"


def test_unreachable_address_fails_naming_it(fpmd_bin, tmp_path):
    missing = str(tmp_path / "nowhere.sock")
    done = status(fpmd_bin, "--connect", missing, "--once")
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"cannot connect to {missing}: No such file or directory" in done.stderr
    assert len(done.stderr.splitlines()) == 1

    closed = f"127.0.0.1:{procs.free_tcp_port()}"
    done = status(fpmd_bin, "--connect", closed, "--once", "--json")
    assert done.returncode == 1
    assert f"cannot connect to {closed}: Connection refused" in done.stderr


def test_wrong_path_is_an_error(fpmd_bin, server_bin, fpm_factory):
    fpm = fpm_factory(server_bin, pool=POOL)
    done = status(fpmd_bin, fpm.listen, "--path", "/not-status", "--once", "--json")
    assert done.returncode == 1
    assert f"{fpm.listen}/not-status: status 404" in done.stderr


def test_usage(fpmd_bin):
    done = status(fpmd_bin)
    assert done.returncode == 64
    assert "no address" in done.stderr
    done = status(fpmd_bin, "--help")
    assert done.returncode == 0
    assert "--interval" in done.stdout and "--json" in done.stdout
    top = subprocess.run([fpmd_bin, "top", "--help"], capture_output=True, text=True)
    assert top.returncode == 0 and top.stdout == done.stdout
    helped = subprocess.run([fpmd_bin, "-h"], capture_output=True, text=True)
    assert "status, top" in helped.stdout


def read_lines(proc, count, timeout=20):
    """The first `count` lines of a running process's stdout."""
    lines, buffer = [], b""
    deadline = time.monotonic() + timeout
    while len(lines) < count:
        left = deadline - time.monotonic()
        assert left > 0, f"only {len(lines)} lines: {lines}"
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        assert chunk, f"stdout closed after {lines}"
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        lines += [line.decode() for line in complete]
    return lines


def run_live(fpmd_bin, *args):
    env = dict(os.environ, LANG="C", LC_ALL="")
    return subprocess.Popen([fpmd_bin, "status", *args, "--interval", "0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def stop(proc, sig):
    proc.send_signal(sig)
    try:
        return proc.wait(timeout=10)
    finally:
        proc.stdout.close()
        proc.stderr.close()


def test_live_json_refreshes_until_sigterm(fpmd_bin, fpm_factory):
    fpm = fpm_factory(fpmd_bin, pool=POOL)
    fpm.wait_for_children(3)
    proc = run_live(fpmd_bin, fpm.listen, "--json")
    lines = [json.loads(line) for line in read_lines(proc, 3)]
    accepted = [line["pools"][0]["accepted conn"] for line in lines]
    assert accepted == sorted(accepted) and accepted[0] < accepted[-1]  # each refresh asks
    assert stop(proc, signal.SIGTERM) == 0


def test_live_text_without_a_terminal_prints_plain_frames(fpmd_bin, fpm_factory):
    fpm = fpm_factory(fpmd_bin, pool=POOL)
    fpm.wait_for_children(3)
    proc = run_live(fpmd_bin, fpm.listen)
    lines = []
    while sum(line.startswith("fpmd status ") for line in lines) < 3:
        lines += read_lines(proc, 1)
    assert stop(proc, signal.SIGINT) == 0
    text = "\n".join(lines)
    assert "\x1b" not in text
    # LANG=C: the chart falls back to ASCII.
    chart = [line for line in lines if line.startswith("  active ")]
    assert len(chart) >= 2
    assert all(ch.isascii() for ch in "".join(chart))


def test_live_keeps_retrying_an_unreachable_address(fpmd_bin, tmp_path):
    missing = str(tmp_path / "later.sock")
    proc = run_live(fpmd_bin, missing, "--json")
    lines = [json.loads(line) for line in read_lines(proc, 2)]
    assert all(missing in line["error"] for line in lines)
    assert proc.poll() is None
    assert stop(proc, signal.SIGTERM) == 0


def test_terminal_view_draws_in_place_and_quits_on_q(fpmd_bin, fpm_factory):
    fpm = fpm_factory(fpmd_bin, pool=POOL)
    workers = fpm.wait_for_children(3)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    before = termios.tcgetattr(slave)
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="")
    proc = subprocess.Popen([fpmd_bin, "status", fpm.listen, "--interval", "0.2"],
                            stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env)
    try:
        screen = b""
        deadline = time.monotonic() + 20
        # Three whole frames, each drawn from the top: a read can end inside a frame, so
        # the frame looked at is the one the next frame's start closed.
        while screen.count(b"\x1b[H") < 4:
            assert time.monotonic() < deadline, screen
            if select.select([master], [], [], 1)[0]:
                screen += os.read(master, 65536)
        assert screen.startswith(b"\x1b[?1049h")  # the alternate screen
        text = screen.decode(errors="replace")  # a read may end inside a UTF-8 character
        closing = text.rindex("\x1b[H")
        last = text[text.rindex("\x1b[H", 0, closing):closing]
        for pid in workers:
            assert str(pid) in last
        assert "▁" in last or "█" in last or "▅" in last  # the UTF-8 chart
        os.write(master, b"q")
        assert proc.wait(timeout=10) == 0
        while select.select([master], [], [], 0.2)[0]:
            try:
                screen += os.read(master, 65536)
            except OSError:
                break
        assert screen.endswith(b"\x1b[?1049l")  # the screen is given back
        assert termios.tcgetattr(slave)[3] == before[3]  # echo and line mode restored
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
        os.close(master)
        os.close(slave)
