"""catch_workers_output: the same scripts under php-fpm8.2 and fpmd, the same error-log lines.

Each configuration runs both servers with one static worker and error_log a file (no -O,
as under systemd), and each case is one request. After it, a sentinel request writes a
line of its own: once that line is in the log, everything the case wrote is in it too
(one worker, and each request ends its pending line). The case's worker lines, with
timestamps and pids masked, must be the same in both logs; some cases also pin what
php-fpm writes, so that the reading of its behaviour is kept here as well.

Line lengths depend on the child's pid (it is in the prefix), so every length near a wrap
is computed by the script from its own pid: the wrap points are then the same whatever
pids the two servers' workers get.
"""

import os
import re

import pytest

from lib import cgi, procs, servers

PRELUDE = r"""<?php
// STDERR/STDOUT constants exist only in the CLI.
$E = fopen('php://stderr', 'w');
$O = fopen('php://stdout', 'w');
function e($s) { global $E; fwrite($E, $s); }
function o($s) { global $O; fwrite($O, $s); }
function pause() { usleep(200000); }
// S, n - 2 times $c, E: a run whose ends show in the log.
function run($n, $c) { return 'S' . str_repeat($c, $n - 2) . 'E'; }
// Bytes before the text of a decorated line of this child:
// "[dd-Mon-YYYY HH:MM:SS] WARNING: [pool www] child N said into stderr: \""
function prefix_len() {
    if (($_GET['dec'] ?? '1') !== '1' || ($_GET['bare'] ?? '0') === '1') return 0;
    return 23 + 9 + strlen('[pool www] child ' . getmypid() . ' said into stderr: ') + 1;
}
// The text length that makes prefix + text + closing quote exactly log_limit.
function boundary() {
    $quote = ($_GET['dec'] ?? '1') === '1' ? 1 : 0;
    return (int)$_GET['limit'] - prefix_len() - $quote;
}
// Text bytes a wrapped line holds.
function per_line() { return boundary() - 1; }
"""

# name -> PHP body (after PRELUDE)
SCRIPTS = {
    "sentinel": r'e("--sentinel " . $_GET["id"] . "--\n");',
    "two_lines": r'e("first line\nsecond line\n");',
    "stdout_lines": r'o("out one\nout two\n"); pause(); '
                    r'file_put_contents("php://stdout", "fpc line\n");',
    "mixed_paced": r'e("err 1\n"); pause(); o("out 1\n"); pause(); '
                   r'e("err 2\n"); pause(); o("out 2\n");',
    "split_line": r'e("abc"); pause(); e("def\n");',
    "split_interrupted": r'e("abc"); pause(); o("XYZ\n"); pause(); e("def\n");',
    "no_newline_stderr": r'e("tail without newline");',
    "no_newline_stdout": r'o("stdout tail without newline");',
    "empty_lines": r'e("a\n\n\nb\n");',
    "crlf_tab_nul": r'e("cr\r\n"); e("tab\there\n"); e("nul\0byte\n");',
    "marker_lookalike": r'e("before\0fscf\0after\n");',
    "error_log": r'error_log("hello from error_log");',
    "shutdown_partial": r'register_shutdown_function(function () { e("from shutdown"); });',
    "long_stderr": r'e(run(3 * per_line() + 17, "a") . "\n");',
    "long_stdout": r'o(run(2 * per_line() + 5, "b") . "\n");',
    "long_no_newline": r'e(run(2 * per_line() + 9, "c"));',
    "boundary_minus1": r'e(run(boundary() - 1, "m") . "\n");',
    "boundary_exact": r'e(run(boundary(), "x") . "\n");',
    "boundary_plus1": r'e(run(boundary() + 1, "y") . "\n");',
    "fits_4096": r'e(run(4096, "f") . "\n");',
    "exit_partial_stderr": r'e("partial before exit"); exit();',
    "exit_partial_stdout": r'o("stdout partial before exit"); exit();',
    "exit_line": r'e("full line before exit\n"); exit();',
    "shutdown_partial_exit": r'register_shutdown_function(function () { e("from shutdown"); });',
    "shutdown_line_exit": r'register_shutdown_function(function () { e("shutdown line\n"); });',
}

BASIC = ["two_lines", "stdout_lines", "mixed_paced", "split_line", "split_interrupted",
         "no_newline_stderr", "no_newline_stdout", "empty_lines", "crlf_tab_nul",
         "marker_lookalike", "error_log", "shutdown_partial",
         "two_lines"]  # again: nothing of shutdown_partial is glued to the next request
LONG = ["long_stderr", "long_stdout", "long_no_newline", "boundary_minus1", "boundary_exact",
        "boundary_plus1"]
