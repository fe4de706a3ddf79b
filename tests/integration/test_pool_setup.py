"""Per-pool process set-up: user/group, chdir, chroot, rlimits, and the listen forms."""

import os
import pwd
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from lib import cgi, fcgi_client
from lib.servers import FpmProcess

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


@pytest.fixture
def docroot():
    # pytest's tmp_path is private to root; workers running as nobody must read this.
    path = Path(tempfile.mkdtemp(prefix="fpmd-www-", dir="/tmp"))
    os.chmod(path, 0o755)
    yield from _fill(path)
    shutil.rmtree(path, ignore_errors=True)


def _fill(tmp_path):
    (tmp_path / "who.php").write_text(
        "<?php $u = posix_getpwuid(posix_geteuid()); $g = posix_getgrgid(posix_getegid());"
        "echo $u['name'], ' ', $g['name'], ' ', implode(',', posix_getgroups()), ' ', getcwd();")
    (tmp_path / "limits.php").write_text(
        "<?php $l = posix_getrlimit(); echo $l['soft openfiles'], ' ', $l['soft core'];")
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    for script in tmp_path.iterdir():
        os.chmod(script, 0o644)
    yield tmp_path


def get(fpm, docroot, uri):
    return fpm.request(cgi.cgi_params(uri, docroot))


@needs_root
def test_user_and_group(fpmd_bin, docroot):
    nobody = pwd.getpwnam("nobody")
    with FpmProcess(fpmd_bin, pool={"user": "nobody", "group": "nogroup"}) as fpm:
        name, group, groups, _ = get(fpm, docroot, "/who.php").text.split(" ", 3)
        assert (name, group) == ("nobody", "nogroup")
        assert str(nobody.pw_gid) in groups.split(",")  # initgroups ran


def test_chdir(fpmd_bin, docroot, tmp_path):
    # PHP itself moves into the script's directory while a script runs, so look at the
    # idle workers' working directory.
    workdir = tmp_path / "work"
    workdir.mkdir()
    with FpmProcess(fpmd_bin, pool={"chdir": str(workdir)}) as fpm:
        assert get(fpm, docroot, "/hello.php").text == "hello"
        for child in fpm.wait_for_children(2):
            assert os.readlink(f"/proc/{child}/cwd") == str(workdir)


def test_chdir_must_exist(fpmd_bin, tmp_path):
    fpm = FpmProcess(fpmd_bin, pool={"chdir": str(tmp_path / "absent")}, wait_ready=False)
    fpm.start()
    try:
        assert fpm.wait(20) == 78
    finally:
        fpm.stop(check=False)


def test_rlimits(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin, pool={"rlimit_files": "777", "rlimit_core": "0"}) as fpm:
        assert get(fpm, docroot, "/limits.php").text == "777 0"


@needs_root
def test_chroot(fpmd_bin, tmp_path):
    root = tmp_path / "jail"
    (root / "www").mkdir(parents=True)
    (root / "tmp").mkdir()
    (root / "www" / "inside.php").write_text("<?php echo __FILE__, ' ', getcwd();")
    with FpmProcess(fpmd_bin, pool={"chroot": str(root)}) as fpm:
        params = cgi.cgi_params("/inside.php", "/www")
        resp = fpm.request(params)
        assert resp.status == 200, resp.stderr
        assert resp.text == "/www/inside.php /www"
        for child in fpm.wait_for_children(2):
            assert os.readlink(f"/proc/{child}/root") == str(root)


def test_port_only_listens_on_every_address(fpmd_bin, docroot):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FpmProcess(fpmd_bin, listen=str(port)) as fpm:
        v4 = fcgi_client.request(("127.0.0.1", port), cgi.cgi_params("/hello.php", docroot))
        assert v4.text == "hello"
        if socket.has_ipv6:
            v6 = fcgi_client.request(("::1", port), cgi.cgi_params("/hello.php", docroot))
            assert v6.text == "hello"


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
def test_ipv6_listener_and_allowed_clients(fpmd_bin, docroot):
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    with FpmProcess(fpmd_bin, listen=f"[::1]:{port}",
                    pool={"listen.allowed_clients": "::1"}) as fpm:
        resp = fcgi_client.request(("::1", port), cgi.cgi_params("/hello.php", docroot))
        assert resp.text == "hello"


def test_address_in_use_is_a_clear_error(fpmd_bin, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        fpm = FpmProcess(fpmd_bin, listen=f"127.0.0.1:{port}", wait_ready=False).start()
        try:
            assert fpm.wait(20) == 78
            assert (f"unable to bind listening socket for address '127.0.0.1:{port}': "
                    "Address already in use (98)") in fpm.log()
        finally:
            fpm.stop(check=False)
