"""What `ps` shows: PHP-FPM's process titles, with fpmd's name in place of php-fpm's."""

import pytest

from lib import procs, servers


def titles(binary):
    with servers.FpmProcess(binary, pool={"pm": "static", "pm.max_children": "2"}) as fpm:
        fpm.wait_for_children(2)
        conf = str(fpm.conf_path)
        master = procs.cmdline(fpm.pid).replace(conf, "<conf>")
        workers = sorted(procs.cmdline(pid) for pid in fpm.children())
    return master, workers


def test_titles_match_php_fpm(php_fpm_bin):
    cand, why = servers.fpmd_binary()
    if cand is None:
        pytest.skip(why)
    ref_master, ref_workers = titles(php_fpm_bin)
    master, workers = titles(cand)
    assert ref_master == "php-fpm: master process (<conf>)"
    assert master == ref_master.replace("php-fpm:", "fpmd:")
    assert workers == [w.replace("php-fpm:", "fpmd:") for w in ref_workers] == \
        ["fpmd: pool www", "fpmd: pool www"]
