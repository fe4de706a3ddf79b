"""`fpmd --check-system` on this machine: the text and --json reports, every check with its
fields, the exit code as the worst level, and a config far beyond the machine's memory."""

import json
import os
import subprocess

import pytest

LEVEL_CODES = {"OK": 0, "WARN": 1, "FAIL": 2}
CHECKS = ["memory", "nofile", "fs.file-max", "net.core.somaxconn",
          "net.ipv4.ip_local_port_range", "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_tw_recycle",
          "net.ipv4.tcp_fin_timeout"]


def write_conf(tmp_path, pool_lines, listen=None):
    conf = tmp_path / "php-fpm.conf"
    conf.write_text(f"[global]\nerror_log = {tmp_path}/fpm.log\n"
                    f"[www]\nlisten = {listen or tmp_path / 'fpm.sock'}\n{pool_lines}\n")
    return conf


def check_system(binary, conf, *extra):
    # -R: the tests may run as root, and the pools name no user (as -t needs it too).
    return subprocess.run([binary, "-R", "--check-system", "-y", str(conf), *extra],
                          capture_output=True, text=True, timeout=30)


def report(binary, conf):
    done = check_system(binary, conf, "--json")
    doc = json.loads(done.stdout)
    return done, doc


def test_json_report_has_every_check_and_the_exit_code(fpmd_bin, tmp_path):
    conf = write_conf(tmp_path, "pm = static\npm.max_children = 2")
    done, doc = report(fpmd_bin, conf)
    assert doc["config"] == str(conf)
    assert [check["name"] for check in doc["checks"]] == CHECKS
    for check in doc["checks"]:
        assert set(check) == {"name", "level", "found", "needed", "fix", "message"}
        assert check["level"] in LEVEL_CODES
        assert all(isinstance(check[key], str) for key in check)
        assert check["found"] and check["message"]
        if check["level"] != "OK":
            assert check["fix"], check
    worst = max((check["level"] for check in doc["checks"]), key=LEVEL_CODES.get)
    assert doc["result"] == worst
    assert done.returncode == doc["exit_code"] == LEVEL_CODES[worst]


def test_text_report_matches_the_json(fpmd_bin, tmp_path):
    conf = write_conf(tmp_path, "pm = static\npm.max_children = 2")
    _, doc = report(fpmd_bin, conf)
    done = check_system(fpmd_bin, conf)
    assert done.returncode == doc["exit_code"]
    assert done.stdout.startswith(f"fpmd --check-system: {conf}\n")
    for check in doc["checks"]:
        assert f"{check['level']:<5} {check['name']}\n      {check['message']}\n" in done.stdout
        assert f"      found:  {check['found']}\n" in done.stdout
    assert f"\nresult: {doc['result']} (" in done.stdout


def test_pools_beyond_the_machines_memory_fail(fpmd_bin, tmp_path):
    # 10000 workers of up to 1 GiB: some 10 TiB, far beyond any test machine.
    conf = write_conf(tmp_path, "pm = static\npm.max_children = 10000\npm.max_memory = 1G")
    done, doc = report(fpmd_bin, conf)
    memory = doc["checks"][0]
    assert memory["name"] == "memory"
    assert memory["level"] == "FAIL"
    assert "pools may take 10240000 MiB (www: 10000 × 1024 MiB) but " in memory["message"]
    assert "pm.max_children = auto" in memory["fix"]
    assert done.returncode == 2
    assert check_system(fpmd_bin, conf).returncode == 2


def test_auto_pool_is_ok_on_memory(fpmd_bin, tmp_path):
    conf = write_conf(tmp_path, "pm = static\npm.max_children = auto")
    _, doc = report(fpmd_bin, conf)
    memory = doc["checks"][0]
    assert memory["level"] == "OK"
    assert "www: auto: sized from memory at run time" in memory["message"]


def test_tcp_listener_gets_the_port_checks(fpmd_bin, tmp_path):
    conf = write_conf(tmp_path, "pm = static\npm.max_children = 2", listen="127.0.0.1:9")
    _, doc = report(fpmd_bin, conf)
    by_name = {check["name"]: check for check in doc["checks"]}
    low, high = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    assert by_name["net.ipv4.ip_local_port_range"]["found"].startswith(f"{low}-{high} ")
    assert "no TCP listener" not in by_name["net.ipv4.tcp_tw_reuse"]["message"]


def test_tw_recycle_reading_matches_the_kernel(fpmd_bin, tmp_path):
    conf = write_conf(tmp_path, "pm = static\npm.max_children = 2")
    _, doc = report(fpmd_bin, conf)
    recycle = next(c for c in doc["checks"] if c["name"] == "net.ipv4.tcp_tw_recycle")
    path = "/proc/sys/net/ipv4/tcp_tw_recycle"
    if os.path.exists(path):
        assert recycle["found"] == open(path).read().strip()
    else:
        assert recycle["found"] == "absent"
        assert recycle["level"] == "OK"


@pytest.mark.parametrize("pool_lines", ["pm = static", "pm = static\npm.max_children = 2\nbogus = 1"])
def test_invalid_config_is_refused_as_by_t(fpmd_bin, tmp_path, pool_lines):
    conf = write_conf(tmp_path, pool_lines)
    done = check_system(fpmd_bin, conf, "--json")
    assert done.returncode == 78
    assert done.stdout == ""
    assert "FPM initialization failed" in done.stderr


def test_json_alone_is_a_usage_error(fpmd_bin):
    done = subprocess.run([fpmd_bin, "--json"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 64
