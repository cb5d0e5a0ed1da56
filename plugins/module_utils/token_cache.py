# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token reuse across module runs: one small 0600 file per identity in the user's cache directory.

A playbook of twenty tasks must authenticate once, not twenty times (Identity rate-limits, and
every token request costs a round trip). The file holds the token, its expiry and the catalog,
never the secret. It does hold a slow salted hash of the secret, so that a run with a *wrong*
secret for the same user never gets the cached token of a right one.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os
import time

from ansible_collections.opencloud.images.plugins.module_utils.files import cache_root, locked, read_json, write_private_json

# Tokens this close to expiry are not reused: a long wait must not start with a dying token.
EXPIRY_MARGIN = 300
_PBKDF2_ROUNDS = 100000


def default_cache_dir():
    return os.path.join(cache_root(), "tokens")


def cache_key(*parts):
    """The file name for an identity: a hash of endpoint, user and scope (never of the secret)."""
    return hashlib.sha256("\0".join(str(p or "") for p in parts).encode("utf-8")).hexdigest()


def _verifier(secret, salt):
    return hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), bytes.fromhex(salt), _PBKDF2_ROUNDS).hex()


class TokenCache:
    def __init__(self, directory=None, clock=time.time):
        self.directory = directory or default_cache_dir()
        self.clock = clock

    def _path(self, key):
        return os.path.join(self.directory, key + ".json")

    def load(self, key, secret):
        """The cached entry for ``key`` if it is readable, unexpired and made with ``secret``."""
        entry = read_json(self._path(key))
        if not isinstance(entry, dict):
            return None
        expires = entry.get("expires_epoch")
        if not isinstance(expires, (int, float)) or expires - EXPIRY_MARGIN <= self.clock():
            return None
        if entry.get("verifier") != _verifier(secret, entry.get("salt", "")):
            return None
        return entry.get("auth")

    def store(self, key, secret, auth, expires_epoch):
        """Write the entry atomically with mode 0600 in a 0700 directory."""
        if expires_epoch is None:
            return
        salt = os.urandom(16).hex()
        entry = {"expires_epoch": expires_epoch, "salt": salt, "verifier": _verifier(secret, salt), "auth": auth}
        write_private_json(self._path(key), entry)

    def lock(self, key):
        """Hold the identity's lock file: parallel forks of one playbook wait for the first login, then reuse it."""
        return locked(self._path(key)[:-len(".json")] + ".lock")

    def invalidate(self, key):
        try:
            os.unlink(self._path(key))
        except OSError:
            pass
