# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud Files objects into a local directory: streamed, checked, and renamed into place only when whole.

A plain object's ETag is the MD5 of its content, so the file written is checked against it. A large object's
ETag (DLO or SLO manifest) is the MD5 of its segments' MD5s, not of the content (anchors-and-api.md, Swift large
objects): for those only the size can be compared, and the result says so (``verified: size``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os
import re

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, TransferError
from ansible_collections.opencloud.images.plugins.module_utils.large_objects import CHUNK_BYTES
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import check_object_name

PLAIN_MD5 = re.compile(r"^[0-9a-f]{32}$")


def relative_path(name, prefix="", option="objects"):
    """Where under the destination an object goes: its name less ``prefix``, refused when a part of it is empty,
    ``.`` or ``..`` (it would leave the destination or be no file)."""
    relative = name[len(prefix):] if prefix and name.startswith(prefix) else name
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ConfigError("%s: %r is not a relative file path under the destination once the prefix %r is taken "
                          "off (it ends with '/', or has an empty, '.' or '..' part)." % (option, name, prefix), option=option)
    return os.path.join(*parts)


def md5_is_content(info):
    """True when the object's ETag is the MD5 of its content (a plain object), False for a large object."""
    return not (info.dlo_prefix or info.is_slo) and bool(PLAIN_MD5.match(info.etag))


def local_md5(path):
    """The MD5 (hex) of a local file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


class DownloadPlan:
    """One object to bring into ``path``, and whether the file there already holds it."""

    def __init__(self, info, path, force=False):
        self.info = info
        self.path = path
        self.verified = "md5" if md5_is_content(info) else "size"
        self.local_md5 = None
        if os.path.isfile(path) and os.path.getsize(path) == info.size:
            self.local_md5 = local_md5(path)
        self.present = not force and self.local_md5 is not None and (
            self.verified == "size" or self.local_md5 == info.etag)

    def as_dict(self, action, md5=None):
        return dict(object=self.info.name, path=self.path, bytes=self.info.size, md5=md5 or self.local_md5,
                    etag=self.info.etag, verified=self.verified, action=action)


def find_objects(store, container, objects, prefix):
    """The :class:`ObjectInfo` of each object to download: ``prefix`` + each of ``objects``, else all under ``prefix``."""
    if objects is not None and not objects:
        raise ConfigError("objects is empty: name at least one object, or leave objects out to download every object "
                          "under prefix.", option="objects")
    names = [check_object_name(prefix + name, "objects") for name in objects or ()]
    for name in names:
        relative_path(name, prefix)
    if not store.container_exists(container):
        raise ConfigError("container: there is no container %r in Cloud Files of region %s."
                          % (container, store.session.region), option="container")
    if objects:
        found = []
        for name in names:
            info = store.head(container, name)
            if info is None:
                raise ConfigError("objects: there is no object %r in container %r." % (name, container), option="objects")
            found.append(info)
        return found
    listed = [entry["name"] for entry in store.list_objects(container, prefix)]
    if not listed:
        raise ConfigError("prefix: no object of container %r starts with %r." % (container, prefix), option="prefix")
    return [store.require(container, name) for name in listed]


def plan_downloads(store, container, objects, prefix, dest, force=False):
    """A :class:`DownloadPlan` per object, for check mode and the real run alike."""
    option = "objects" if objects else "prefix"
    return [DownloadPlan(info, os.path.join(dest, relative_path(info.name, prefix, option)), force)
            for info in find_objects(store, container, objects, prefix)]


def check_dest(dest):
    """Refuse a ``dest`` that is not a directory or cannot become one (a file on its way), before the cloud is asked."""
    existing = dest
    while not os.path.exists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ConfigError("dest: %s is not a directory%s." % (existing, "" if existing == dest else " (in %s)" % dest),
                          option="dest")


def download(store, plan):
    """Stream the object into a 0600 temporary file beside ``plan.path`` (its directory made 0700 when missing),
    check it, rename it; return its MD5."""
    info = plan.info
    tmp = os.path.join(os.path.dirname(plan.path), ".%s.%d.part" % (os.path.basename(plan.path), os.getpid()))
    try:
        return _write_checked(store, info, plan.path, tmp)
    except OSError as exc:
        raise TransferError("%s: cannot write %s: %s. Nothing was left under that name." % (info.path, plan.path, exc))


def _write_checked(store, info, path, tmp):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    digest = hashlib.md5()
    size = 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            response = store.open(info.container, info.name)
            try:
                for chunk in response.iter_content(CHUNK_BYTES):
                    handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            finally:
                response.close()
        md5 = digest.hexdigest()
        check_download(info, size, md5)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return md5


def check_download(info, size, md5):
    """Refuse what came down when its size, or for a plain object its MD5, is not the object's."""
    if size != info.size:
        raise TransferError("%s: received %d bytes but the object holds %d; nothing was written, try again."
                            % (info.path, size, info.size))
    if md5_is_content(info) and md5 != info.etag:
        raise TransferError("%s: the MD5 of what was received (%s) is not the object's ETag (%s); nothing was written, "
                            "try again." % (info.path, md5, info.etag))
