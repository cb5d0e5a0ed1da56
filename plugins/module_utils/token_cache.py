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

import calendar
import contextlib
import fcntl
import hashlib
import json
import os
import re
import threading
import time

# Tokens this close to expiry are not reused: a long wait must not start with a dying token.
EXPIRY_MARGIN = 300
_PBKDF2_ROUNDS = 100000
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_expiry(text):
    """Epoch seconds from an ISO 8601 time such as ``2014-11-24T22:05:39.115Z``; None if unreadable."""
    match = _ISO.match((text or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    epoch = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    zone = match.group(7)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return epoch


def cache_root():
    """This collection's directory in the user's cache (``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "opencloud.images")


def default_cache_dir():
    return os.path.join(cache_root(), "tokens")


def write_private_json(path, data):
    """Write ``data`` to ``path`` atomically, mode 0600, in a 0700 directory."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = "%s.%d.%d.tmp" % (path, os.getpid(), threading.get_ident())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
        try:
            with open(self._path(key)) as handle:
                entry = json.load(handle)
        except (IOError, OSError, ValueError):
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

    @contextlib.contextmanager
    def lock(self, key):
        """Hold the identity's lock file: parallel forks of one playbook wait for the first login, then reuse it."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        fd = os.open(self._path(key)[:-len(".json")] + ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def invalidate(self, key):
        try:
            os.unlink(self._path(key))
        except OSError:
            pass
