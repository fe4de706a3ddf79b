"""A small FastCGI client (responder role) for tests: stdlib only, bounded in time.

Everything a test may need to poke a FastCGI server: well-formed requests (one per
connection or several on a kept-alive one), raw bytes for malformed-record tests,
FCGI_GET_VALUES, and record-by-record reading for streaming checks. Every socket has a
timeout, so a server that stops answering makes the test fail instead of hang.
"""

import fcntl
import socket
import struct
import termios
import time
from dataclasses import dataclass, field

VERSION = 1

BEGIN_REQUEST = 1
ABORT_REQUEST = 2
END_REQUEST = 3
PARAMS = 4
STDIN = 5
STDOUT = 6
STDERR = 7
DATA = 8
GET_VALUES = 9
GET_VALUES_RESULT = 10
UNKNOWN_TYPE = 11

RESPONDER = 1
AUTHORIZER = 2
FILTER = 3

KEEP_CONN = 1

REQUEST_COMPLETE = 0
CANT_MPX_CONN = 1
OVERLOADED = 2
UNKNOWN_ROLE = 3

MAX_CONTENT = 65535
DEFAULT_TIMEOUT = 10.0
HEADER = struct.Struct(">BBHHBx")


class FcgiError(Exception):
    """The server broke the protocol or closed the connection early."""


@dataclass
class Record:
    type: int
    request_id: int
    content: bytes
    version: int = VERSION


def encode_record(rtype, request_id, content=b"", padding=None):
    """One record. Padding aligns to 8 bytes, as most servers do, unless given."""
    if len(content) > MAX_CONTENT:
        raise ValueError("record content over 65535 bytes")
    if padding is None:
        padding = -len(content) % 8
    return HEADER.pack(VERSION, rtype, request_id, len(content), padding) + content + b"\0" * padding


def encode_stream(rtype, request_id, data, chunk=MAX_CONTENT):
    """A stream (PARAMS, STDIN, DATA): data split into records, then the empty record."""
    out = bytearray()
    for i in range(0, len(data), chunk):
        out += encode_record(rtype, request_id, data[i : i + chunk])
    out += encode_record(rtype, request_id, b"")
    return bytes(out)


def encode_length(n):
    if n < 128:
        return bytes([n])
    if n > 0x7FFFFFFF:
        raise ValueError("name-value length over 2^31-1")
    return struct.pack(">I", n | 0x80000000)


