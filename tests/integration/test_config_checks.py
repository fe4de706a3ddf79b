"""One validation for -t, start and reload: what start would refuse, -t refuses (exit 78, with
php-fpm8.2's message where it has one, and the file and line), and a running master given
such a file by SIGUSR2 keeps serving with the old one."""

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from lib import cgi
from lib.servers import FpmProcess

BAD_FORMATS = [
    ("%Z", "Invalid token in the access.format (%Z)"),
    ("%{foo", "missing closing embrace in the access.format"),
    ("%{x}Q", "embrace is not allowed for modifier %Q"),
]


def run(binary, *args, timeout=60):
    return subprocess.run([binary, *args], capture_output=True, timeout=timeout)


def write_conf(tmp_path, pool_lines, listen=None):
    conf = tmp_path / "php-fpm.conf"
    listen = listen or f"{tmp_path}/fpm.sock"
    conf.write_bytes(f"[global]\nerror_log = {tmp_path}/fpm.log\n[www]\nlisten = {listen}\n"
                     f"pm = static\npm.max_children = 1\n".encode() + pool_lines)
    return conf


def check(binary, conf):
    # -p: a file that names no error_log gets the default log/php-fpm.log under the
    # prefix, which -t opens (in php-fpm and fpmd alike), not /var/log/php-fpm.log.
    prefix = Path(conf).parent if Path(conf).is_file() else Path(conf)
    (prefix / "log").mkdir(exist_ok=True)
    done = run(binary, "-R", "-n", "-t", "-p", str(prefix), "-y", str(conf))
    return done.returncode, done.stderr.decode(errors="replace")


@pytest.mark.parametrize("fmt, warning", BAD_FORMATS)
def test_t_refuses_bad_access_format(fpmd_bin, tmp_path, fmt, warning):
    conf = write_conf(tmp_path, f'access.log = {tmp_path}/a.log\naccess.format = "{fmt}"\n'
                      .encode())
    rc, err = check(fpmd_bin, conf)
    assert rc == 78, err
    assert f"WARNING: [{conf}:8] {warning}" in err
    assert f"ERROR: [{conf}:8] [pool www] wrong format for access.format '{fmt}'" in err
    assert "ERROR: FPM initialization failed" in err


@pytest.mark.parametrize("fmt, warning", BAD_FORMATS)
def test_php_fpm_refuses_the_same_access_formats(php_fpm_bin, tmp_path, fmt, warning):
    # The reference: the same files fail php-fpm8.2 -t, with the same texts.
    conf = write_conf(tmp_path, f'access.log = {tmp_path}/a.log\naccess.format = "{fmt}"\n'
                      .encode())
    rc, err = check(php_fpm_bin, conf)
    assert rc == 78, err
    assert f"WARNING: {warning}" in err
    assert f"ERROR: [pool www] wrong format for access.format '{fmt}'" in err


def test_t_refuses_deep_nesting_without_crashing(fpmd_bin, tmp_path):
    deep = b"(" * 200000 + b"1" + b")" * 200000
    conf = write_conf(tmp_path, b"rlimit_files = " + deep + b"\n")
    rc, err = check(fpmd_bin, conf)
    assert rc == 78, err[-2000:]
    assert re.search(rf"PHP:  memory exhausted .* in {re.escape(str(conf))} on line 7", err)


def test_t_refuses_nul_byte(fpmd_bin, tmp_path):
    conf = write_conf(tmp_path, b"ping.path = /pi\0ng\n")
    rc, err = check(fpmd_bin, conf)
    assert rc == 78, err
    assert (f"ERROR: [{conf}:7] unable to parse value for entry 'ping.path': "
            "the value contains a NUL byte") in err


def test_t_refuses_too_long_unix_listen_path(fpmd_bin, tmp_path):
    long_path = f"{tmp_path}/{'a' * 200}.sock"
    conf = write_conf(tmp_path, b"", listen=long_path)
    rc, err = check(fpmd_bin, conf)
    assert rc == 78, err
    assert (f"ERROR: [{conf}:4] [pool www] cannot bind to UNIX socket '{long_path}' as path is "
            f"too long (found length: {len(long_path)}, maximal length: 107)") in err