# log_buffering = no: php-fpm glues a line that fills log_limit exactly to the next one
# (pinned apart below), so only lengths that cannot meet that case.
UNBUFFERED_LONG = ["boundary_minus1", "boundary_plus1"]
EXITS = ["exit_partial_stderr", "exit_partial_stdout", "exit_line", "shutdown_partial_exit",
         "shutdown_line_exit"]


def config(buffering="yes", decorate="yes", limit=1024, level="notice", **pool):
    glob = {"log_buffering": buffering, "log_limit": str(limit), "log_level": level}
    return glob, {"decorate_workers_output": decorate, **pool}


CONFIGS = {
    "buffered": (config(), BASIC + LONG),
    "buffered-1500": (config(limit=1500), LONG),
    "buffered-1000": (config(limit=1000), LONG),
    "buffered-8000": (config(limit=8000), LONG + ["fits_4096"]),
    "undecorated": (config(decorate="no"), BASIC + LONG),
    "undecorated-1500": (config(decorate="no", limit=1500), LONG),
    "unbuffered": (config(buffering="no"), BASIC + UNBUFFERED_LONG),
    "unbuffered-undecorated": (config(buffering="no", decorate="no"), BASIC + UNBUFFERED_LONG),
    "exits": (config(**{"pm.max_requests": "1"}), EXITS),
    "exits-undecorated": (config(decorate="no", **{"pm.max_requests": "1"}), EXITS),
    # Above WARNING the text stays without its prefix (and with php-fpm's closing quote).
    "log_level-error": (config(level="error"), ["two_lines", "no_newline_stderr", "error_log",
                                                "long_stderr", "boundary_exact"]),
    # Above NOTICE the worker's PHP messages lose their "NOTICE: " only.
    "log_level-warning": (config(level="warning"), ["two_lines", "error_log"]),
}

W = "[TS] WARNING: [pool www] child CHILD1 said into "
# What php-fpm writes, for the configurations named (decorated, log_limit 1024).
EXPECTED = {
    "buffered": {
        "split_interrupted": [W + 'stderr: "abc"', W + 'stdout: "XYZ"', W + 'stderr: "def"'],
        "no_newline_stderr": [W + 'stderr: "tail without newline"'],
        "no_newline_stdout": [W + 'stdout: "stdout tail without newline"'],
        "empty_lines": [W + 'stderr: "a"', W + 'stderr: "b"'],
        "marker_lookalike": [W + 'stderr: "before"', W + 'stderr: "after"'],
        "error_log": [W + 'stderr: "NOTICE: PHP message: hello from error_log"'],
        "shutdown_partial": [W + 'stderr: "from shutdown"'],
    },
    "undecorated": {
        "split_interrupted": ["abc", "XYZ", "def"],
        "no_newline_stderr": ["tail without newline"],
    },
    "exits": {
        "exit_partial_stderr": [W + 'stderr: "partial before exit"'],
        "shutdown_partial_exit": [W + 'stderr: "from shutdown"'],
    },
    "log_level-error": {
        "two_lines": ['first line"', 'second line"'],
        "error_log": ['PHP message: hello from error_log"'],
    },
    "log_level-warning": {
        "error_log": [W + 'stderr: "PHP message: hello from error_log"'],
    },
}

STAMP = r"\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d\] "
TIMESTAMP = re.compile("^" + STAMP)
ANY_TIMESTAMP = re.compile(STAMP)  # one may be glued inside a line (log_buffering = no)
SAID = re.compile(r"^\[TS\] WARNING: \[pool www\] child \d+ said into ")


def candidate_binary():
    """fpmd (FPMD_BIN), or FPMD_PEER_CANDIDATE=/usr/sbin/php-fpm8.2 to check the test itself."""
    override = os.environ.get("FPMD_PEER_CANDIDATE")
    if override:
        return (override, None) if os.path.isfile(override) else (None, f"no {override}")
    return servers.fpmd_binary()


@pytest.fixture(scope="module")
def docroot(tmp_path_factory):
    root = tmp_path_factory.mktemp("worker-output")
    root.chmod(0o755)
    for name, body in SCRIPTS.items():
        (root / f"{name}.php").write_text(PRELUDE + body + "\n")
    return root


