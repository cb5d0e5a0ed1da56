# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat
import subprocess
import sys
import time

from ansible_collections.opencloud.images.plugins.module_utils.token_cache import TokenCache

NOW = 1800000000


def make_cache(tmp_path):
    return TokenCache(str(tmp_path / "tokens"), clock=lambda: NOW)


def test_store_and_load_round_trip_with_0600_and_no_secret(tmp_path):
    cache = make_cache(tmp_path)
    cache.store("k1", "api-key-SECRET", {"token": "tok"}, NOW + 3600)
    path = tmp_path / "tokens" / "k1.json"
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(tmp_path / "tokens")).st_mode) == 0o700
    assert "api-key-SECRET" not in path.read_text()
    assert cache.load("k1", "api-key-SECRET") == {"token": "tok"}


def test_a_wrong_secret_never_gets_the_cached_token(tmp_path):
    cache = make_cache(tmp_path)
    cache.store("k1", "right", {"token": "tok"}, NOW + 3600)
    assert cache.load("k1", "wrong") is None


def test_expired_or_nearly_expired_tokens_are_not_reused(tmp_path):
    cache = make_cache(tmp_path)
    cache.store("old", "s", {"token": "tok"}, NOW - 1)
    cache.store("dying", "s", {"token": "tok"}, NOW + 60)
    assert cache.load("old", "s") is None
    assert cache.load("dying", "s") is None


def test_invalidate_and_unreadable_files(tmp_path):
    cache = make_cache(tmp_path)
    cache.store("k1", "s", {"token": "tok"}, NOW + 3600)
    cache.invalidate("k1")
    cache.invalidate("k1")
    assert cache.load("k1", "s") is None
    (tmp_path / "tokens" / "bad.json").write_text("{not json")
    assert cache.load("bad", "s") is None


def test_lock_serialises_logins_across_processes(tmp_path):
    cache = make_cache(tmp_path)
    contender = [sys.executable, "-c", "import sys, time\n"
                 "from ansible_collections.opencloud.images.plugins.module_utils.token_cache import TokenCache\n"
                 "with TokenCache(sys.argv[1]).lock('k1'):\n"
                 "    print(time.time())\n", str(tmp_path / "tokens")]
    with cache.lock("k1"):
        process = subprocess.Popen(contender, stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        time.sleep(1)
        released = time.time()
    got_lock = float(process.communicate(timeout=30)[0])
    assert got_lock >= released, "the other process must wait for the lock"
    assert stat.S_IMODE(os.stat(str(tmp_path / "tokens" / "k1.lock")).st_mode) == 0o600
