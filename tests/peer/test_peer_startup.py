"""Start-up and configuration behaviour, php8.2-fpm and fpmd side by side with the same
files: which lines each logs, where they go, the exit codes, as root and as an unprivileged
user (how containers and most test suites run FPM).

Lines are compared with their timestamps removed and without the "[file:line] " fpmd puts
before a configuration error (a deliberate difference, docs/compatibility.md)."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from lib import cgi, procs
from lib.servers import DEFAULT_PHP_INI, FpmProcess

TIMESTAMP = re.compile(r"^\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d(\.\d+)?\] ", re.M)
LOCATED = re.compile(r"^([A-Z]+: )\[[^\]]+:\d+\] ", re.M)
UNPRIVILEGED = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def lines(text):
    text = LOCATED.sub(r"\1", TIMESTAMP.sub("", text))
    return [line for line in text.splitlines() if line]


def servers(php_fpm_bin, fpmd_bin):
    return (("php-fpm", php_fpm_bin), ("fpmd", fpmd_bin))


def needs_root():
    if os.geteuid() != 0:
        pytest.skip("needs root to run the servers as another user")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")


def shared_dir(owner=None):
    """A temp dir both servers can use; owned by `owner` (a user name) when given."""
    path = Path(tempfile.mkdtemp(prefix="fpmp-", dir="/tmp"))
    path.chmod(0o755)
    if owner:
        shutil.chown(path, user=owner)
    return path


def conf_file(directory, pool_lines, global_lines="", name="php-fpm.conf"):
    conf = directory / name
    conf.write_text(f"[global]\nerror_log = {directory}/error.log\n{global_lines}\n"
                    f"[www]\nlisten = {directory}/fpm.sock\npm = static\npm.max_children = 1\n"
                    f"{pool_lines}\n")
    return conf


def run(argv, timeout=30):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def check_argv(binary, conf, root_flag=True):
    return [binary, *(["-R"] if root_flag else []), "-n", "-t", "-y", str(conf)]


# --- 1. Not root ------------------------------------------------------------------------


def start_unprivileged(binary, pool, workdir):
    # error_log a file of nobody's: /dev/stderr would be a reopen of the test's pipe, which
    # belongs to root (php-fpm opens the path, and fails). -O still puts the lines on stderr.
    return FpmProcess(binary, pool=pool, workdir=workdir, wrapper=UNPRIVILEGED, log_to="file")


def test_not_root_the_user_directives_are_ignored_with_a_notice(php_fpm_bin, fpmd_bin):
    needs_root()
    pool = {"pm": "static", "pm.max_children": "1", "user": "www-data", "group": "www-data",
            "process.priority": "5"}
    seen = {}
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        workdir = shared_dir(owner="nobody")
        (workdir / "id.php").write_text("<?php echo posix_geteuid();")
        try:
            with start_unprivileged(binary, pool, workdir) as fpm:
                answer = fpm.request(cgi.cgi_params("/id.php", workdir))
                assert answer.status == 200 and answer.body == b"65534", (name, answer.body)
                seen[name] = [line for line in lines(fpm.log()) if "ignored" in line]
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    assert seen["php-fpm"] == [
        "NOTICE: [pool www] 'user' directive is ignored when FPM is not running as root",
        "NOTICE: [pool www] 'group' directive is ignored when FPM is not running as root",
        "NOTICE: [pool www] 'process.priority' directive is ignored when FPM is not running "
        "as root"]
    assert seen["fpmd"] == seen["php-fpm"]


def test_not_root_a_chroot_is_ignored_and_workers_serve(php_fpm_bin, fpmd_bin):
    needs_root()
    pool = {"pm": "static", "pm.max_children": "1", "chroot": "/tmp"}
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        workdir = shared_dir(owner="nobody")
        (workdir / "ok.php").write_text("<?php echo 'served';")
        try:
            with start_unprivileged(binary, pool, workdir) as fpm:
                answer = fpm.request(cgi.cgi_params("/ok.php", workdir))
                assert answer.status == 200 and answer.body == b"served", (name, fpm.log())
                assert ("NOTICE: [pool www] 'chroot' directive is ignored when FPM is not "
                        "running as root") in lines(fpm.log()), name
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def test_not_root_a_numeric_user_is_ignored_and_listen_owner_cannot_be_given(
        php_fpm_bin, fpmd_bin):
    needs_root()
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        workdir = shared_dir(owner="nobody")
        (workdir / "ok.php").write_text("<?php echo 'served';")
        try:
            with start_unprivileged(binary, {"pm": "static", "pm.max_children": "1",
                                             "user": "1234"}, workdir) as fpm:
                assert fpm.request(cgi.cgi_params("/ok.php", workdir)).body == b"served"
                assert ("NOTICE: [pool www] 'user' directive is ignored when FPM is not "
                        "running as root") in lines(fpm.log()), name
            # Not root, the socket cannot be given to another user: both refuse to start.
            fpm = start_unprivileged(binary, {"pm": "static", "pm.max_children": "1",
                                              "listen.owner": "www-data",
                                              "listen.group": "www-data"}, workdir)
            fpm.wait_ready = False
            fpm.start()
            assert fpm.wait(15) == 78, (name, fpm.log())
            assert (f"ERROR: [pool www] failed to chown() the socket '{fpm.listen}': Operation "
                    "not permitted (1)") in lines(fpm.log()), (name, fpm.log())
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.parametrize("pool_lines, message", [
    ("user = nosuchuser\ngroup = nosuchgroup", "ERROR: [pool www] cannot get uid for user "
                                               "'nosuchuser'"),
    ("user = www-data\ngroup = nosuchgroup", "ERROR: [pool www] cannot get gid for group "
                                             "'nosuchgroup'"),
])
def test_not_root_test_flag_looks_the_users_up(php_fpm_bin, fpmd_bin, pool_lines, message):
    needs_root()
    directory = shared_dir(owner="nobody")
    try:
        conf = conf_file(directory, pool_lines)
        done = {name: run(UNPRIVILEGED + check_argv(binary, conf, root_flag=False))
                for name, binary in servers(php_fpm_bin, fpmd_bin)}
        assert done["php-fpm"].returncode == 78
        assert lines(done["php-fpm"].stderr) == [message, "ERROR: FPM initialization failed"]
        assert done["fpmd"].returncode == 78
        assert lines(done["fpmd"].stderr) == lines(done["php-fpm"].stderr)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_root_without_R_refuses_a_pool_running_as_root(php_fpm_bin, fpmd_bin, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    conf = conf_file(tmp_path, "user = root")
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        # A start, not -t: PHP-FPM checks this when it sets the pools up.
        done = run([binary, "-F", "-O", "-n", "-y", str(conf)], timeout=15)
        assert done.returncode == 78, (name, done.stderr)
        assert lines(done.stderr) == [
            "ERROR: [pool www] please specify user and group other than root",
            "ERROR: FPM initialization failed"], (name, done.stderr)


# --- 2. log_level from the first line ---------------------------------------------------


@pytest.mark.parametrize("level", ["warning", "error", "alert"])
def test_log_level_applies_from_the_first_line(php_fpm_bin, fpmd_bin, level):
    # pm.start_servers unset in a dynamic pool: a NOTICE while the pools are checked.
    pool = {"pm": "dynamic", "pm.max_children": "2", "pm.min_spare_servers": "1",
            "pm.max_spare_servers": "1"}
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        with FpmProcess(binary, pool=pool, global_settings={"log_level": level},
                        wait_ready=False) as fpm:
            fpm.wait_for_children(1)
            procs.wait_until(lambda: os.path.exists(fpm.address), 10, what="the socket")
            assert lines(fpm.log()) == [], (name, fpm.log())
            tested = run(check_argv(binary, fpm.conf_path))
        assert tested.returncode == 0 and lines(tested.stderr) == [], (name, tested.stderr)


# --- 5f. -F with error_log a file --------------------------------------------------------


def test_foreground_with_a_log_file_writes_start_up_lines_to_both(php_fpm_bin, fpmd_bin):
    pool = {"pm": "dynamic", "pm.max_children": "2", "pm.min_spare_servers": "1",
            "pm.max_spare_servers": "1"}
    seen = {}
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        # Without -O and with stderr a pipe, as under systemd.
        with FpmProcess(binary, pool=pool, log_to="file", force_stderr=False) as fpm:
            fpm.wait_for_log(r"ready to handle connections")
            stderr = lines(fpm._proc.stderr_text)
            file_lines = lines(fpm.log_file.read_text())
        seen[name] = (stderr, file_lines)
    start_servers = "NOTICE: [pool www] pm.start_servers is not set. It's been set to 1."
    # Only what was logged before start-up was over reaches stderr; the file has it all.
    assert seen["php-fpm"][0] == [start_servers]
    assert seen["fpmd"][0] == seen["php-fpm"][0]
    for name in seen:
        assert seen[name][1][0] == start_servers, (name, seen[name][1])
        assert any(line.startswith("NOTICE: fpm is running, pid ") for line in seen[name][1])
        assert "NOTICE: ready to handle connections" in seen[name][1]


def test_test_flag_writes_its_result_to_the_log_file_too(php_fpm_bin, fpmd_bin, tmp_path):
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        log = tmp_path / f"{name}.log"
        conf = tmp_path / f"{name}.conf"
        conf.write_text(f"[global]\nerror_log = {log}\n[www]\nlisten = {tmp_path}/s.sock\n"
                        "pm = static\npm.max_children = 1\n")
        done = run(check_argv(binary, conf))
        assert done.returncode == 0, (name, done.stderr)
        expected = f"NOTICE: configuration file {conf} test is successful"
        assert expected in lines(done.stderr), (name, done.stderr)
        assert expected in lines(log.read_text()), (name, log.read_text())


# --- 4. IPv6 ----------------------------------------------------------------------------


def test_port_only_listens_dual_stack_and_logs_ipv4_clients_as_ipv4(php_fpm_bin, fpmd_bin,
                                                                      tmp_path):
    (tmp_path / "ok.php").write_text("<?php echo 'ok';")
    tmp_path.chmod(0o755)
    seen = {}
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        port = procs.free_tcp_port()
        access = tmp_path / f"{name}-access.log"
        pool = {"pm": "static", "pm.max_children": "1", "access.log": str(access),
                "access.format": "%R %m %s", "listen.allowed_clients": "127.0.0.1"}
        with FpmProcess(binary, pool=pool, listen=str(port)) as fpm:
            fpm.address = ("127.0.0.1", port)
            assert fpm.request(cgi.cgi_params("/ok.php", tmp_path)).body == b"ok"
            fpm.address = ("::1", port)
            assert not served(fpm, tmp_path), name  # ::1 is not in allowed_clients
            procs.wait_until(lambda: access.exists() and access.read_text(), 10,
                             what="the access log line")
            seen[name] = access.read_text()
    assert seen["php-fpm"] == "127.0.0.1 GET 200\n"
    assert seen["fpmd"] == seen["php-fpm"]


def served(fpm, docroot):
    """Whether the page was served; a refused connection is closed unanswered (the client
    sees a reset or an end without a FastCGI answer, depending on timing)."""
    try:
        return fpm.request(cgi.cgi_params("/ok.php", docroot), timeout=5).body == b"ok"
    except OSError:
        return False


NO_INET6_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
/* As on a kernel booted with ipv6.disable=1: no AF_INET6 sockets. */
int socket(int domain, int type, int protocol) {
    static int (*real)(int, int, int);
    if (!real) real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
    if (domain == AF_INET6) { errno = EAFNOSUPPORT; return -1; }
    return real(domain, type, protocol);
}
"""


