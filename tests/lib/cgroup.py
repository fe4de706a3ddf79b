"""A memory cgroup of the test's own, below the one the test runs in: cgroup v1 (this
machine and CI) or v2 with the memory controller (most production hosts). Processes join it
through wrap(argv) (a shell that writes its pid into cgroup.procs, then execs), so fpmd's
master reads its limit from /proc/self/cgroup as it would under systemd or a container.

MemoryCgroup.create() skips the test, with the reason, where neither can be created."""

import itertools
import os
from pathlib import Path

import pytest

from . import procs

_serial = itertools.count()


def _mounts():
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, extra = left.split(), right.split()
        if len(fields) >= 5 and extra:
            yield fields[4], extra[0], extra[-1].split(",")


def _own_path(controller):
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(",") or (controller == "" and names == ""):
            return path
    return None


def _locate():
    """(version, parent dir) where a child memory cgroup can be made, or (None, why)."""
    for mount, fstype, options in _mounts():
        if fstype == "cgroup" and "memory" in options:
            own = _own_path("memory")
            if own is not None:
                return 1, Path(mount + own.rstrip("/"))
    for mount, fstype, _ in _mounts():
        if fstype != "cgroup2":
            continue
        own = _own_path("")
        if own is None:
            continue
        parent = Path(mount + own.rstrip("/"))
        controllers = (parent / "cgroup.controllers")
        if controllers.exists() and "memory" in controllers.read_text().split():
            return 2, parent
        return None, f"cgroup v2 at {mount} does not delegate the memory controller here"
    return None, "no cgroup v1 memory hierarchy and no cgroup v2 mount"


class MemoryCgroup:
    def __init__(self, version, path):
        self.version = version
        self.path = path

    @classmethod
    def create(cls, limit_bytes):
        version, where = _locate()
        if version is None:
            pytest.skip(f"cannot create a memory cgroup: {where}")
        path = where / f"fpmd-test-{os.getpid()}-{next(_serial)}"
        try:
            path.mkdir()
        except OSError as error:
            pytest.skip(f"cannot create a memory cgroup under {where}: {error}")
        group = cls(version, path)
        try:
            if version == 1:
                (path / "memory.limit_in_bytes").write_text(str(limit_bytes))
            else:
                (path / "memory.max").write_text(str(limit_bytes))
        except OSError:
            group.remove()
            raise
        return group

    def wrap(self, argv=()):
        """A command prefix: joins this cgroup, then execs the rest."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"',
                str(self.path / "cgroup.procs")] + list(argv)

    def pids(self):
        text = (self.path / "cgroup.procs").read_text()
        return [int(p) for p in text.split()]

    def usage(self):
        name = "memory.usage_in_bytes" if self.version == 1 else "memory.current"
        return int((self.path / name).read_text())

    def peak(self):
        """The most memory the cgroup has held (v2 kernels before 5.19 lack memory.peak: the
        current use then)."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.path / name).read_text())
        except FileNotFoundError:
            return self.usage()

    def oom_kills(self):
        """How many processes the kernel's OOM killer killed in here."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        for line in (self.path / name).read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def remove(self, timeout=10.0):
        """Removes the cgroup once every process in it is gone (the tests stop theirs by
        pid first); a cgroup the kernel is still freeing refuses rmdir for a moment."""
        def removed():
            try:
                self.path.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                return False
            return True
        procs.wait_until(removed, timeout, what=f"cgroup {self.path} removed")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
