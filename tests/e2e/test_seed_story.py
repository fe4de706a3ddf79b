"""The seeds' 1 GB server, end to end (seed 004, docs/memory.md): MariaDB with a 128 MB
buffer pool, nginx and fpmd in one 1 GiB memory cgroup, the seed's pool config unchanged
(pm = dynamic, max_children 50, start 5, min spare 5, max spare 35, no memory directive),
and a heavy page that queries MariaDB over a persistent connection, holds a large working
set and leaks a little for good, under 60 connections (tests/lib/seed_story.py). Under
php8.2-fpm the kernel's OOM killer kills mysqld within seconds (`make bench-memory`); under
fpmd, with the guard on by default, mysqld is never killed, answers SELECT 1 throughout, and
every request succeeds."""

import pytest

from lib import seed_story
from lib.mariadb import MariaDB


def test_mysqld_survives_the_seeds_pool(fpmd_bin, tmp_path):
    why = MariaDB.available()
    if why:
        pytest.skip(why)
    story = seed_story.SeedStory(fpmd_bin, tmp_path)
    result = story.run()
    assert result["oom_kills"] == 0, (result, story.log)
    assert result["mysqld_survived"], story.db_error_log
    assert result["probe_misses"] == 0 and result["probes"] > 10, result
    assert story.failures == [], story.failures[:5]
    assert result["served"] > seed_story.CLIENTS, result
    # The guard, not luck: it held workers back.
    assert result["held_back"] > 0, story.log
