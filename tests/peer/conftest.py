"""Fixtures of the peer suite: one php-fpm8.2 (reference) and one candidate per module,
started with the same pool config, the same php.ini and the same -d overrides.

The candidate is fpmd (FPMD_BIN). FPMD_PEER_CANDIDATE=/path overrides it, e.g.
FPMD_PEER_CANDIDATE=/usr/sbin/php-fpm8.2 to check the suite itself (php-fpm against
php-fpm must pass).
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from lib import servers

WWW = Path(__file__).resolve().parent / "www"

PEER_POOL = {
    "pm": "static",
    "pm.max_children": "2",
    "env[PEER_ENV]": "peer-value",
    "php_admin_value[memory_limit]": "96M",
    "php_value[max_input_vars]": "200",
    "php_flag[html_errors]": "off",
}


def candidate_binary():
    override = os.environ.get("FPMD_PEER_CANDIDATE")
    if override:
        if not os.path.isfile(override):
            return None, f"FPMD_PEER_CANDIDATE={override} does not exist"
        return override, None
    return servers.fpmd_binary()


@pytest.fixture(scope="module")
def peer_tmp():
    """A short shared dir (sessions, markers) whose path both servers see identically."""
    path = Path(tempfile.mkdtemp(prefix="peer-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


class PeerPair:
    def __init__(self, ref, cand, tmp):
        self.ref = ref
        self.cand = cand
        self.tmp = tmp
        self.docroot = WWW

    def both(self):
        return (("php-fpm", self.ref), ("candidate", self.cand))


def _start_pair(php_fpm_bin, tmp, pool_overrides):
    cand_bin, why = candidate_binary()
    if cand_bin is None:
        pytest.skip(why)
    sessions = tmp / "sessions"
    sessions.mkdir(exist_ok=True)
    overrides = {"session.save_path": str(sessions)}
    pool = {**PEER_POOL, **pool_overrides}
    started = []
    try:
        for binary in (php_fpm_bin, cand_bin):
            started.append(servers.FpmProcess(binary, pool=pool,
                                              ini_overrides=overrides).start())
        yield PeerPair(started[0], started[1], tmp)
    finally:
        errors = []
        for server in started:
            try:
                server.stop()
            except Exception as e:  # stop every server even if one misbehaved
                errors.append(str(e))
        if errors:
            pytest.fail("\n".join(errors))


@pytest.fixture(scope="module")
def peers(php_fpm_bin, peer_tmp):
    """The pair for requests that carry no PHP_VALUE / PHP_ADMIN_VALUE."""
    yield from _start_pair(php_fpm_bin, peer_tmp, {})


@pytest.fixture(scope="module")
def peers_ini(php_fpm_bin, peer_tmp):
    """A second pair, one worker each, for requests with PHP_VALUE / PHP_ADMIN_VALUE.

    In PHP-FPM such values stay set in the worker for its later requests (they leak),
    so these requests must not share workers with the others; with one worker each,
    both servers see the same sequence, and the caller resets the values after each.
    """
    yield from _start_pair(php_fpm_bin, peer_tmp, {"pm.max_children": "1"})
