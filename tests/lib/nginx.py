"""A real nginx in front of a FastCGI server, for end-to-end tests.

nginx runs in the foreground from a temp dir with every path (pid, logs, temp dirs) in
that dir, listening on a free 127.0.0.1 port; nothing under /etc or /var is written.
The FastCGI params are Debian's fastcgi_params plus SCRIPT_FILENAME and PATH_INFO,
the same as tests/lib/cgi.py builds for direct FastCGI tests.
"""

import http.client
import os
import shutil
import signal
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import procs

NGINX_BIN = os.environ.get("NGINX_BIN", "/usr/sbin/nginx")

FASTCGI_PARAMS = """
fastcgi_param  QUERY_STRING       $query_string;
fastcgi_param  REQUEST_METHOD     $request_method;
fastcgi_param  CONTENT_TYPE       $content_type;
fastcgi_param  CONTENT_LENGTH     $content_length;
fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;
fastcgi_param  REQUEST_URI        $request_uri;
fastcgi_param  DOCUMENT_URI       $document_uri;
fastcgi_param  DOCUMENT_ROOT      $document_root;
fastcgi_param  SERVER_PROTOCOL    $server_protocol;
fastcgi_param  REQUEST_SCHEME     $scheme;
fastcgi_param  HTTPS              $https if_not_empty;
fastcgi_param  GATEWAY_INTERFACE  CGI/1.1;
fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;
fastcgi_param  REMOTE_ADDR        $remote_addr;
fastcgi_param  REMOTE_PORT        $remote_port;
fastcgi_param  REMOTE_USER        $remote_user;
fastcgi_param  SERVER_ADDR        $server_addr;
fastcgi_param  SERVER_PORT        $server_port;
fastcgi_param  SERVER_NAME        $server_name;
fastcgi_param  REDIRECT_STATUS    200;
fastcgi_param  HTTP_HOST          $host;
fastcgi_param  SCRIPT_FILENAME    $document_root$fastcgi_script_name;
"""


@dataclass
class HttpResponse:
    status: int
    reason: str
    headers: list  # (name, value) in order received
    body: bytes

    def header(self, name, default=None):
        found = default
        for n, v in self.headers:
            if n.lower() == name.lower():
                found = v
        return found

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def fastcgi_upstream(address):
    """nginx's spelling of a FastCGI address: unix path or (host, port)."""
    if isinstance(address, (tuple, list)):
        return f"{address[0]}:{address[1]}"
    return f"unix:{address}"


class NginxProcess:
    """nginx → FastCGI at fcgi_address, serving docroot.

    keep_conn: `fastcgi_keep_conn on` with an upstream keepalive pool.
    split_path_info: `fastcgi_split_path_info ^(.+?\\.php)(/.*)$` and PATH_INFO, as
      Debian's snippets/fastcgi-php.conf; try_files: add its `try_files
      $fastcgi_script_name =404` (then a missing script is nginx's 404, not FPM's).
    location_conf / server_conf / http_conf: extra directives spliced in.
    """

    def __init__(self, fcgi_address, docroot, keep_conn=False, keepalive=8,
                 split_path_info=True, try_files=False, location_conf="",
                 server_conf="", http_conf="", client_max_body_size="64m",
                 start_timeout=15.0, stop_timeout=10.0, wrapper=()):
        self.fcgi_address = fcgi_address
        # A command nginx is exec'd through (e.g. one that joins a memory cgroup).
        self.wrapper = list(wrapper)
        self.docroot = str(docroot)
        self.dir = Path(tempfile.mkdtemp(prefix="ngxt-", dir="/tmp"))
        self.port = procs.free_tcp_port()
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.conf_path = self.dir / "nginx.conf"
        self.access_log = self.dir / "access.log"
        self.conf_text = self._render(keep_conn, keepalive, split_path_info, try_files,
                                      location_conf, server_conf, http_conf,
                                      client_max_body_size)
        self.conf_path.write_text(self.conf_text)
        self._proc = None

    def _render(self, keep_conn, keepalive, split_path_info, try_files, location_conf,
                server_conf, http_conf, client_max_body_size):
        d = self.dir
        user = "user root;" if os.geteuid() == 0 else ""
        keep = f"keepalive {keepalive};" if keep_conn else ""
        split = ""
        if split_path_info:
            split = ("fastcgi_split_path_info ^(.+?\\.php)(/.*)$;\n"
                     "            set $path_info $fastcgi_path_info;\n"
                     "            fastcgi_param PATH_INFO $path_info;")
        return f"""{user}
worker_processes 1;
worker_rlimit_nofile 10000;
pid {d}/nginx.pid;
# Benchmarks run up to 2,000 clients, each with an upstream connection of its own while its
# request waits: 4096 connections were not enough ("worker_connections are not enough,
# reusing connections").
events {{ worker_connections 8192; }}
http {{
    access_log {self.access_log};
    client_body_temp_path {d}/client_body;
    fastcgi_temp_path {d}/fastcgi_temp;
    proxy_temp_path {d}/proxy_temp;
    uwsgi_temp_path {d}/uwsgi_temp;
    scgi_temp_path {d}/scgi_temp;
    default_type application/octet-stream;
    client_max_body_size {client_max_body_size};
    upstream fpm {{
        server {fastcgi_upstream(self.fcgi_address)};
        {keep}
    }}
    {http_conf}
    server {{
        listen 127.0.0.1:{self.port};
        server_name localhost;
        root {self.docroot};
        index index.php;
        {server_conf}
        location ~ [^/]\\.php(/|$) {{
            {split}
            {"try_files $fastcgi_script_name =404;" if try_files else ""}
            {FASTCGI_PARAMS}
            fastcgi_pass fpm;
            {"fastcgi_keep_conn on;" if keep_conn else ""}
            {location_conf}
        }}
    }}
}}
"""

    def start(self):
        argv = self.wrapper + [NGINX_BIN, "-e", "stderr", "-p", str(self.dir), "-c", str(self.conf_path),
                "-g", "daemon off; error_log stderr notice;"]
        self._proc = procs.ManagedProcess(argv, self.dir, None, self.stop_timeout, "nginx")
        self._proc.spawn()
        try:
            procs.wait_until(self._accepting, self.start_timeout,
                             what=f"nginx on port {self.port}")
            self._proc.remember_descendants()
        except BaseException:
            self.stop(check=False)
            raise
        return self

    def _accepting(self):
        self._proc.check_running()
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    @property
    def pid(self):
        return self._proc.pid if self._proc else None

    def log(self):
        """nginx's error log (stderr) so far."""
        return self._proc.stderr_text if self._proc else ""

    def access_log_text(self):
        return self.access_log.read_text(errors="replace") if self.access_log.exists() else ""

    def stop(self, check=True):
        if self._proc is None:
            return
        problems = self._proc.terminate((signal.SIGQUIT, signal.SIGTERM))
        if not os.environ.get("FPMD_TEST_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        if check and problems:
            raise RuntimeError("; ".join(problems) + f"\nnginx log:\n{self.log()[-4000:]}")

    def __enter__(self):
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop(check=exc_type is None)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def connection(self, timeout=10.0):
        """A keep-alive capable http.client connection to this nginx."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=10.0):
        """One HTTP request on a new connection."""
        conn = self.connection(timeout)
        try:
            return http_request(conn, method, path, body, headers)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)


def http_request(conn, method, path, body=None, headers=None):
    """Send one request on an http.client connection and read the whole response."""
    conn.request(method, path, body=body, headers=dict(headers or {}))
    resp = conn.getresponse()
    data = resp.read()
    return HttpResponse(resp.status, resp.reason, resp.getheaders(), data)
