"""CGI params and request bodies, built the way nginx would send them.

`cgi_params()` reproduces Debian's /etc/nginx/fastcgi_params plus
`fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name`, optionally with
snippets/fastcgi-php.conf's `fastcgi_split_path_info ^(.+?\\.php)(/.*)$` and PATH_INFO,
so a test talking FastCGI directly sees what it would see behind nginx.
"""

import re
import urllib.parse

NGINX_VERSION = "1.22.1"
SPLIT_PATH_INFO = re.compile(r"^(.+?\.php)(/.*)$")
MULTIPART_BOUNDARY = "----fpmdTestBoundary7MA4YWxkTrZu0gW"


def cgi_params(uri, docroot, method="GET", headers=None, body=None, content_type=None,
               split_path_info=False, script_filename=None, host="localhost",
               server_port=80, server_addr="127.0.0.1", remote_addr="127.0.0.1",
               remote_port=54321, server_protocol="HTTP/1.1", extra=None):
    """Params (a list of (name, value), in nginx's order) for a request to `uri`.

    uri: request target as sent by the client, e.g. "/a%20b.php/x?y=1".
    body: the request body (bytes) when there is one; CONTENT_LENGTH is its length.
    headers: request headers as a dict or (name, value) list; become HTTP_* params.
    split_path_info: apply fastcgi_split_path_info and send PATH_INFO, as Debian's
      snippets/fastcgi-php.conf does; otherwise SCRIPT_NAME is the whole path.
    script_filename: override SCRIPT_FILENAME (default docroot + SCRIPT_NAME).
    extra: params appended last (e.g. PHP_VALUE), dict or list; a later duplicate wins
      in PHP-FPM, as with nginx.
    """
    path, _, query = uri.partition("?")
    docroot = str(docroot).rstrip("/")
    doc_uri = urllib.parse.unquote(path)
    script_name, path_info = doc_uri, None
    if split_path_info:
        m = SPLIT_PATH_INFO.match(doc_uri)
        if m:
            script_name, path_info = m.group(1), m.group(2)
        else:
            path_info = ""
    if script_filename is None:
        script_filename = docroot + script_name
    if content_type is None:
        content_type = ""
    content_length = "" if body is None else str(len(body))

    params = [
        ("QUERY_STRING", query),
        ("REQUEST_METHOD", method),
        ("CONTENT_TYPE", content_type),
        ("CONTENT_LENGTH", content_length),
        ("SCRIPT_NAME", script_name),
        ("REQUEST_URI", uri),
        ("DOCUMENT_URI", doc_uri),
        ("DOCUMENT_ROOT", docroot),
        ("SERVER_PROTOCOL", server_protocol),
        ("REQUEST_SCHEME", "http"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("SERVER_SOFTWARE", f"nginx/{NGINX_VERSION}"),
        ("REMOTE_ADDR", remote_addr),
        ("REMOTE_PORT", str(remote_port)),
        ("REMOTE_USER", ""),
        ("SERVER_ADDR", server_addr),
        ("SERVER_PORT", str(server_port)),
        ("SERVER_NAME", host),
        ("REDIRECT_STATUS", "200"),
        ("HTTP_HOST", host),
        ("SCRIPT_FILENAME", script_filename),
    ]
    if path_info is not None:
        params.append(("PATH_INFO", path_info))
    params += header_params(headers)
    params += _pairs(extra)
    return params


def header_params(headers):
    """HTTP_* params from request headers; Host is sent by cgi_params itself."""
    out = []
    for name, value in _pairs(headers):
        key = "HTTP_" + name.upper().replace("-", "_")
        if key == "HTTP_HOST":
            continue
        out.append((key, value))
    return out


def _pairs(items):
    if not items:
        return []
    if isinstance(items, dict):
        return list(items.items())
    return list(items)


def urlencoded(fields):
    """A application/x-www-form-urlencoded body: (body bytes, content type).
    fields: dict or (name, value) list; names may carry [] for arrays."""
    body = urllib.parse.urlencode(_pairs(fields)).encode("ascii")
    return body, "application/x-www-form-urlencoded"


def multipart(fields=None, files=None, boundary=MULTIPART_BOUNDARY):
    """A multipart/form-data body: (body bytes, content type).

    fields: (name, value) pairs or dict of plain form fields.
    files: list of (field name, file name, content bytes, content type or None).
    The boundary is fixed so that two servers receive byte-identical bodies.
    """
    out = bytearray()
    b = boundary.encode("ascii")
    for name, value in _pairs(fields):
        out += b"--" + b + b"\r\n"
        out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode("utf-8")
        out += (value if isinstance(value, bytes) else str(value).encode("utf-8")) + b"\r\n"
    for name, filename, content, ctype in files or []:
        out += b"--" + b + b"\r\n"
        out += (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                ).encode("utf-8")
        out += f"Content-Type: {ctype or 'application/octet-stream'}\r\n\r\n".encode("ascii")
        out += content + b"\r\n"
    out += b"--" + b + b"--\r\n"
    return bytes(out), f"multipart/form-data; boundary={boundary}"
