"""Process helpers: free ports, /proc lookups, output collection, bounded waits.

Processes are only ever signalled by pid, and a pid is only signalled while it still
belongs to the process we started (checked through its start time in /proc), so a
recycled pid is never hit.
"""

import os
import re
import select
import signal
import socket
import subprocess
import threading
import time


def free_tcp_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _stat_fields(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("latin-1")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm may hold spaces and parentheses: split after the last ')'.
    rest = data[data.rindex(")") + 2 :].split()
    return rest  # rest[0] = state, rest[1] = ppid, rest[19] = starttime


def proc_state(pid):
    f = _stat_fields(pid)
    return None if f is None else f[0]


def proc_start_time(pid):
    f = _stat_fields(pid)
    return None if f is None else int(f[19])


def is_alive(pid, start_time=None):
    """True when pid exists, is not a zombie and (if given) started at start_time."""
    f = _stat_fields(pid)
    if f is None or f[0] in ("Z", "X"):
        return False
    return start_time is None or int(f[19]) == start_time


def fd_targets(pid):
    """What each open fd of pid points at ("socket:[123]", "pipe:[45]", a path), or None
    when the process is gone."""
    base = f"/proc/{pid}/fd"
    try:
        names = os.listdir(base)
    except OSError:
        return None
    targets = []
    for name in names:
        try:
            targets.append(os.readlink(f"{base}/{name}"))
        except OSError:
            pass  # closed meanwhile
    return targets


def pending_signals(pid):
    """The signals pending for pid (its own and its thread group's, blocked ones waiting
    in a signalfd included), as a set of numbers; None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    mask = 0
    for line in lines:
        if line.startswith(("SigPnd:", "ShdPnd:")):
            mask |= int(line.split()[1], 16)
    return {n + 1 for n in range(64) if mask >> n & 1}


def wchan(pid):
    """The kernel function pid sleeps in ("do_epoll_wait", ...), "0" when it runs, None
    when it is gone or /proc hides it (reading it needs ptrace access to pid)."""
    try:
        with open(f"/proc/{pid}/wchan") as f:
            return f.read().strip()
    except OSError:
        return None


def is_zombie(pid):
    f = _stat_fields(pid)
    return f is not None and f[0] == "Z"


def children_of(ppid):
    """Pids whose parent is ppid (zombies included), from /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        f = _stat_fields(int(entry))
        if f is not None and int(f[1]) == ppid:
            out.append(int(entry))
    return sorted(out)


def descendants_of(pid):
    out = []
    todo = [pid]
    while todo:
        for child in children_of(todo.pop()):
            out.append(child)
            todo.append(child)
    return sorted(out)


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("latin-1").strip()
    except OSError:
        return ""


def kill_if_same(pid, start_time, sig=signal.SIGKILL):
    """Signal pid only if it is still the process that started at start_time."""
    if is_alive(pid, start_time):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def wait_until(predicate, timeout, interval=0.02, what="condition"):
    """Poll predicate until it returns a truthy value (returned) or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not met within {timeout}s")
        time.sleep(interval)


class OutputCollector:
    """Reads a pipe in a thread; the text so far is available at any time and
    wait_for(regex) blocks (bounded) until it appears.

    The pipe is read under the collector's lock, and `text` and wait_for() first read
    what it holds themselves: whatever the writer wrote before the call is in the text,
    never still on its way through the thread."""

    def __init__(self, pipe):
        self._pipe = pipe
        self._fd = pipe.fileno()
        os.set_blocking(self._fd, False)
        self._chunks = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _drain_locked(self):
        """Read what the pipe holds now (the lock held); False once it is at its end."""
        if self._closed:
            return False
        try:
            while True:
                data = os.read(self._fd, 65536)
                if not data:
                    self._closed = True
                    break
                self._chunks.append(data)
                self._cond.notify_all()
        except BlockingIOError:
            return True
        except (OSError, ValueError):
            self._closed = True
        self._cond.notify_all()
        return False

    def _run(self):
        try:
            poller = select.poll()
            poller.register(self._fd, select.POLLIN)
            while True:
                poller.poll(500)  # readable, at its end, or a periodic look
                with self._cond:
                    if not self._drain_locked():
                        break
        except (OSError, ValueError):
            pass
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    @property
    def text(self):
        with self._cond:
            self._drain_locked()
            return b"".join(self._chunks).decode("utf-8", "replace")

    def wait_for(self, pattern, timeout, start=0):
        """The first match of pattern in the text from offset start on."""
        rx = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._drain_locked()
                text = b"".join(self._chunks).decode("utf-8", "replace")
                m = rx.search(text, start)
                if m:
                    return m
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    raise TimeoutError(
                        f"{pattern!r} not seen within {timeout}s"
                        f"{' (stream closed)' if self._closed else ''}; output:\n{text[-4000:]}"
                    )
                self._cond.wait(min(remaining, 0.2))

    def join(self, timeout):
        self._thread.join(timeout)


class ManagedProcess:
    """A server process started in its own session, with stdout/stderr collected.

    stop() escalates through the given signals and SIGKILL within stop_timeout, then
    kills (by pid, start time checked) every descendant it ever saw that is still alive.
    """

    def __init__(self, argv, cwd, env=None, stop_timeout=10.0, name=None):
        self.argv = [str(a) for a in argv]
        self.cwd = cwd
        self.env = dict(os.environ if env is None else env)
        self.stop_timeout = stop_timeout
        self.name = name or os.path.basename(self.argv[0])
        self.proc = None
        self.pid = None
        self._stderr = None
        self._stdout = None
        self._known = {}

    def spawn(self):
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.pid = self.proc.pid
        self._stderr = OutputCollector(self.proc.stderr)
        self._stdout = OutputCollector(self.proc.stdout)

    @property
    def stderr_text(self):
        return self._stderr.text if self._stderr else ""

    @property
    def stdout_text(self):
        return self._stdout.text if self._stdout else ""

    def wait_for_stderr(self, pattern, timeout, start=0):
        return self._stderr.wait_for(pattern, timeout, start)

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def check_running(self, what="start-up"):
        if not self.is_running():
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode} during "
                               f"{what}; stderr:\n{self.stderr_text[-4000:]}")

    def remember_descendants(self):
        if self.pid is None:
            return
        for pid in descendants_of(self.pid):
            if pid not in self._known:
                self._known[pid] = proc_start_time(pid)

    def known_pids(self):
        """Every descendant pid seen so far."""
        return sorted(self._known)

    def children(self):
        """Current child pids (zombies excluded)."""
        self.remember_descendants()
        return [p for p in children_of(self.pid) if is_alive(p)]

    def terminate(self, signals=(signal.SIGQUIT, signal.SIGTERM)):
        """Stop the process; returns a list of problems (empty when all went well)."""
        if self.proc is None:
            return []
        problems = []
        if self.proc.poll() is None:
            self.remember_descendants()
            share = self.stop_timeout / len(signals)
            for sig in signals:
                try:
                    self.proc.send_signal(sig)
                    self.proc.wait(share)
                    break
                except subprocess.TimeoutExpired:
                    continue
            else:
                problems.append(f"{self.name} {self.pid} ignored "
                                f"{[signal.Signals(s).name for s in signals]}; SIGKILL")
                self.proc.kill()
                self.proc.wait(5)
        left = self._kill_leftovers()
        if left:
            problems.append(f"processes left behind after {self.name} exited: {left}")
        for collector in (self._stderr, self._stdout):
            collector.join(2)
        return problems

    def _kill_leftovers(self):
        deadline = time.monotonic() + 2.0
        alive = {}
        while time.monotonic() < deadline:
            alive = {p: t for p, t in self._known.items() if is_alive(p, t)}
            if not alive:
                return []
            time.sleep(0.02)
        left = []
        for pid, start in alive.items():
            left.append(f"{pid} ({cmdline(pid)})")
            kill_if_same(pid, start)
        try:
            wait_until(lambda: not any(is_alive(p, t) for p, t in alive.items()), 5,
                       what="SIGKILLed leftovers gone")
        except TimeoutError:
            left.append("(some survived SIGKILL for 5s)")
        return left
