"""Per-directory configuration, php8.2-fpm and fpmd side by side: `.user.ini` files from
DOCUMENT_ROOT down to the script's directory (user_ini.filename, user_ini.cache_ttl), and
php.ini's [PATH=dir] and [HOST=name] sections, with php_admin_value winning over both."""

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from lib import cgi, procs
from lib.servers import DEFAULT_PHP_INI, FpmProcess

SHOW = "<?php echo ini_get('precision'), ' ', ini_get('serialize_precision'), ' ', " \
       "ini_get('default_socket_timeout'), ' ', ini_get('memory_limit');"


@pytest.fixture(scope="module")
def site():
    root = Path(tempfile.mkdtemp(prefix="fpmu-", dir="/tmp"))
    root.chmod(0o755)
    deep = root / "a" / "b"
    deep.mkdir(parents=True)
    (root / "elsewhere").mkdir()
    for directory in (root, root / "a", deep, root / "elsewhere"):
        directory.chmod(0o755)
        (directory / "show.php").write_text(SHOW)
    # The root's file applies everywhere below it; a deeper one overrides it.
    (root / ".user.ini").write_text("precision = 5\nserialize_precision = 8\n"
                                    "memory_limit = 100M\n")
    (root / "a" / ".user.ini").write_text("precision = 6\n")
    (deep / ".user.ini").write_text("serialize_precision = 9\n")
    ini = root / "php.ini"
    ini.write_text(Path(DEFAULT_PHP_INI).read_text() +
                   f"\n[PATH={root}/elsewhere]\ndefault_socket_timeout = 33\n"
                   "\n[HOST=special.example]\ndefault_socket_timeout = 44\n")
    yield root, ini
    shutil.rmtree(root, ignore_errors=True)


def answers(php_fpm_bin, fpmd_bin, root, ini, requests, pool=None):
    seen = {}
    for name, binary in (("php-fpm", php_fpm_bin), ("fpmd", fpmd_bin)):
        settings = {"pm": "static", "pm.max_children": "1", **(pool or {})}
        with FpmProcess(binary, pool=settings, php_ini=ini) as fpm:
            out = []
            for uri, host in requests:
                answer = fpm.request(cgi.cgi_params(uri, root, host=host))
                assert answer.status == 200, (name, uri, answer.body)
                out.append(answer.body.decode())
            seen[name] = out
    return seen


def test_user_ini_files_apply_from_the_document_root_down(php_fpm_bin, fpmd_bin, site):
    root, ini = site
    requests = [("/show.php", "localhost"), ("/a/show.php", "localhost"),
                ("/a/b/show.php", "localhost")]
    seen = answers(php_fpm_bin, fpmd_bin, root, ini, requests)
    assert seen["php-fpm"] == ["5 8 60 100M", "6 8 60 100M", "6 9 60 100M"]
    assert seen["fpmd"] == seen["php-fpm"]


def test_path_and_host_sections_of_php_ini(php_fpm_bin, fpmd_bin, site):
    root, ini = site
    requests = [("/elsewhere/show.php", "localhost"), ("/show.php", "special.example"),
                ("/show.php", "SPECIAL.example")]
    seen = answers(php_fpm_bin, fpmd_bin, root, ini, requests)
    assert seen["php-fpm"] == ["5 8 33 100M", "5 8 44 100M", "5 8 44 100M"]
    assert seen["fpmd"] == seen["php-fpm"]


def test_php_admin_value_wins_over_user_ini(php_fpm_bin, fpmd_bin, site):
    root, ini = site
    pool = {"php_admin_value[precision]": "11", "php_value[serialize_precision]": "12"}
    seen = answers(php_fpm_bin, fpmd_bin, root, ini, [("/a/b/show.php", "localhost")], pool)
    # The admin value stays; a pool's php_value gives way to the directory's file.
    assert seen["php-fpm"] == ["11 9 60 100M"]
    assert seen["fpmd"] == seen["php-fpm"]


def test_user_ini_is_cached_for_its_ttl(php_fpm_bin, fpmd_bin, tmp_path):
    tmp_path.chmod(0o755)
    (tmp_path / "show.php").write_text(SHOW)
    user_ini = tmp_path / ".user.ini"
    for name, binary in (("php-fpm", php_fpm_bin), ("fpmd", fpmd_bin)):
        for ttl, second in (("300", b"5 "), ("0", b"7 ")):
            user_ini.write_text("precision = 5\n")
            with FpmProcess(binary, pool={"pm": "static", "pm.max_children": "1"},
                            ini_overrides={"user_ini.cache_ttl": ttl}) as fpm:
                first = fpm.request(cgi.cgi_params("/show.php", tmp_path)).body
                user_ini.write_text("precision = 7\n")
                # PHP-FPM counts the TTL in whole seconds of the request time: a file read
                # with a TTL of 0 is read again from the next second on.
                read_at = int(time.time())
                procs.wait_until(lambda: int(time.time()) > read_at, 3, what="the next second")
                again = fpm.request(cgi.cgi_params("/show.php", tmp_path)).body
            assert first.startswith(b"5 "), (name, ttl, first)
            # Within the TTL the worker keeps what it read; past it, it reads the file again.
            assert again.startswith(second), (name, ttl, again)


def test_user_ini_filename_can_be_changed_or_turned_off(php_fpm_bin, fpmd_bin, site):
    root, ini = site
    (root / "custom.ini").write_text("precision = 4\n")
    for filename, expected in (("custom.ini", "4 "), ("", "14 ")):
        for name, binary in (("php-fpm", php_fpm_bin), ("fpmd", fpmd_bin)):
            with FpmProcess(binary, pool={"pm": "static", "pm.max_children": "1"}, php_ini=ini,
                            ini_overrides={"user_ini.filename": filename}) as fpm:
                body = fpm.request(cgi.cgi_params("/show.php", root)).body.decode()
            assert body.startswith(expected), (name, filename, body)


def test_a_script_deleted_after_its_first_request(php_fpm_bin, fpmd_bin, tmp_path):
    """Both find the script through PHP's realpath cache (realpath_cache_ttl), so a file
    deleted after a request is opened, not looked for: "No input file specified.", not
    "File not found."."""
    tmp_path.chmod(0o755)
    answers = {}
    for name, binary in (("php-fpm", php_fpm_bin), ("fpmd", fpmd_bin)):
        script = tmp_path / "gone.php"
        script.write_text("<?php echo 'here';")
        with FpmProcess(binary, pool={"pm": "static", "pm.max_children": "1"}) as fpm:
            first = fpm.request(cgi.cgi_params("/gone.php", tmp_path))
            script.unlink()
            second = fpm.request(cgi.cgi_params("/gone.php", tmp_path))
        answers[name] = (first.status, first.body, second.status, second.body)
    assert answers["php-fpm"] == (200, b"here", 404, b"No input file specified.\n")
    assert answers["fpmd"] == answers["php-fpm"]
