"""A docroot whose page answers with the worker's pid, and one kept-alive request to it:
what the keep-alive tests use to see which worker served which connection."""

import os

from lib import cgi


def make_docroot(path):
    (path / "pid.php").write_text("<?php echo getmypid();")
    os.chmod(path, 0o755)
    return path


def ask(conn, docroot):
    """One request on a kept-alive connection; the pid of the worker that answered."""
    resp = conn.request(cgi.cgi_params("/pid.php", docroot), keep_conn=True, timeout=10)
    assert resp.complete and resp.status == 200, resp.stdout
    return int(resp.body)
