"""Pools as isolation units, through the opcache shared by every pool of a master.

One master with several pools runs the same sequence of requests under php-fpm8.2 and
under the candidate. php-fpm leaks through its shared opcache, and that is its
documented behaviour, pinned down here on the reference:

- include / include_once of a script another pool compiled skips the including pool's
  open_basedir (opcache finds the script by key, without opening the file);
- `ini_get("open_basedir")` compiled in one pool is folded into a constant, and other
  pools run that constant (php_admin_value marks the entry ZEND_INI_SYSTEM, which is
  what the optimizer folds);
- running as root with a `user =` per pool: a 0600 script of pool B's user, compiled by
  B, is a cache hit for pool A, whose user cannot read it;
- chrooted pools: /index.php of one chroot is served to the other (same path, same
  mtime: the same cache key).

fpmd deliberately differs: a pool cannot reach through the cache what its own
open_basedir, user or chroot forbid. Where fpmd refuses, its answer must be the one both
servers give while the script is not cached yet (the cold answer, compared byte for byte
with php-fpm's), and the admin value must stay locked against ini_set().
"""

import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from lib import cgi, fcgi_client, peer, servers
from lib.peer import assert_same

IS_ROOT = os.geteuid() == 0
USER_A, USER_B = "www-data", "nobody"

# Scripts are written once per module; every test uses its own files, so that which pool
# compiled a script first is decided by the test's own sequence.
SCRIPTS = {
    # open_basedir: pool a may read a/ and shared/, pool b b/ and shared/.
    "b/secret_inc.php": "<?php echo \"SECRET-B include\\n\";\n",
    "b/own_inc.php": "<?php include __DIR__ . '/secret_inc.php';\n",
    "a/steal_inc.php": "<?php\n$r = include '@ROOT@/b/secret_inc.php';\n"
                       "echo 'result: ', var_export($r, true), \"\\n\";\n",
    "b/secret_once.php": "<?php echo \"SECRET-B include_once\\n\";\n",
    "b/own_once.php": "<?php include_once __DIR__ . '/secret_once.php';\n",
    "a/steal_once.php": "<?php\n$r = include_once '@ROOT@/b/secret_once.php';\n"
                        "echo 'result: ', var_export($r, true), \"\\n\";\n",
    "b/secret_req.php": "<?php echo \"SECRET-B require_once\\n\";\n",
    "b/own_req.php": "<?php require_once __DIR__ . '/secret_req.php';\n",
    "a/steal_req.php": "<?php\nrequire_once '@ROOT@/b/secret_req.php';\necho \"after\\n\";\n",
    # compile-time ini_get(): the literal is what the optimizer folds.
    "shared/ini_fold.php": "<?php echo 'open_basedir=', ini_get(\"open_basedir\"), \"\\n\";\n",
    # The name comes from the query: a literal would be folded (see ini_fold.php).
    "shared/ini_lock.php": "<?php\n$set = ini_set($_GET['n'], '/');\n"
                           "echo 'set=', var_export($set, true), ' now=', "
                           "ini_get($_GET['n']), \"\\n\";\n",
    # user: private.php is 0600 and owned by pool b's user.
    "shared/private.php": "<?php echo \"PRIVATE-B\\n\";\n",
    "b/own_private.php": "<?php include '@ROOT@/shared/private.php';\n",
    "a/steal_private.php": "<?php\n$r = include '@ROOT@/shared/private.php';\n"
                           "echo 'result: ', var_export($r, true), \"\\n\";\n",
    # chroot: the same path in two roots.
    "c/index.php": "<?php echo \"ROOT-C\\n\";\n",
    "d/index.php": "<?php echo \"ROOT-D\\n\";\n",
}


