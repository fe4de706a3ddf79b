"""Start and stop a PHP-FPM-compatible server (Debian's php-fpm8.2 or fpmd) in a temp dir.

The same class drives both, since fpmd takes php-fpm's command line and config:
    <binary> -F -O [-R] -n -c <php.ini> [-d k=v ...] -y <php-fpm.conf>
Every wait is bounded; stop() escalates QUIT -> TERM -> KILL by pid and reports any
process left behind.
"""

import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

from . import fcgi_client, procs

PHP_FPM_BIN = os.environ.get("PHP_FPM_BIN", "/usr/sbin/php-fpm8.2")
LIB_DIR = Path(__file__).resolve().parent
DEFAULT_PHP_INI = LIB_DIR / "php.ini"
READY_RE = r"NOTICE: ready to handle connections"

DEFAULT_POOL = {"pm": "static", "pm.max_children": "2"}


def fpmd_binary():
    """(path, None) when FPMD_BIN names an executable file, else (None, why not)."""
    path = os.environ.get("FPMD_BIN")
    if not path:
        return None, "FPMD_BIN is not set (point it at a built fpmd binary)"
    if not os.path.isfile(path):
        return None, f"FPMD_BIN={path} does not exist (fpmd not built yet?)"
    if not os.access(path, os.X_OK):
        return None, f"FPMD_BIN={path} is not executable"
    return path, None


def php_fpm_binary():
    """(path, None) for Debian's php-fpm8.2 (PHP_FPM_BIN overrides), else (None, why)."""
    if not os.path.isfile(PHP_FPM_BIN):
        return None, f"{PHP_FPM_BIN} not found (apt-get install php8.2-fpm)"
    return PHP_FPM_BIN, None


def render_section(name, settings):
    lines = [f"[{name}]"]
    for key, value in (settings.items() if isinstance(settings, dict) else settings):
        lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


class ServerError(Exception):
    pass


