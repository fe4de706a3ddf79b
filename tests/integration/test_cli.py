"""fpmd's command line against PHP-FPM's: -t/-tt, -v, -m, -h, usage errors, exit codes."""

import os
import re
import subprocess

import pytest

PHP_FPM = "/usr/sbin/php-fpm8.2"
DEBIAN_CONF = "/etc/php/8.2/fpm/php-fpm.conf"


def run(binary, *args, timeout=30):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout)


def write_conf(tmp_path, pool_lines, global_lines=""):
    conf = tmp_path / "php-fpm.conf"
    conf.write_text(f"[global]\nerror_log = {tmp_path}/fpm.log\n{global_lines}\n"
                    f"[www]\nlisten = {tmp_path}/fpm.sock\n{pool_lines}\n")
    return conf


def test_test_flag_accepts_a_good_file(fpmd_bin, tmp_path):
    conf = write_conf(tmp_path, "pm = static\npm.max_children = 2")
    done = run(fpmd_bin, "-R", "-n", "-t", "-y", str(conf))
    assert done.returncode == 0
    assert f"NOTICE: configuration file {conf} test is successful\n\n" in done.stderr


def test_tt_dumps_directives(fpmd_bin, tmp_path):
    conf = write_conf(tmp_path, "pm = static\npm.max_children = 7")
    done = run(fpmd_bin, "-R", "-n", "-tt", "-y", str(conf))
    assert done.returncode == 0
    assert "NOTICE: [www]" in done.stderr
    assert "NOTICE: \tpm.max_children = 7" in done.stderr


@pytest.mark.parametrize("pool_lines, message", [
    ("pm = static\npm.max_children = 2\nbogus = 1", "unknown entry 'bogus'"),
    ("pm = static\npm.max_children = 2\nclear_env = maybe", "invalid boolean value"),
    ("pm = sometimes\npm.max_children = 2", "pm"),
    ("pm = static", "pm.max_children"),
    ("pm = static\npm.max_children = 2\nlisten.owner = no-such-user",
     "cannot get uid for user 'no-such-user'"),
])
def test_bad_config_is_refused_like_php_fpm(fpmd_bin, tmp_path, pool_lines, message):
    conf = write_conf(tmp_path, pool_lines)
    ours = run(fpmd_bin, "-R", "-n", "-t", "-y", str(conf))
    theirs = run(PHP_FPM, "-R", "-n", "-t", "-y", str(conf))
    assert ours.returncode == 78
    assert theirs.returncode == 78
    assert message in ours.stderr
    assert "ERROR: FPM initialization failed" in ours.stderr
    # Same error lines, timestamps aside, and the "[file:line] " fpmd adds where php-fpm8.2
    # names no place (docs/compatibility.md).
    located = re.compile(r"^([A-Z]+: )\[[^\]]+:\d+\] ")
    strip = lambda text: [located.sub(r"\1", line.split("] ", 1)[-1])
                          for line in text.splitlines() if line]
    assert strip(ours.stderr) == strip(theirs.stderr)


def test_unknown_entry_names_file_and_line(fpmd_bin, tmp_path):
    conf = write_conf(tmp_path, "pm = static\npm.max_children = 2\nbogus = 1")
    done = run(fpmd_bin, "-R", "-n", "-t", "-y", str(conf))
    assert f"[{conf}:8] unknown entry 'bogus'" in done.stderr


@pytest.mark.skipif(not os.path.exists(DEBIAN_CONF), reason="php8.2-fpm's config not installed")
def test_debian_config_passes(fpmd_bin, tmp_path):
    # -t opens the error log, as php-fpm's does: point it into the test's dir, not /var/log.
    conf = tmp_path / "php-fpm.conf"
    conf.write_text("\n".join(
        f"error_log = {tmp_path}/fpm.log" if line.startswith("error_log") else line
        for line in open(DEBIAN_CONF).read().splitlines()))
    done = run(fpmd_bin, "-t", "-y", str(conf))
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_refuses_root_pool_without_user(fpmd_bin, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    conf = write_conf(tmp_path, "pm = static\npm.max_children = 2")
    done = run(fpmd_bin, "-n", "-t", "-y", str(conf))
    assert done.returncode == 78
    assert "[pool www] user has not been defined" in done.stderr


def test_version_names_our_sapi(fpmd_bin):
    done = run(fpmd_bin, "-n", "-v")
    assert done.returncode == 0
    assert done.stdout.startswith("PHP 8.2.")
    assert "(fpm-fcgi)" in done.stdout.splitlines()[0]


def test_modules_lists_php_and_zend_modules(fpmd_bin):
    done = run(fpmd_bin, "-n", "-m")
    assert done.returncode == 0
    assert "[PHP Modules]" in done.stdout
    assert "[Zend Modules]" in done.stdout
    assert "Core" in done.stdout


def test_help_and_usage_exit_codes(fpmd_bin):
    assert run(fpmd_bin, "-h").returncode == 0
    assert "Usage:" in run(fpmd_bin, "-h").stdout
    assert run(fpmd_bin, "-?").returncode == 64
    assert run(fpmd_bin, "--no-such-option").returncode == 64
    assert run(fpmd_bin, "positional").returncode == 64


def test_missing_config_file(fpmd_bin, tmp_path):
    done = run(fpmd_bin, "-R", "-n", "-t", "-y", str(tmp_path / "absent.conf"))
    theirs = run(PHP_FPM, "-R", "-n", "-t", "-y", str(tmp_path / "absent.conf"))
    assert done.returncode == theirs.returncode == 78