@pytest.fixture(scope="module")
def tree():
    """The scripts, in a dir every pool user can traverse."""
    root = Path(tempfile.mkdtemp(prefix="peer-opc-", dir="/tmp"))
    os.chmod(root, 0o755)
    for rel, text in SCRIPTS.items():
        path = root / rel
        path.parent.mkdir(mode=0o755, exist_ok=True)
        path.write_text(text.replace("@ROOT@", str(root)))
        path.chmod(0o644)
    if IS_ROOT:
        private = root / "shared/private.php"
        nobody = pwd.getpwnam(USER_B)
        os.chown(private, nobody.pw_uid, nobody.pw_gid)
        private.chmod(0o600)
    # Same mtime and size for both chroots' index.php: the same cache key and timestamp.
    for rel in ("c/index.php", "d/index.php"):
        os.utime(root / rel, (1_700_000_000, 1_700_000_000))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def conf_text(root):
    def pool(name, listen, settings):
        lines = [f"[{name}]", f"listen = {listen}", "pm = static", "pm.max_children = 1"]
        lines += [f"{k} = {v}" for k, v in settings]
        return "\n".join(lines) + "\n"

    users = {"a": USER_A, "b": USER_B}
    text = "[global]\nerror_log = @LOG@\npid = @PID@\ndaemonize = no\n\n"
    for name, listen in (("a", "@LISTEN@"), ("b", "@DIR@/b.sock")):
        settings = [("php_admin_value[open_basedir]", f"{root}/{name}:{root}/shared")]
        if IS_ROOT:
            settings += [("user", users[name]), ("group", users[name] if name == "a"
                                                 else "nogroup")]
        text += "\n" + pool(name, listen, settings)
    if IS_ROOT:
        for name in ("c", "d"):
            text += "\n" + pool(name, f"@DIR@/{name}.sock",
                                [("chroot", f"{root}/{name}"), ("user", USER_A),
                                 ("group", USER_A)])
    return text


@pytest.fixture(scope="module")
def servers_pair(php_fpm_bin, tree):
    cand_bin, why = candidate_binary()
    if cand_bin is None:
        pytest.skip(why)
    started = []
    # Scripts written a moment ago must be cacheable at once (no 2 s protection window).
    overrides = {"opcache.file_update_protection": "0"}
    try:
        for binary in (php_fpm_bin, cand_bin):
            started.append(servers.FpmProcess(binary, conf_text=conf_text(tree),
                                              ini_overrides=overrides).start())
        yield started[0], started[1]
    finally:
        errors = []
        for server in started:
            try:
                server.stop()
            except Exception as e:  # stop both even if one misbehaved
                errors.append(str(e))
        if errors:
            pytest.fail("\n".join(errors))


def candidate_binary():
    override = os.environ.get("FPMD_PEER_CANDIDATE")
    if override:
        return (override, None) if os.path.isfile(override) else (None, f"no {override}")
    return servers.fpmd_binary()


def address(server, pool):
    return server.address if pool == "a" else str(server.dir / f"{pool}.sock")


def ask(server, pool, script, root):
    """One request for script to the pool; its comparable outcome."""
    if pool in ("c", "d"):
        params = cgi.cgi_params("/" + script, "/")
    else:
        params = cgi.cgi_params("/" + script, root)
    resp = fcgi_client.request(address(server, pool), params, timeout=15)
    out = peer.outcome(resp, server)
    out["stderr"] = out["stderr"].replace(str(root).encode(), b"@ROOT@")
    out["body"] = out["body"].replace(str(root).encode(), b"@ROOT@")
    return out


def steal_sequence(server, root, stealer, owner):
    """Pool a asks for stealer while nothing is cached (cold), pool b runs owner (which
    compiles the victim), then pool a asks for stealer again (warm)."""
    cold = ask(server, "a", stealer, root)
    own = ask(server, "b", owner, root)
    warm = ask(server, "a", stealer, root)
    return cold, own, warm


def check_steal(servers_pair, tree, stealer, owner, secret, cold_says):
    ref_server, cand_server = servers_pair
    ref = steal_sequence(ref_server, tree, stealer, owner)
    cand = steal_sequence(cand_server, tree, stealer, owner)
    # What php-fpm does: refuses while cold, serves the other pool's script once cached.
    assert secret not in ref[0]["body"], f"php-fpm cold answer leaked: {ref[0]}"
    assert cold_says in ref[0]["stderr"], f"php-fpm cold stderr: {ref[0]['stderr']!r}"
    assert secret in ref[1]["body"], f"pool b could not run its own script: {ref[1]}"
    assert secret in ref[2]["body"], "php-fpm no longer leaks through opcache?"
    # What fpmd does: the same cold answer and the same owner's answer ...
    assert_same(ref[0], cand[0], "php-fpm cold", "fpmd cold")
    assert_same(ref[1], cand[1], "php-fpm owner", "fpmd owner")
    # ... and the cold answer again once the script is cached.
    assert secret not in cand[2]["body"], f"fpmd leaked through opcache: {cand[2]}"
    assert_same(ref[0], cand[2], "php-fpm cold", "fpmd warm")