HEAD = "[global]\nerror_log = {tmp}/fpm.log\n"
POOL = HEAD + "[www]\nlisten = {tmp}/x.sock\npm = static\n"


@pytest.mark.parametrize("text, expected", [
    (HEAD + 'pid = "/tmp/x\n',
     "PHP:  syntax error, unexpected end of file, expecting TC_DOLLAR_CURLY or "
     "TC_QUOTED_STRING or '\"' in {conf} on line 3"),
    (HEAD + "[]\n", "ALERT: [{conf}:3] [pool ] no listen address have been defined!"),
    (POOL + "pm.max_children = -1\n",
     "ALERT: [{conf}:6] [pool www] pm.max_children must be a positive value"),
    (POOL + "pm.max_children = 99999999999999999999\n",
     "ALERT: [{conf}:6] [pool www] pm.max_children must be a positive value"),
    ("", "ERROR: [{conf}:1] No pool defined. at least one pool section must be specified in "
     "config file"),
])
def test_t_errors_name_file_and_line(fpmd_bin, php_fpm_bin, tmp_path, text, expected):
    conf = tmp_path / "php-fpm.conf"
    conf.write_text(text.format(tmp=tmp_path))
    rc, err = check(fpmd_bin, conf)
    assert rc == 78, err
    assert expected.format(conf=conf) in err
    # php-fpm8.2 refuses the same file, with the same text and no location.
    theirs, their_err = check(php_fpm_bin, conf)
    assert theirs == 78
    php_text = re.sub(r"\[\{conf\}:\d+\] ", "", expected)
    php_text = re.sub(r" in \{conf\} on line \d+$", " in Unknown on line", php_text)
    assert php_text.format(conf=conf) in their_err


def test_t_names_a_directory(fpmd_bin, tmp_path):
    rc, err = check(fpmd_bin, tmp_path)
    assert rc == 78, err
    assert f"ERROR: failed to open configuration file '{tmp_path}': Is a directory (21)" in err


@pytest.fixture
def docroot(tmp_path):
    (tmp_path / "hello.php").write_text("<?php echo 'hello';")
    os.chmod(tmp_path, 0o755)
    return tmp_path


def reload_with(fpm, docroot, bad_text, expected):
    kids = sorted(fpm.wait_for_children(2))
    master = fpm.pid
    good = fpm.conf_path.read_text()
    fpm.conf_path.write_text(bad_text(good))
    try:
        start = fpm.log_offset()
        fpm.send_signal(signal.SIGUSR2)
        fpm.wait_for_log(re.escape(expected), start=start)
        fpm.wait_for_log(r"reload aborted", start=start)
        assert "Reloading in progress" not in fpm.log()[start:]
        assert fpm.is_running() and fpm.pid == master
        assert sorted(fpm.children()) == kids
        resp = fpm.request(cgi.cgi_params("/hello.php", docroot))
        assert resp.status == 200 and resp.body == b"hello"
    finally:
        fpm.conf_path.write_text(good)


def test_reload_with_bad_access_format_keeps_serving(fpmd_bin, docroot):
    pool = {"access.log": f"{docroot}/access.log"}
    with FpmProcess(fpmd_bin, pool=pool) as fpm:
        reload_with(fpm, docroot, lambda good: good + 'access.format = "%Z"\n',
                    "wrong format for access.format '%Z'")


def test_reload_with_too_long_listen_path_keeps_serving(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin) as fpm:
        long_path = f"{fpm.dir}/{'l' * 200}.sock"
        reload_with(fpm, docroot,
                    lambda good: good.replace(f"listen = {fpm.listen}", f"listen = {long_path}"),
                    "as path is too long")


def test_reload_with_unopenable_access_log_keeps_serving(fpmd_bin, docroot):
    with FpmProcess(fpmd_bin) as fpm:
        reload_with(fpm, docroot,
                    lambda good: good + f"access.log = {fpm.dir}/missing/access.log\n",
                    "failed to open access log")