def test_port_only_falls_back_to_ipv4_with_php_fpms_notice(php_fpm_bin, fpmd_bin, tmp_path):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler for the LD_PRELOAD shim")
    source = tmp_path / "no_inet6.c"
    source.write_text(NO_INET6_C)
    shim = tmp_path / "no_inet6.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(shim), str(source), "-ldl"],
                   check=True, timeout=60)
    (tmp_path / "ok.php").write_text("<?php echo 'ok';")
    tmp_path.chmod(0o755)
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        port = procs.free_tcp_port()
        env = dict(os.environ, LD_PRELOAD=str(shim))
        with FpmProcess(binary, pool={"pm": "static", "pm.max_children": "1"}, listen=str(port),
                        env=env) as fpm:
            assert "NOTICE: Failed implicitly binding to ::, retrying with 0.0.0.0" in \
                lines(fpm.log()), (name, fpm.log())
            fpm.address = ("127.0.0.1", port)
            assert fpm.request(cgi.cgi_params("/ok.php", tmp_path)).body == b"ok", name


# --- 7. Messages ------------------------------------------------------------------------


def test_an_invalid_port_names_the_port(php_fpm_bin, fpmd_bin, tmp_path):
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        fpm = FpmProcess(binary, pool={"pm": "static", "pm.max_children": "1"},
                         listen="127.0.0.1:69002", wait_ready=False)
        done = run(fpm.argv)
        shutil.rmtree(fpm.dir, ignore_errors=True)
        assert done.returncode == 78, (name, done.stderr)
        # fpmd also says "[pool www]" and that the post-processing failed: it refuses the
        # value when it checks the config, so -t refuses it as well (docs/compatibility.md).
        assert any(line.endswith("invalid port value '69002'") for line in lines(done.stderr)), \
            (name, done.stderr)
        assert lines(done.stderr)[-1] == "ERROR: FPM initialization failed"


