# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud Files (Swift): containers, objects streamed in and out, and large-object manifests."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json

from urllib.parse import quote, unquote

from ansible_collections.opencloud.images.plugins.module_utils.cloud import ServiceClient
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, NotFound

MAX_OBJECT_BYTES = 5 * 1024 ** 3  # one object (or one large-object segment), Cloud Files and Swift
MAX_SLO_SEGMENTS = 1000
MIN_SLO_SEGMENT_BYTES = 1024 ** 2  # every segment of a static large object but the last
LISTING_PAGE = 10000


def check_container_name(name, option="container"):
    if not isinstance(name, str) or not name or "/" in name or len(name.encode("utf-8")) > 256:
        raise ConfigError("%s must be a Cloud Files container name: 1 to 256 bytes, no '/'; got %r." % (option, name),
                          option=option)
    return name


def check_object_name(name, option="object"):
    if not isinstance(name, str) or not name or len(name.encode("utf-8")) > 1024:
        raise ConfigError("%s must be an object name of 1 to 1024 bytes; got %r." % (option, name), option=option)
    return name


def bare_etag(value):
    """An ETag without the quotes Swift puts around the ETag of a large object."""
    return (value or "").strip().strip('"').lower()


class ObjectInfo:
    """What a HEAD tells about an object: size, ETag, and whether it is a large-object manifest."""

    def __init__(self, container, name, headers):
        self.container = container
        self.name = name
        self.size = int(headers.get("Content-Length") or 0)
        self.etag = bare_etag(headers.get("ETag"))
        self.dlo_prefix = unquote(headers["X-Object-Manifest"]) if headers.get("X-Object-Manifest") else None
        self.is_slo = (headers.get("X-Static-Large-Object") or "").lower() == "true"

    @property
    def path(self):
        return "%s/%s" % (self.container, self.name)


class ObjectStorageService(ServiceClient):
    """The Swift API of one account in one region (``root`` is the account's storage URL)."""

    service_type = "object-store"

    def url(self, container=None, name=None):
        parts = [self.root]
        if container is not None:
            parts.append(quote(container, safe=""))
        if name is not None:
            parts.append(quote(name, safe="/"))
        return "/".join(parts)

    def container_exists(self, container):
        response = self.session.request("HEAD", self.url(container), ok=(200, 204, 404))
        return response.status_code != 404

    def ensure_container(self, container):
        """Create the container if it is missing; True when it was created."""
        if self.container_exists(container):
            return False
        response = self.session.request("PUT", self.url(container), ok=(201, 202))
        return response.status_code == 201

    def delete_container(self, container):
        """Delete an empty container; False when it is missing or still holds objects."""
        response = self.session.request("DELETE", self.url(container), ok=(204, 404, 409))
        return response.status_code == 204

    def list_objects(self, container, prefix=None):
        """Yield ``{name, bytes, hash, ...}`` for every object in the container (all pages)."""
        marker = None
        while True:
            params = [("format", "json"), ("limit", LISTING_PAGE)]
            if prefix:
                params.append(("prefix", prefix))
            if marker:
                params.append(("marker", marker))
            response = self.session.request("GET", self.url(container), params=params, ok=(200, 204, 404))
            if response.status_code == 404:
                return
            page = self.session.http.decode(response, "GET", self.url(container)) or []
            yield from page
            if len(page) < LISTING_PAGE:
                return
            marker = page[-1]["name"]

    def head(self, container, name):
        """An :class:`ObjectInfo`, or None when the object is missing."""
        response = self.session.request("HEAD", self.url(container, name), ok=(200, 204, 404))
        if response.status_code == 404:
            return None
        return ObjectInfo(container, name, response.headers)

    def open(self, container, name, byte_range=None):
        """A streaming GET of the object's content (the caller reads it and closes it).

        ``byte_range`` is ``(first, last)``, both inclusive, as in an HTTP Range header.
        """
        headers = {"Range": "bytes=%d-%d" % byte_range} if byte_range else None
        return self.session.request("GET", self.url(container, name), headers=headers, stream=True,
                                    ok=(200, 206) if byte_range else (200,))

    def put(self, container, name, body, etag=None, content_type=None, headers=None):
        """Store an object from bytes or a reader with a length (see :class:`~.large_objects.CountingReader`).

        With ``etag`` the service checks the MD5 of what it received (422 on a mismatch). A reader
        is sent only once; the caller repeats with a fresh reader. Returns the stored ETag.
        """
        sent = {"Content-Type": content_type or "application/octet-stream"}
        if etag:
            sent["ETag"] = etag
        sent.update(headers or {})
        response = self.session.request("PUT", self.url(container, name), headers=sent, data=body, ok=(201,),
                                        repeat=isinstance(body, bytes))
        return bare_etag(response.headers.get("ETag"))

    def put_dlo_manifest(self, container, name, segment_container, prefix):
        """A Dynamic Large Object: a zero-byte object naming the container and prefix of its segments."""
        self.put(container, name, b"", headers={"X-Object-Manifest": "%s/%s" % (
            quote(segment_container, safe=""), quote(prefix, safe="/"))})

    def put_slo_manifest(self, container, name, segments):
        """A Static Large Object from ``[{"path": "/container/object", "etag": md5, "size_bytes": n}, ...]``."""
        if len(segments) > MAX_SLO_SEGMENTS:
            raise ConfigError("A static large object has at most %d segments; this one would have %d: use larger segments."
                              % (MAX_SLO_SEGMENTS, len(segments)), option="segment_size")
        response = self.session.request("PUT", self.url(container, name), params={"multipart-manifest": "put"},
                                        data=json.dumps(segments).encode("utf-8"), ok=(201,),
                                        headers={"Content-Type": "application/json"})
        return bare_etag(response.headers.get("ETag"))

    def delete(self, container, name):
        """Delete one object (a manifest only, not its segments); False when it was already gone."""
        response = self.session.request("DELETE", self.url(container, name), ok=(204, 404))
        return response.status_code == 204

    def segments(self, info):
        """``[{"container", "name", "bytes", "hash"}]`` of a large object, in order; None for a plain object."""
        if info.dlo_prefix:
            segment_container, _sep, prefix = info.dlo_prefix.partition("/")
            return [dict(container=segment_container, name=entry["name"], bytes=entry["bytes"], hash=bare_etag(entry["hash"]))
                    for entry in sorted(self.list_objects(segment_container, prefix), key=lambda e: e["name"])]
        if info.is_slo:
            response = self.session.request("GET", self.url(info.container, info.name),
                                            params={"multipart-manifest": "get", "format": "raw"})
            manifest = self.session.http.decode(response, "GET", self.url(info.container, info.name)) or []
            found = []
            for entry in manifest:
                path = (entry.get("path") or entry.get("name") or "").lstrip("/")
                segment_container, _sep, segment = path.partition("/")
                found.append(dict(container=unquote(segment_container), name=unquote(segment),
                                  bytes=int(entry.get("size_bytes", entry.get("bytes")) or 0),
                                  hash=bare_etag(entry.get("etag", entry.get("hash")))))
            return found
        return None

    def require(self, container, name):
        """The :class:`ObjectInfo` of an object that must exist."""
        info = self.head(container, name)
        if info is None:
            raise NotFound("No object %s/%s in Cloud Files of region %s." % (container, name, self.session.region),
                           status=404)
        return info


def manifest_etag(segment_hashes):
    """The ETag Swift gives a large object: the MD5 of its segments' MD5s (hex) run together."""
    return hashlib.md5("".join(segment_hashes).encode("ascii")).hexdigest()
