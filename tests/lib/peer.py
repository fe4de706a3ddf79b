"""Peer comparison: the same request to php-fpm8.2 (reference) and fpmd (candidate).

A response is reduced to an outcome (status, headers, body, stderr, FastCGI statuses)
in which only what legitimately differs between two servers is normalised: pids, the
servers' own temp dirs, PHP's random upload names and session ids. Everything else,
header order and case included, must be byte-identical.
"""

import difflib
import hashlib
import re
from dataclasses import dataclass, field

from . import cgi, fcgi_client, procs

BIG = 64 * 1024

FIXED_PATTERNS = [
    (re.compile(rb"/tmp/php[A-Za-z0-9]{6}"), b"/tmp/phpXXXXXX"),
    (re.compile(rb"PHPSESSID=[A-Za-z0-9,-]+"), b"PHPSESSID=@SID@"),
]


def _server_patterns(server):
    pats = [(re.compile(re.escape(str(server.dir).encode())), b"@SERVERDIR@")]
    pids = sorted({p for p in server.known_pids() if p}, reverse=True)
    if pids:
        alt = b"|".join(str(p).encode() for p in pids)
        pats.append((re.compile(rb"(?<![0-9])(?:" + alt + rb")(?![0-9])"), b"@PID@"))
    return pats


def scrub(data, server):
    """Apply the normalisations to bytes."""
    for rx, repl in FIXED_PATTERNS + _server_patterns(server):
        data = rx.sub(repl, data)
    return data


def _summarise(data):
    if len(data) <= BIG:
        return data
    return f"<{len(data)} bytes, md5 {hashlib.md5(data).hexdigest()}>".encode()


def outcome(resp, server, **extra):
    """The comparable form of a fcgi_client.Response from server (an FpmProcess)."""
    if resp is None:
        return {"response": None, **extra}
    headers = [(n, scrub(v.encode("latin-1"), server).decode("latin-1"))
               for n, v in resp.headers]
    return {
        "status": resp.status,
        "headers": headers,
        "body": _summarise(scrub(resp.body, server)),
        "stderr": scrub(resp.stderr, server),
        "app_status": resp.app_status,
        "protocol_status": resp.protocol_status,
        **{k: scrub(v, server) if isinstance(v, bytes) else v for k, v in extra.items()},
    }