def test_include_honours_open_basedir_when_cached(servers_pair, tree):
    check_steal(servers_pair, tree, "a/steal_inc.php", "b/own_inc.php",
                b"SECRET-B include", b"open_basedir restriction in effect")


def test_include_once_honours_open_basedir_when_cached(servers_pair, tree):
    check_steal(servers_pair, tree, "a/steal_once.php", "b/own_once.php",
                b"SECRET-B include_once", b"open_basedir restriction in effect")


def test_require_once_honours_open_basedir_when_cached(servers_pair, tree):
    check_steal(servers_pair, tree, "a/steal_req.php", "b/own_req.php",
                b"SECRET-B require_once", b"open_basedir restriction in effect")


def test_ini_get_is_not_folded_across_pools(servers_pair, tree):
    """Pool a compiles ini_get("open_basedir") first; pool b must see its own value."""
    results = []
    for server in servers_pair:
        results.append((ask(server, "a", "shared/ini_fold.php", tree),
                        ask(server, "b", "shared/ini_fold.php", tree)))
    (ref_a, ref_b), (cand_a, cand_b) = results
    assert ref_a["body"] == b"open_basedir=@ROOT@/a:@ROOT@/shared\n", ref_a
    assert ref_b["body"] == b"open_basedir=@ROOT@/a:@ROOT@/shared\n", \
        f"php-fpm no longer folds ini_get() across pools? {ref_b}"
    assert_same(ref_a, cand_a, "php-fpm pool a", "fpmd pool a")
    assert cand_b["body"] == b"open_basedir=@ROOT@/b:@ROOT@/shared\n", cand_b


def test_admin_value_stays_locked_against_ini_set(servers_pair, tree):
    """Whatever fpmd does to keep the optimizer from folding a pool's admin values, a
    script still cannot change them."""
    for pool in ("a", "b"):
        ref = ask(servers_pair[0], pool, "shared/ini_lock.php?n=open_basedir", tree)
        cand = ask(servers_pair[1], pool, "shared/ini_lock.php?n=open_basedir", tree)
        expected = f"set=false now=@ROOT@/{pool}:@ROOT@/shared\n".encode()
        assert ref["body"] == expected, ref
        assert_same(ref, cand, f"php-fpm pool {pool}", f"fpmd pool {pool}")


@pytest.mark.skipif(not IS_ROOT, reason="pools with their own user need root")
def test_include_honours_file_permissions_when_cached(servers_pair, tree):
    check_steal(servers_pair, tree, "a/steal_private.php", "b/own_private.php",
                b"PRIVATE-B", b"Permission denied")


@pytest.mark.skipif(not IS_ROOT, reason="chroot needs root")
def test_chroots_do_not_share_scripts(servers_pair, tree):
    """/index.php in two chroots: the same path and timestamp, two different files."""
    results = []
    for server in servers_pair:
        results.append((ask(server, "c", "index.php", tree), ask(server, "d", "index.php", tree)))
    (ref_c, ref_d), (cand_c, cand_d) = results
    assert ref_c["body"] == b"ROOT-C\n", ref_c
    assert ref_d["body"] == b"ROOT-C\n", f"php-fpm no longer shares across chroots? {ref_d}"
    assert_same(ref_c, cand_c, "php-fpm pool c", "fpmd pool c")
    assert cand_d["body"] == b"ROOT-D\n", cand_d


def test_servers_survived_the_module(servers_pair):
    for name, server in zip(("php-fpm", "candidate"), servers_pair):
        assert server.is_running(), f"{name} master died: {server.log()[-3000:]}"