class FpmProcess:
    """One master process and its workers, in a temp dir of its own.

    binary: path of php-fpm8.2 or fpmd.
    pool: pool directives added to / overriding DEFAULT_POOL (listen is set for you).
    global_settings: [global] directives added to / overriding the defaults
      (error_log, pid in the temp dir, daemonize = no).
    conf_text: a whole php-fpm.conf instead; @DIR@, @LISTEN@, @PID@ and @LOG@ are
      replaced by the temp dir, the listen address, the pid file and the error log path.
    php_ini: path of the php.ini (default tests/lib/php.ini); ini_overrides: -d pairs.
    listen: "unix" (temp socket), "tcp" (free 127.0.0.1 port) or an explicit string.
    log_to: "stderr" (error_log = /dev/stderr, with -O) or "file" (error_log in the dir).
    wait_ready: start() waits for the socket and "ready to handle connections"; turn
      it off for tests of start-up failures, then use wait() and log().
    """

    def __init__(self, binary, pool=None, global_settings=None, conf_text=None,
                 php_ini=None, ini_overrides=None, listen="unix", log_to="stderr",
                 pool_name="www", extra_args=(), env=None, workdir=None,
                 start_timeout=20.0, stop_timeout=10.0, wait_ready=True,
                 expect_alert=False, expect_crash=False, force_stderr=True, wrapper=(),
                 worker_fds_kept=0):
        self.binary = str(binary)
        # A command the server is exec'd through (e.g. one that joins a memory cgroup).
        self.wrapper = list(wrapper)
        # fds a worker keeps on purpose past its request (a persistent DB connection).
        self.worker_fds_kept = worker_fds_kept
        self.pool_name = pool_name
        self.php_ini = str(php_ini or DEFAULT_PHP_INI)
        self.ini_overrides = dict(ini_overrides or {})
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.wait_ready = wait_ready
        # The end-of-test invariants (check_invariants) apply to fpmd, not to the peer.
        self.expect_alert = expect_alert
        self.expect_crash = expect_crash
        # -O: logs on stderr whatever error_log says. Off, a file error_log gets them (and
        # stderr only the start-up lines).
        self.force_stderr = force_stderr
        self._baseline = None
        self.env = env
        self._own_dir = workdir is None
        # A short path under /tmp: unix socket paths are limited to 107 bytes.
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="fpmt-", dir="/tmp"))
        self.pid_file = self.dir / "fpm.pid"
        self.log_file = self.dir / "fpm.log" if log_to == "file" else None
        self.conf_path = self.dir / "php-fpm.conf"

        if listen == "unix":
            self.listen = str(self.dir / "fpm.sock")
        elif listen == "tcp":
            self.listen = f"127.0.0.1:{procs.free_tcp_port()}"
        else:
            self.listen = str(listen)
        self.address = address_of(self.listen)

        error_log = str(self.log_file) if self.log_file else "/dev/stderr"
        if conf_text is not None:
            text = conf_text
            for key, value in (("@DIR@", str(self.dir)), ("@LISTEN@", self.listen),
                               ("@PID@", str(self.pid_file)), ("@LOG@", error_log)):
                text = text.replace(key, value)
        else:
            glob = {"error_log": error_log, "pid": str(self.pid_file), "daemonize": "no"}
            glob.update(global_settings or {})
            pool_settings = dict(DEFAULT_POOL)
            pool_settings["listen"] = self.listen
            pool_settings.update(pool or {})
            text = render_section("global", glob) + "\n" + render_section(pool_name, pool_settings)
        self.conf_text = text
        self.conf_path.write_text(text)
        self._proc = None

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def argv(self):
        args = [self.binary, "-F"] + (["-O"] if self.force_stderr else [])
        if os.geteuid() == 0:
            args.append("-R")
        args += ["-n", "-c", self.php_ini]
        for key, value in self.ini_overrides.items():
            args += ["-d", f"{key}={value}"]
        args += ["-y", str(self.conf_path)]
        return self.wrapper + args + self.extra_args

    def start(self):
        self._proc = procs.ManagedProcess(self.argv, self.dir, self.env, self.stop_timeout)
        self._proc.spawn()
        if self.wait_ready:
            try:
                self.wait_until_ready()
            except BaseException:
                self.stop(check=False)
                raise
        return self

    def wait_until_ready(self, timeout=None):
        """Until the log says "ready to handle connections" (and, for a unix socket, the
        socket file exists). It does not connect: a probe connection would make an
        ondemand pool fork a child and count as an accepted request."""
        timeout = timeout or self.start_timeout

        def ready():
            if not self.is_running():
                raise ServerError(f"{self.binary} exited with {self.returncode} "
                                  f"during start-up; log:\n{self.log()[-4000:]}")
            if not re.search(READY_RE, self.log()):
                return False
            return isinstance(self.address, tuple) or os.path.exists(self.address)

        procs.wait_until(ready, timeout, what=f"{self.binary} ready on {self.listen}")
        self._proc.remember_descendants()
        if self._baseline is None and self.is_fpmd():
            self._wait_for_workers_set_up()
            self._baseline = self._fd_counts()

    @property
    def pid(self):
        return self._proc.pid if self._proc else None

    def known_pids(self):
        """The master and every descendant seen so far (for normalising pids away)."""
        if self._proc is None:
            return []
        if self.is_running():
            self._proc.remember_descendants()
        return [self.pid] + self._proc.known_pids()

    def children(self):
        """Current child pids of the master (zombies excluded), from /proc."""
        return self._proc.children()

    def wait_for_children(self, count, timeout=10.0):
        """Until the master has exactly count children; returns their pids."""
        def check():
            kids = self.children()
            return kids if len(kids) == count else None
        return procs.wait_until(check, timeout, what=f"{count} children of {self.pid}")

    def is_running(self):
        return self._proc is not None and self._proc.is_running()

    def send_signal(self, sig):
        if self.is_running():
            self._proc.proc.send_signal(sig)

    def wait(self, timeout):
        """The master's exit code, waiting at most timeout seconds
        (subprocess.TimeoutExpired otherwise)."""
        return self._proc.proc.wait(timeout)

    @property
    def returncode(self):
        return None if self._proc is None else self._proc.proc.poll()

    def stop(self, sig=signal.SIGQUIT, check=True):
        """Stop the master with sig, escalating to SIGTERM then SIGKILL within
        stop_timeout, then kill by pid any descendant still alive. With check, raise
        ServerError if anything had to be killed. Returns the master's exit code."""
        if self._proc is None:
            return None
        problems = self.check_invariants() if check else []
        signals = (sig,) if sig == signal.SIGTERM else (sig, signal.SIGTERM)
        problems += self._proc.terminate(signals)
        if self._own_dir and not os.environ.get("FPMD_TEST_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        if check and problems:
            raise ServerError("; ".join(problems) + f"\nlog:\n{self.log()[-4000:]}")
        return self.returncode

    # --- invariants ------------------------------------------------------------------------

    def is_fpmd(self):
        return "php-fpm" not in os.path.basename(self.binary)

    def _wait_for_workers_set_up(self, timeout=5.0):
        """Until each worker has made the epoll instance it waits in, its last fd of
        start-up: counted earlier, a worker still starting would look as if it leaked."""
        def set_up():
            for pid in self.children():
                targets = procs.fd_targets(pid)
                if targets is not None and "anon_inode:[eventpoll]" not in targets:
                    return False
            return True
        try:
            procs.wait_until(set_up, timeout, what="workers set up")
        except TimeoutError:
            pass  # counted as they are; a real leak still shows

    def _fd_counts(self):
        """(master fds that are not pipes, {worker pid: fd count}). Pipes are left out:
        with catch_workers_output the master holds two per worker, however many run."""
        master = procs.fd_targets(self.pid)
        if master is None:
            return None
        workers = {}
        for pid in self.children():
            targets = procs.fd_targets(pid)
            if targets is not None:
                workers[pid] = len(targets)
        return sum(1 for t in master if not t.startswith("pipe:")), workers

    def check_invariants(self, settle=3.0):
        """What must hold at the end of every test of a running fpmd: no zombie child left
        unreaped, no ALERT line and no worker crash unless the test expects one, and no fd
        growth in the master or the workers since start-up (waiting up to `settle` s for
        connections the test closed to be noticed). Returns the problems found."""
        if not self.is_fpmd() or not self.is_running() or self._baseline is None:
            return []
        problems = []
        log = self.log()
        if not self.expect_alert and "ALERT:" in log:
            problems.append("ALERT in the log: " + next(l for l in log.splitlines()
                                                        if "ALERT:" in l))
        if not self.expect_crash:
            crash = re.search(r"exited on signal (?:4|6|7|8|11) \(.*", log)
            if crash:
                problems.append("a worker crashed: " + crash.group(0))
        base_master, base_workers = self._baseline
        # Workers forked later compare with those at start-up; a pool that started with
        # none (ondemand) with the leanest worker now.
        now_workers = (self._fd_counts() or (0, {}))[1]
        most = max(base_workers.values(), default=min(now_workers.values(), default=0))

        def settled():
            if any(procs.is_zombie(p) for p in procs.children_of(self.pid)):
                return False
            counts = self._fd_counts()
            if counts is None:
                return True
            master, workers = counts
            if master > base_master:
                return False
            # A worker may hold the connection it serves, or a kept one.
            allowed = 1 + self.worker_fds_kept
            return all(n <= base_workers.get(pid, most) + allowed for pid, n in workers.items())

        try:
            procs.wait_until(settled, settle, what="invariants")
        except TimeoutError:
            zombies = [p for p in procs.children_of(self.pid) if procs.is_zombie(p)]
            if zombies:
                problems.append(f"zombie children not reaped: {zombies}")
            counts = self._fd_counts()
            if counts is not None:
                master, workers = counts
                if master > base_master:
                    problems.append(f"master fds grew from {base_master} to {master}: "
                                    f"{procs.fd_targets(self.pid)}")
                for pid, n in workers.items():
                    if n > base_workers.get(pid, most) + 1 + self.worker_fds_kept:
                        problems.append(f"worker {pid} fds grew to {n} from "
                                        f"{base_workers.get(pid, most)}: {procs.fd_targets(pid)}")
        return problems

    def __enter__(self):
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop(check=exc_type is None)

    # --- logs and requests -----------------------------------------------------------------

    def log(self):
        """The error log so far: stderr, plus the error_log file when log_to="file"."""
        text = self._proc.stderr_text if self._proc else ""
        if self.log_file and self.log_file.exists():
            text += self.log_file.read_text(errors="replace")
        return text

    def stdout_text(self):
        return self._proc.stdout_text if self._proc else ""

    def log_offset(self):
        """Pass to wait_for_log(start=) to look only at lines logged after now."""
        return len(self.log())

    def wait_for_log(self, pattern, timeout=10.0, start=0):
        """The first re.Match of pattern (multiline) in the log from offset start."""
        if self.log_file is None:
            return self._proc.wait_for_stderr(pattern, timeout, start)
        rx = re.compile(pattern, re.M)
        return procs.wait_until(lambda: rx.search(self.log(), start), timeout,
                                what=f"log line {pattern!r}")

    def request(self, params, stdin=b"", timeout=fcgi_client.DEFAULT_TIMEOUT, **kw):
        """One request on a new connection."""
        return fcgi_client.request(self.address, params, stdin, timeout=timeout, **kw)

    def connection(self, timeout=fcgi_client.DEFAULT_TIMEOUT):
        """A new FcgiConnection to the pool (use `with`)."""
        return fcgi_client.FcgiConnection(self.address, timeout)


def address_of(listen):
    """A pool's `listen` value as a connect address: unix path or (host, port)."""
    if listen.startswith("/"):
        return listen
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if not host or host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return (host, int(port))
