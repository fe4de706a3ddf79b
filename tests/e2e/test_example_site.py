"""`make run`'s script: examples/php-fpm.conf behind examples/nginx.conf serving
examples/www, then a clean stop on SIGINT (what Ctrl-C sends)."""

import os
import signal
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pytest

from lib import procs

REPO = Path(__file__).resolve().parents[2]


def fetch(port, path, data=None, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                 headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read().decode()


@pytest.mark.skipif(os.geteuid() != 0, reason="the example runs its pool as www-data")
def test_example_site_serves_and_stops(fpmd_bin):
    port = procs.free_tcp_port()
    rundir = tempfile.mkdtemp(prefix="fpmd-example-", dir="/tmp")
    env = dict(os.environ, FPMD_EXAMPLE_DIR=rundir, FPMD_EXAMPLE_PORT=str(port))
    script = subprocess.Popen([str(REPO / "scripts/run-example.sh"), fpmd_bin], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        procs.wait_until(lambda: os.path.exists(f"{rundir}/nginx.pid"), 20, what="nginx up")
        master = int(Path(f"{rundir}/fpmd.pid").read_text())

        def page_ok():
            try:
                return fetch(port, "/")[0] == 200
            except OSError:
                return False
        procs.wait_until(page_ok, 20, what="the example page")
        status, body = fetch(port, "/")
        assert "fpmd example site" in body and "fpm-fcgi" in body
        status, body = fetch(port, "/path.php/some/extra/path?x=1")
        assert "PATH_INFO        /some/extra/path" in body
        boundary = "XyZ"
        form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAda\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; "
                f"filename=\"a.txt\"\r\n\r\nhello upload\r\n--{boundary}--\r\n").encode()
        status, body = fetch(port, "/form.php", form,
                             {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert "Hello, Ada." in body and "Received a.txt: 12 bytes" in body
        assert "phpinfo()" in fetch(port, "/info.php")[1]

        script.send_signal(signal.SIGINT)
        script.wait(20)
        procs.wait_until(lambda: not procs.is_alive(master), 20, what="fpmd stopped")
        assert not os.path.exists(f"{rundir}/fpmd.sock")
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", rundir])
