"""Shared pytest set-up for tests/integration, tests/e2e and tests/peer.

Puts tests/ on sys.path so test modules can `from lib import ...`, gives every test a
hard time limit (FPMD_TEST_TIMEOUT seconds, default 120; no pytest-timeout in Debian's
minimal set), and provides the server binaries as fixtures that skip with a reason,
plus factories that start servers and always stop them:

    def test_page(fpmd_bin, fpm_factory, nginx_factory, tmp_path):
        fpm = fpm_factory(fpmd_bin, pool={"pm": "dynamic", ...})
        nginx = nginx_factory(fpm.address, tmp_path, keep_conn=True)
        assert nginx.get("/index.php").status == 200
"""

import os
import signal
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from lib import servers  # noqa: E402
from lib.nginx import NGINX_BIN, NginxProcess  # noqa: E402

TEST_TIMEOUT = float(os.environ.get("FPMD_TEST_TIMEOUT", "120"))


class TestTimeout(Exception):
    """Raised inside a test (or fixture) that ran past FPMD_TEST_TIMEOUT."""

    __test__ = False


def _on_alarm(signum, frame):
    raise TestTimeout(f"test ran longer than {TEST_TIMEOUT:g}s (FPMD_TEST_TIMEOUT)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # SIGALRM interrupts blocking calls in the main thread, so a hung socket or wait
    # fails this test instead of the whole run; fixture finalizers still run after it.
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def php_fpm_bin():
    """Debian's php-fpm8.2 (PHP_FPM_BIN overrides); skips when it is not installed."""
    path, why = servers.php_fpm_binary()
    if path is None:
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def fpmd_bin():
    """The fpmd under test (FPMD_BIN); skips with the reason when unset or missing."""
    path, why = servers.fpmd_binary()
    if path is None:
        pytest.skip(why)
    return path


@pytest.fixture
def fpm_factory():
    """fpm_factory(binary, **FpmProcess kwargs) -> a started FpmProcess, stopped (and
    checked for leftovers) when the test ends, even when it fails."""
    started = []

    def start(binary, **kw):
        server = servers.FpmProcess(binary, **kw)
        started.append(server)
        return server.start()

    yield start
    errors = []
    for server in reversed(started):
        try:
            server.stop()
        except Exception as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors))


@pytest.fixture
def nginx_factory():
    """nginx_factory(fcgi_address, docroot, **NginxProcess kwargs) -> a started nginx,
    stopped when the test ends."""
    if not os.path.exists(NGINX_BIN):
        pytest.skip(f"{NGINX_BIN} not found (apt-get install nginx)")
    started = []

    def start(fcgi_address, docroot, **kw):
        nginx = NginxProcess(fcgi_address, docroot, **kw)
        started.append(nginx)
        return nginx.start()

    yield start
    errors = []
    for nginx in reversed(started):
        try:
            nginx.stop()
        except Exception as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors))
