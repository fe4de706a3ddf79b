"""A MariaDB server of the test's own: Debian's mariadb-server binaries, a private datadir and
unix socket in a temp dir, no TCP, never the system's service or its /etc config.

    with MariaDB(tmp_path, buffer_pool="128M", wrapper=group.wrap()) as db:
        db.query("SELECT 1")

MariaDB.available() says why not when the binaries are missing (scripts/deps.sh installs
them)."""

import os
import signal
import shutil
import subprocess
from pathlib import Path

from . import procs


def _binary(*names):
    for name in names:
        for directory in ("/usr/sbin", "/usr/bin"):
            path = Path(directory) / name
            if path.exists():
                return str(path)
    return None


class MariaDB:
    def __init__(self, workdir, buffer_pool="128M", wrapper=(), start_timeout=60.0):
        self.dir = Path(workdir) / "mariadb"
        self.datadir = self.dir / "data"
        self.socket = str(self.dir / "mysqld.sock")
        self.pid_file = self.dir / "mysqld.pid"
        self.log_file = self.dir / "error.log"
        self.buffer_pool = buffer_pool
        self.wrapper = list(wrapper)
        self.start_timeout = start_timeout
        self._proc = None

    @staticmethod
    def available():
        """None when a server can be started here, else why not."""
        missing = [name for name, found in (
            ("mariadbd", _binary("mariadbd", "mysqld")),
            ("mariadb-install-db", _binary("mariadb-install-db", "mysql_install_db")),
            ("mariadb", _binary("mariadb", "mysql"))) if found is None]
        return f"MariaDB is not installed ({', '.join(missing)} missing)" if missing else None

    def _server_args(self):
        return ["--no-defaults", f"--datadir={self.datadir}", f"--socket={self.socket}",
                f"--pid-file={self.pid_file}", f"--log-error={self.log_file}",
                "--skip-networking", f"--innodb-buffer-pool-size={self.buffer_pool}",
                "--innodb-log-file-size=8M", "--max-connections=200",
                "--skip-name-resolve"] + (["--user=root"] if os.geteuid() == 0 else [])

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        install = _binary("mariadb-install-db", "mysql_install_db")
        subprocess.run([install, "--no-defaults", f"--datadir={self.datadir}",
                        "--auth-root-authentication-method=socket", "--skip-test-db"]
                       + (["--user=root"] if os.geteuid() == 0 else []),
                       check=True, capture_output=True, timeout=120)
        server = _binary("mariadbd", "mysqld")
        self._proc = procs.ManagedProcess(self.wrapper + [server] + self._server_args(),
                                          self.dir, name="mariadbd")
        self._proc.spawn()
        procs.wait_until(self._answers, self.start_timeout, interval=0.1,
                         what=f"MariaDB on {self.socket}")
        return self

    def _answers(self):
        if not self._proc.is_running():
            raise RuntimeError("mariadbd exited at start-up:\n" + self.error_log())
        return self.try_query("SELECT 1") == "1"

    def server_pid(self):
        """The pid of mariadbd now (a wrapper execs into it)."""
        return self._proc.pid

    def is_running(self):
        return self._proc is not None and self._proc.is_running()

    def try_query(self, sql, timeout=10):
        """The first column of the first row, or None when the server does not answer."""
        client = _binary("mariadb", "mysql")
        try:
            done = subprocess.run([client, "--no-defaults", f"--socket={self.socket}", "-uroot",
                                   "-N", "-B", "-e", sql], capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if done.returncode != 0:
            return None
        return done.stdout.split("\n", 1)[0].split("\t", 1)[0]

    def query(self, sql):
        value = self.try_query(sql)
        if value is None:
            raise RuntimeError(f"MariaDB did not answer {sql!r}:\n" + self.error_log())
        return value

    def error_log(self):
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self._proc is not None:
            self._proc.terminate(signals=(signal.SIGTERM,))
            self._proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