def encode_pairs(pairs):
    """Name-value pairs with 1-byte lengths below 128 and 4-byte lengths from 128 on."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    out = bytearray()
    for name, value in items:
        name = _to_bytes(name)
        value = _to_bytes(value)
        out += encode_length(len(name)) + encode_length(len(value)) + name + value
    return bytes(out)


def decode_pairs(data):
    pairs = []
    pos = 0

    def length():
        nonlocal pos
        if data[pos] < 128:
            pos += 1
            return data[pos - 1]
        n = struct.unpack_from(">I", data, pos)[0] & 0x7FFFFFFF
        pos += 4
        return n

    while pos < len(data):
        nlen = length()
        vlen = length()
        name = data[pos : pos + nlen]
        pos += nlen
        value = data[pos : pos + vlen]
        pos += vlen
        pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def begin_request_body(role=RESPONDER, keep_conn=False):
    return struct.pack(">HB5x", role, KEEP_CONN if keep_conn else 0)


def _to_bytes(v):
    if isinstance(v, bytes):
        return v
    return str(v).encode("utf-8")


@dataclass
class Response:
    """What came back for one request. stdout/stderr are the streams joined, so record
    boundaries (which legitimately differ between servers) do not matter."""

    stdout: bytes = b""
    stderr: bytes = b""
    app_status: int | None = None
    protocol_status: int | None = None
    records: list = field(default_factory=list)

    @property
    def complete(self):
        return self.protocol_status is not None

    def _split(self):
        raw = self.stdout
        for sep in (b"\r\n\r\n", b"\n\n"):
            idx = raw.find(sep)
            if idx >= 0:
                return raw[:idx], raw[idx + len(sep) :]
        return raw, b""

    @property
    def headers(self):
        """(name, value) pairs in the order sent, Status included."""
        head, _ = self._split()
        out = []
        for line in head.replace(b"\r\n", b"\n").split(b"\n"):
            if not line:
                continue
            name, _, value = line.partition(b":")
            out.append((name.decode("latin-1").strip(), value.decode("latin-1").strip()))
        return out

    @property
    def body(self):
        return self._split()[1]

    @property
    def status(self):
        """From the Status header (e.g. "Status: 404 Not Found"), 200 when absent."""
        for name, value in self.headers:
            if name.lower() == "status":
                return int(value.split()[0])
        return 200

    def header(self, name, default=None):
        """The last value of a header, case-insensitively."""
        found = default
        for n, v in self.headers:
            if n.lower() == name.lower():
                found = v
        return found

    def header_values(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def connect(address, timeout=DEFAULT_TIMEOUT):
    """A connected socket; address is a unix path (str) or a (host, port) tuple."""
    if isinstance(address, (tuple, list)):
        sock = socket.create_connection(tuple(address), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(address))
    except BaseException:
        sock.close()
        raise
    return sock


class FcgiConnection:
    """One FastCGI connection. Use as a context manager; several requests may be sent
    in turn when each asks keep_conn=True."""

    def __init__(self, address, timeout=DEFAULT_TIMEOUT):
        self.address = address
        self.timeout = timeout
        self.sock = connect(address, timeout)
        self._buf = bytearray()
        self._next_id = 1

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- sending -------------------------------------------------------------------------

    def send_raw(self, data):
        self.sock.sendall(data)

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def unread_by_server(self):
        """Whether bytes sent on this unix-socket connection still wait for the server to
        read them: a unix stream's sent data stays charged to the sender (SIOCOUTQ) until
        the receiving process has read it. For TCP, SIOCOUTQ only counts unacknowledged
        bytes, which says nothing about the server, so it is refused."""
        if self.sock.family != socket.AF_UNIX:
            raise ValueError("unread_by_server() needs a unix-socket connection")
        queued = fcntl.ioctl(self.sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
        return struct.unpack("i", queued)[0] != 0

    def send_request(self, params, stdin=b"", keep_conn=False, request_id=None,
                     role=RESPONDER, stdin_chunk=MAX_CONTENT, params_chunk=MAX_CONTENT,
                     pair_per_record=False, close_stdin=True):
        """Send BEGIN_REQUEST, PARAMS and STDIN; returns the request id used.

        params_chunk cuts the encoded params at that many bytes per record, even inside
        a pair (PHP-FPM rejects that); pair_per_record sends one record per pair."""
        if request_id is None:
            request_id = self._next_id
            self._next_id = self._next_id % 65535 + 1
        data = encode_record(BEGIN_REQUEST, request_id, begin_request_body(role, keep_conn))
        if pair_per_record:
            items = params.items() if isinstance(params, dict) else params
            for pair in items:
                data += encode_record(PARAMS, request_id, encode_pairs([pair]))
            data += encode_record(PARAMS, request_id, b"")
        else:
            data += encode_stream(PARAMS, request_id, encode_pairs(params), params_chunk)
        stdin = _to_bytes(stdin)
        if len(stdin) <= stdin_chunk:
            # A small request goes in one write, as nginx sends a GET or a short POST: the
            # server sees its end of stdin with the params.
            if stdin:
                data += encode_record(STDIN, request_id, stdin)
            if close_stdin:
                data += encode_record(STDIN, request_id, b"")
            self.send_raw(data)
            return request_id
        self.send_raw(data)
        self.send_stdin(request_id, stdin, stdin_chunk, close_stdin)
        return request_id

    def send_stdin(self, request_id, data, chunk=MAX_CONTENT, close=True):
        # Sent piece by piece so a large body does not sit in one huge buffer and a
        # server that answers early (e.g. 413) is noticed by the reader.
        for i in range(0, len(data), chunk):
            self.send_raw(encode_record(STDIN, request_id, data[i : i + chunk]))
        if close:
            self.send_raw(encode_record(STDIN, request_id, b""))

    def abort(self, request_id):
        self.send_raw(encode_record(ABORT_REQUEST, request_id))

    # --- receiving -----------------------------------------------------------------------

    def _fill(self, n, deadline):
        while len(self._buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no complete FastCGI record within {self.timeout}s")
            self.sock.settimeout(min(remaining, self.timeout))
            try:
                chunk = self.sock.recv(max(65536, n - len(self._buf)))
            except ConnectionResetError:
                # A server killed with unread input (say, a GET's empty STDIN record it
                # never needed) closes with a reset after the bytes it did send: the
                # same end of the stream as a close, the caller sees what arrived.
                return False
            if not chunk:
                return False
            self._buf += chunk
        return True

    def read_record(self, timeout=None):
        """The next record, or None when the server closed the connection cleanly
        between records. A close inside a record raises FcgiError."""
        deadline = time.monotonic() + (timeout or self.timeout)
        if not self._fill(HEADER.size, deadline):
            if self._buf:
                raise FcgiError(f"connection closed inside a record header ({len(self._buf)} bytes)")
            return None
        version, rtype, rid, clen, plen = HEADER.unpack_from(self._buf)
        total = HEADER.size + clen + plen
        if not self._fill(total, deadline):
            raise FcgiError("connection closed inside a record body")
        content = bytes(self._buf[HEADER.size : HEADER.size + clen])
        del self._buf[:total]
        return Record(rtype, rid, content, version)

    def read_response(self, request_id=None, timeout=None):
        """Read records until END_REQUEST (for request_id, if given) or connection close.
        The whole read is bounded by timeout (default: the connection's)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        resp = Response()
        out, err = bytearray(), bytearray()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("response not complete in time")
            rec = self.read_record(timeout=remaining)
            if rec is None:
                break
            if request_id is not None and rec.request_id != request_id and rec.type != UNKNOWN_TYPE:
                raise FcgiError(f"record for request {rec.request_id}, expected {request_id}")
            resp.records.append(rec)
            if rec.type == STDOUT:
                out += rec.content
            elif rec.type == STDERR:
                err += rec.content
            elif rec.type == END_REQUEST:
                resp.app_status, resp.protocol_status = struct.unpack(">IB3x", rec.content[:8])
                break
        resp.stdout, resp.stderr = bytes(out), bytes(err)
        return resp

    def request(self, params, stdin=b"", keep_conn=False, timeout=None, **kw):
        rid = self.send_request(params, stdin, keep_conn=keep_conn, **kw)
        return self.read_response(rid, timeout=timeout)

    def get_values(self, names=("FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS")):
        """FCGI_GET_VALUES; returns the answered pairs as a dict."""
        self.send_raw(encode_record(GET_VALUES, 0, encode_pairs((n, "") for n in names)))
        rec = self.read_record()
        if rec is None:
            raise FcgiError("connection closed without GET_VALUES_RESULT")
        if rec.type != GET_VALUES_RESULT:
            raise FcgiError(f"expected GET_VALUES_RESULT, got record type {rec.type}")
        return dict(decode_pairs(rec.content))


def request(address, params, stdin=b"", timeout=DEFAULT_TIMEOUT, **kw):
    """One request on a fresh connection (keep_conn off), the usual case."""
    with FcgiConnection(address, timeout) as conn:
        return conn.request(params, stdin, timeout=timeout, **kw)