def _lines(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").splitlines()
    if isinstance(value, list):
        return [repr(v) for v in value]
    return [repr(value)]


def diff(ref, cand, ref_name="php-fpm", cand_name="candidate"):
    """'' when the outcomes are equal, else a readable per-field diff."""
    if ref == cand:
        return ""
    if bool(ref.get("dropped")) != bool(cand.get("dropped")):
        def say(name, o):
            if o.get("dropped"):
                return f"{name} dropped the connection ({o.get('error', 'no END_REQUEST')})"
            return f"{name} answered {o.get('status')} {o.get('body', b'')[:200]!r}"
        return say(ref_name, ref) + "; " + say(cand_name, cand)
    out = []
    for key in sorted(set(ref) | set(cand), key=lambda k: list(ref).index(k) if k in ref else 99):
        a, b = ref.get(key), cand.get(key)
        if a == b:
            continue
        out.append(f"--- {key} differs")
        lines = difflib.unified_diff(_lines(a), _lines(b), ref_name, cand_name, lineterm="", n=2)
        out.extend(list(lines)[:80])
    return "\n".join(out)


def assert_same(ref, cand, ref_name="php-fpm", cand_name="candidate"):
    text = diff(ref, cand, ref_name, cand_name)
    assert not text, f"{cand_name} differs from {ref_name}:\n{text}"


@dataclass
class Case:
    """One request of the peer suite, and what the reference must answer to it."""

    id: str
    uri: str
    method: str = "GET"
    headers: list = field(default_factory=list)
    body: bytes | None = None
    content_type: str | None = None
    split: bool = False             # nginx's fastcgi_split_path_info + PATH_INFO
    script_filename: str | None = None  # "{root}" is the docroot
    extra: list = field(default_factory=list)  # params appended (PHP_VALUE, ...)
    drop: tuple = ()                # params left out
    status: int = 200               # what the reference must answer ...
    expect: bytes = b""             # ... and contain in its body
    expect_stderr: bytes = b""      # ... and in its FastCGI stderr
    stdin_chunk: int = 65535
    params_chunk: int = 65535
    pair_per_record: bool = False
    dropped: bool = False           # the reference must drop the connection unanswered
    marker: bool = False            # the script writes {tmp}/marker after finishing
    stream: bool = False            # the script waits for {tmp}/go after its first line


def build_params(case, docroot, tmp):
    uri = case.uri.replace("{tmp}", str(tmp))
    sf = case.script_filename.replace("{root}", str(docroot)) if case.script_filename else None
    params = cgi.cgi_params(uri, docroot, method=case.method, headers=case.headers,
                            body=case.body, content_type=case.content_type,
                            split_path_info=case.split, script_filename=sf, extra=case.extra)
    return [(k, v) for k, v in params if k not in case.drop]


def run_case(server, case, docroot, tmp):
    """Send case to server; returns its outcome (see lib/peer.py)."""
    params = build_params(case, docroot, tmp)
    marker, go = tmp / "marker", tmp / "go"
    # Each request starts without session files, so a fixed session id is new each time.
    for f in [marker, go] + list((tmp / "sessions").glob("sess_*")):
        if f.exists():
            f.unlink()
    extra = {}
    with server.connection(timeout=15) as conn:
        try:
            rid = conn.send_request(params, case.body or b"", stdin_chunk=case.stdin_chunk,
                                    params_chunk=case.params_chunk,
                                    pair_per_record=case.pair_per_record)
            if case.stream:
                extra["streamed_before_end"] = _await_stdout(conn, b"A\n")
                go.write_bytes(b"go")
            resp = conn.read_response(rid, timeout=15)
        except (ConnectionResetError, BrokenPipeError, fcgi_client.FcgiError) as e:
            # Reset or closed is a matter of timing (unread bytes make the kernel send
            # RST), so both count as the same outcome.
            return {"dropped": True, "error": type(e).__name__ if case.dropped else str(e)}
        if not resp.complete:
            return {"dropped": True, "partial_stdout": resp.stdout, "records": len(resp.records)}
        if case.stream:
            resp.stdout = extra.pop("streamed_before_end")[1] + resp.stdout
            extra["streamed"] = True
    if case.marker:
        # The script writes the marker elsewhere and renames it: once there, it is whole.
        procs.wait_until(marker.exists, 10, what="marker written after fastcgi_finish_request")
        extra["marker"] = marker.read_bytes()
    return outcome(resp, server, **extra)


def _await_stdout(conn, needle):
    """Read records until stdout holds needle; returns (True, stdout so far)."""
    out = bytearray()
    while needle not in out:
        rec = conn.read_record(timeout=10)
        if rec is None or rec.type == fcgi_client.END_REQUEST:
            raise AssertionError(f"response ended before {needle!r} was streamed: {bytes(out)!r}")
        if rec.type == fcgi_client.STDOUT:
            out += rec.content
    return True, bytes(out)


def check_reference(case, ref):
    if case.dropped:
        assert ref.get("dropped"), f"reference answered: {ref}"
        ref.pop("error", None)  # which error exactly depends on timing
        return
    assert not ref.get("dropped"), f"reference dropped the connection: {ref}"
    assert ref["status"] == case.status, f"reference status {ref['status']}: {ref}"
    body = ref["body"]
    assert case.expect in body, f"reference body lacks {case.expect!r}: {body[:2000]!r}"
    assert case.expect_stderr in ref["stderr"], f"reference stderr: {ref['stderr'][:2000]!r}"


def compare_case(ref_server, cand_server, case, docroot, tmp):
    """Run case on the reference, check it did what the case is about, run it on the
    candidate and assert the outcomes are the same."""
    ref = run_case(ref_server, case, docroot, tmp)
    check_reference(case, ref)
    cand = run_case(cand_server, case, docroot, tmp)
    if case.dropped:
        cand.pop("error", None)
    assert_same(ref, cand)