def test_a_bad_allowed_clients_entry_is_skipped(php_fpm_bin, fpmd_bin, tmp_path):
    (tmp_path / "ok.php").write_text("<?php echo 'ok';")
    tmp_path.chmod(0o755)
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        pool = {"pm": "static", "pm.max_children": "1",
                "listen.allowed_clients": "not-an-ip,127.0.0.1"}
        with FpmProcess(binary, pool=pool, listen="tcp") as fpm:
            assert fpm.request(cgi.cgi_params("/ok.php", tmp_path)).body == b"ok", name
            if name == "fpmd":  # php-fpm's workers say it where only catch_workers_output shows it
                assert ("WARNING: [pool www] Wrong IP address 'not-an-ip' in "
                        "listen.allowed_clients; ignored") in lines(fpm.log())


def test_apparmor_hat_without_apparmor_fails_the_worker_with_php_fpms_error(
        php_fpm_bin, fpmd_bin, tmp_path):
    if Path("/sys/kernel/security/apparmor").exists():
        pytest.skip("AppArmor is enabled here: the hat would be changed")
    pool = {"pm": "ondemand", "pm.max_children": "1", "apparmor_hat": "fpm-hat",
            "catch_workers_output": "yes"}
    expected = ("ERROR: [pool www] failed to query apparmor confinement. Please check if "
                "\"/proc/*/attr/current\" is read and writeable.: Invalid argument (22)")
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        with FpmProcess(binary, pool=pool, expect_crash=True) as fpm:
            assert not served(fpm, tmp_path), name
            fpm.wait_for_log(re.escape(expected) + r'"')
            fpm.wait_for_log(r'child failed to initialize"')