class Run:
    """One server of one configuration: its requests and the worker lines each added."""

    def __init__(self, binary, glob, pool):
        self.quiet = glob["log_level"] in ("warning", "error")
        self.decorated = pool["decorate_workers_output"] == "yes"
        self.bare = glob["log_level"] == "error"
        self.limit = glob["log_limit"]
        settings = {"pm": "static", "pm.max_children": "1", "catch_workers_output": "yes", **pool}
        self.fpm = servers.FpmProcess(binary, pool=settings, global_settings=glob, log_to="file",
                                      force_stderr=False, wait_ready=not self.quiet)
        self.sentinels = 0
        self.longest = 0  # the longest worker line as written, newline excluded

    def __enter__(self):
        self.fpm.start()
        if self.quiet:  # no "ready to handle connections" line to wait for
            procs.wait_until(lambda: self.fpm.children() and os.path.exists(self.fpm.listen), 20,
                             what="the pool's socket and worker")
        return self

    def __exit__(self, *exc):
        self.fpm.stop(check=exc[0] is None)

    def get(self, docroot, name, query=""):
        dec = "1" if self.decorated else "0"
        uri = f"/{name}.php?limit={self.limit}&dec={dec}&bare={int(self.bare)}{query}"
        self.fpm.request(cgi.cgi_params(uri, docroot), timeout=20)

    def case(self, docroot, name):
        """The worker lines the case adds, timestamps and pids masked."""
        start = len(self.fpm.log_file.read_bytes()) if self.fpm.log_file.exists() else 0
        self.get(docroot, name)
        self.sentinels += 1
        marker = f"--sentinel {self.sentinels}--"
        self.get(docroot, "sentinel", f"&id={self.sentinels}")
        path = self.fpm.log_file

        def logged():
            data = path.read_bytes()[start:].decode("latin-1")
            at = data.find(marker)
            return data[:data.rfind("\n", 0, at) + 1] if at >= 0 else None

        return self.worker_lines(procs.wait_until(logged, 20, what=f"{marker} in the log"))

    def worker_lines(self, text):
        out, pids = [], {}
        for line in text.split("\n")[:-1]:
            raw = len(line)
            if self.decorated and not self.bare:
                line = ANY_TIMESTAMP.sub("[TS] ", line)
                if not SAID.match(line):
                    continue  # the master's own lines (child started, exited)
            elif TIMESTAMP.match(line):
                continue  # bare worker text never starts with a timestamp here
            line = re.sub(r"child (\d+)",
                          lambda m: "child CHILD%d" % pids.setdefault(m.group(1), len(pids) + 1),
                          line)
            out.append(line)
            self.longest = max(self.longest, raw)
        return out


def show(lines):
    runs = re.compile(r"S(.)\1{6,}E|(.)\2{19,}")

    def short(m):
        s = m.group(0)
        return ("S{%s*%d}E" % (s[1], len(s) - 2)) if m.group(1) else "{%s*%d}" % (s[0], len(s))

    return "\n".join(f"  {runs.sub(short, l)!r} ({len(l)} bytes)" for l in lines) or "  (none)"


@pytest.mark.parametrize("name", list(CONFIGS))
def test_worker_output_lines_match_php_fpm(php_fpm_bin, docroot, name):
    candidate, why = candidate_binary()
    if candidate is None:
        pytest.skip(why)
    (glob, pool), cases = CONFIGS[name]
    logs, problems = {}, []
    for server, binary in (("php-fpm", php_fpm_bin), ("fpmd", candidate)):
        with Run(binary, glob, pool) as run:
            logs[server] = [(case, run.case(docroot, case)) for case in cases]
        # Wrapped, never past log_limit with the newline (no case here meets php-fpm's
        # unbuffered exact fit).
        if run.longest > int(glob["log_limit"]) - 1:
            problems.append(f"{server} wrote a line of {run.longest} bytes")
    for (case, ref), (_, got) in zip(logs["php-fpm"], logs["fpmd"]):
        expected = EXPECTED.get(name, {}).get(case)
        if expected is not None and ref != expected:
            problems.append(f"{case}: php-fpm wrote\n{show(ref)}\nexpected\n{show(expected)}")
        if got != ref:
            problems.append(f"{case}: php-fpm wrote\n{show(ref)}\nfpmd wrote\n{show(got)}")
    assert not problems, f"[{name}]\n" + "\n".join(problems)


def test_unbuffered_exact_fit_is_not_glued_to_the_next_line(php_fpm_bin, docroot):
    """log_buffering = no, a line that fills log_limit exactly: php-fpm writes its first
    part without the closing quote and newline and glues the next part's prefix onto it
    (one line of 1097 bytes or so); fpmd wraps it as with buffering. Deliberate
    (docs/compatibility.md)."""
    candidate, why = candidate_binary()
    if candidate is None:
        pytest.skip(why)
    glob, pool = config(buffering="no")
    with Run(php_fpm_bin, glob, pool) as run:
        ref = run.case(docroot, "boundary_exact")
    with Run(candidate, glob, pool) as run:
        got = run.case(docroot, "boundary_exact")
    assert len(ref) == 1 and len(ref[0]) > 1024, show(ref)
    assert ref[0].endswith("x" + W + 'stderr: "E"'), show(ref)
    if "php-fpm" in os.path.basename(candidate):
        assert got == ref
        return
    assert len(got) == 2 and all(len(line) <= 1023 for line in got), show(got)
    assert got[0].endswith('x"') and got[1] == W + 'stderr: "E"', show(got)