# --- 8. The extension list --------------------------------------------------------------


def test_the_extension_list_is_php_fpms(php_fpm_bin, fpmd_bin, tmp_path):
    modules = {name: run([binary, "-n", "-c", DEFAULT_PHP_INI, "-m"]).stdout
               for name, binary in servers(php_fpm_bin, fpmd_bin)}
    assert "pcntl" not in modules["php-fpm"].split()
    assert modules["fpmd"] == modules["php-fpm"]
    (tmp_path / "ext.php").write_text(
        "<?php echo json_encode([get_loaded_extensions(), function_exists('pcntl_fork'),"
        " defined('SIGTERM'), extension_loaded('pcntl')]);")
    tmp_path.chmod(0o755)
    answers = {}
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        with FpmProcess(binary, pool={"pm": "static", "pm.max_children": "1"}) as fpm:
            answers[name] = fpm.request(cgi.cgi_params("/ext.php", tmp_path)).body
    assert b'"pcntl"' not in answers["php-fpm"]
    assert answers["fpmd"] == answers["php-fpm"]


# --- 3. prefix --------------------------------------------------------------------------

PREFIX_CONF = """[global]
error_log = log/err.log
pid = run/fpm.pid
daemonize = no
[www]
{pool_prefix}
listen = run/$pool.sock
pm = static
pm.max_children = 1
access.log = log/access.log
slowlog = log/slow.log
request_slowlog_timeout = 5s
chdir = www
"""


def created_files(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob("*")
                  if not path.is_dir() and path.suffix not in (".php", ".conf"))


@pytest.mark.parametrize("pool_prefix, where", [("", ""), ("prefix = pool", "pool/")])
def test_prefix_resolves_relative_paths_as_php_fpm(php_fpm_bin, fpmd_bin, pool_prefix, where):
    seen = {}
    for name, binary in servers(php_fpm_bin, fpmd_bin):
        root = shared_dir()
        try:
            for directory in ("log", "run", "www", "pool/log", "pool/run", "pool/www"):
                (root / directory).mkdir(parents=True, exist_ok=True)
            conf = root / "php-fpm.conf"
            conf.write_text(PREFIX_CONF.format(pool_prefix=pool_prefix))
            argv = [binary, "-F", "-O", *(["-R"] if os.geteuid() == 0 else []), "-n", "-c",
                    DEFAULT_PHP_INI, "-p", str(root), "-y", str(conf)]
            server = procs.ManagedProcess(argv, root, name=name)
            server.spawn()
            try:
                socket_path = root / where / "run" / "www.sock"
                procs.wait_until(socket_path.exists, 15, what=f"{name} on {socket_path}")
                server.wait_for_stderr(r"ready to handle connections", 15)
                [worker] = procs.wait_until(
                    lambda: list(server.children()) or None, 10,
                    what="the worker")
                # chdir is relative to the pool's prefix too (the worker's own cwd; PHP
                # changes to the script's directory for each request).
                seen[name] = (created_files(root),
                              os.readlink(f"/proc/{worker}/cwd").replace(str(root), "ROOT"))
            finally:
                server.terminate()
        finally:
            shutil.rmtree(root, ignore_errors=True)
    assert seen["php-fpm"] == (sorted(["log/err.log", "run/fpm.pid", f"{where}run/www.sock",
                                       f"{where}log/access.log", f"{where}log/slow.log"]),
                               f"ROOT/{where}www")
    assert seen["fpmd"] == seen["php-fpm"]
