# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Glance v2 images API (Rackspace Cloud Images and any OpenStack image service)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from urllib.parse import quote

from ansible_collections.opencloud.images.plugins.module_utils.catalog import image_api_root
from ansible_collections.opencloud.images.plugins.module_utils.cloud import ServiceClient
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, NotFound, PermissionDenied, ServiceError
from ansible_collections.opencloud.images.plugins.module_utils.markers import MEMBER_STATUS_FILTERS, STATUSES
from ansible_collections.opencloud.images.plugins.module_utils.times import parse_iso_time

JSON_PATCH = "application/openstack-images-v2.1-json-patch"
# Fields the image service sets itself; a PATCH of them is refused (403).
READ_ONLY = frozenset(("id", "status", "owner", "size", "virtual_size", "checksum", "created_at", "updated_at", "file",
                       "self", "schema", "direct_url", "locations", "os_hash_algo", "os_hash_value"))
VISIBILITIES = ("public", "private", "shared", "community")
SORT_KEYS = ("created_at", "updated_at", "name", "status", "size", "id", "owner", "visibility")
SORT_DIRS = ("asc", "desc")
MAX_TEXT = 255  # names, tags and property values in Nova and Glance
MAX_PAGE_SIZE = 100  # Rackspace caps a page at 100; upstream Glance at 1000
# Source server of a snapshot: Nova (upstream and Rackspace) records it in this property.
SERVER_PROPERTY = "instance_uuid"
# List parameters with a meaning of their own: a custom-property filter may not use these names.
RESERVED_FILTERS = frozenset(("name", "status", "visibility", "member_status", "owner", "tag", "size_min", "size_max",
                              "sort_key", "sort_dir", "sort", "limit", "marker", "id", "created_at", "updated_at",
                              "protected", "os_hidden", "checksum", "os_hash_value", "disk_format", "container_format"))
# The reserved names image_info has an option for: a property named so is pointed there. "sort" and "marker" have none.
FILTER_ARGUMENTS = dict((name, name) for name in RESERVED_FILTERS if name not in ("tag", "sort", "marker"))
FILTER_ARGUMENTS["tag"] = "tags"
# Glance's comparison operators for created_at and updated_at (glance.common.utils.evaluate_filter_op); a time alone is eq.
TIME_OPERATORS = ("gt", "gte", "lt", "lte", "eq", "neq")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def looks_like_id(value):
    return bool(_UUID.match(value or ""))


def property_text(value):
    """The text a custom property value is stored and filtered as (Glance keeps properties as strings).

    Booleans are ``"true"``/``"false"`` both when a property is written and when images are filtered
    on it, so what one module sets another finds; numbers and text are their ``str``.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def time_filter(option, value):
    """Glance's ``[op:]timestamp`` filter of created_at or updated_at, checked: ``op`` one of TIME_OPERATORS (default eq),
    the time ISO 8601 (``2026-11-26T05:30:00Z``, a zone or none for UTC)."""
    operator, colon, time = value.partition(":")
    if not colon or operator not in TIME_OPERATORS:
        if colon and re.match(r"^[a-z]+$", operator):
            raise ConfigError("%s: unknown operator '%s' in '%s'; use one of %s, as op:time (for example gte:2026-11-26T00:00:00Z)."
                              % (option, operator, value, ", ".join(TIME_OPERATORS)), option=option)
        operator, time = "eq", value
    if parse_iso_time(time) is None:
        raise ConfigError("%s: '%s' is not an ISO 8601 time such as 2026-11-26T05:30:00Z (optionally after an operator, "
                          "as gte:2026-11-26T05:30:00Z)." % (option, time), option=option)
    return "%s:%s" % (operator, time)


def _single_value(option, value):
    """A text filter compared as it is: not empty, and no ',' or ':' (Glance would read ``in:a,b`` as an operator)."""
    if not value or re.search(r"[,:\s]", value):
        raise ConfigError("%s must be one value with no spaces, ',' or ':'; got '%s'." % (option, value), option=option)
    return value


def _as_given(_option, value):
    return value


# How the standard-field filters are checked and written (the others are sent as given).
_FILTER_TEXT = {"protected": lambda _option, value: property_text(value), "os_hidden": lambda _option, value: property_text(value),
                "checksum": _single_value, "os_hash_value": _single_value, "disk_format": _single_value,
                "container_format": _single_value, "created_at": time_filter, "updated_at": time_filter}


def list_filters(name=None, status=None, visibility=None, member_status=None, owner=None, tags=None,
                 server=None, properties=None, sort_key=None, sort_dir=None, protected=None, os_hidden=None,
                 checksum=None, os_hash_value=None, size_min=None, size_max=None, created_at=None, updated_at=None,
                 disk_format=None, container_format=None):
    """Query parameters (a list of pairs: ``tag`` repeats) for ``GET /v2/images``, checked first.

    Every bad value raises :class:`ConfigError` naming the option, before any request is sent. The standard fields are
    Glance's own list filters, applied by the image service (upstream Glance's glance/db/sqlalchemy/api.py
    ``_make_conditions_from_filters``; Rackspace documents direct comparison on image attributes and size_min/size_max).
    """
    def choice(option, value, allowed):
        if value is not None and value not in allowed:
            raise ConfigError("%s must be one of %s, not '%s'." % (option, ", ".join(allowed), value), option=option)

    choice("status", status, STATUSES)
    choice("visibility", visibility, VISIBILITIES)
    choice("member_status", member_status, MEMBER_STATUS_FILTERS)
    choice("sort_key", sort_key, SORT_KEYS)
    choice("sort_dir", sort_dir, SORT_DIRS)
    for option, size in (("size_min", size_min), ("size_max", size_max)):
        if size is not None and size < 0:
            raise ConfigError("%s must be a number of bytes, 0 or more; got %d." % (option, size), option=option)
    if size_min is not None and size_max is not None and size_min > size_max:
        raise ConfigError("size_min (%d) is more than size_max (%d): no image could match." % (size_min, size_max),
                          option="size_min")
    params = [(key, value) for key, value in (
        ("name", name), ("status", status), ("visibility", visibility), ("member_status", member_status),
        ("owner", owner), ("sort_key", sort_key), ("sort_dir", sort_dir),
        ("protected", protected), ("os_hidden", os_hidden), ("checksum", checksum), ("os_hash_value", os_hash_value),
        ("size_min", size_min), ("size_max", size_max), ("created_at", created_at), ("updated_at", updated_at),
        ("disk_format", disk_format), ("container_format", container_format),
    ) if value is not None]
    params = [(key, _FILTER_TEXT.get(key, _as_given)(key, value)) for key, value in params]
    for tag in tags or []:
        if not isinstance(tag, str) or not tag:
            raise ConfigError("tags must be a list of non-empty strings; got %r." % (tag,), option="tags")
        params.append(("tag", tag))
    properties = dict(properties or {})
    if server:
        if not looks_like_id(server):
            raise ConfigError("server must be the id (a UUID) of the source server, not '%s'." % server, option="server")
        properties[SERVER_PROPERTY] = server
    for key in sorted(properties):
        value = properties[key]
        if key in RESERVED_FILTERS:
            raise ConfigError("properties.%s is a standard image field, not a custom property: %s." % (
                key, "use the %s option" % FILTER_ARGUMENTS[key] if key in FILTER_ARGUMENTS
                else "the module sets it itself"), option="properties")
        if not key or "/" in key:
            raise ConfigError("properties has an invalid property name %r." % key, option="properties")
        if not isinstance(value, (str, int, float, bool)):
            raise ConfigError("properties.%s must be a string, number or boolean (custom properties are compared as "
                              "text); got %s." % (key, type(value).__name__), option="properties")
        params.append((key, property_text(value)))
    return params


def only_one(found, reference, option="image"):
    """The single image in ``found``, None if there is none; several (names are not unique) name the ids to choose from."""
    if len(found) > 1:
        raise ConfigError("Several images are named '%s': %s. Give %s as one of these ids." % (
            reference, ", ".join("%s (created %s)" % (i["id"], i.get("created_at")) for i in found), option), option=option)
    return found[0] if found else None


def _server_side(params):
    """(params to send, name to match here): a name with a colon is matched on our side.

    Newer Glance reads ``name=a:b`` as the operator ``a`` (400 unknown operator) and wants
    ``eq:a:b``; the Icehouse-era Rackspace API has no operators and would look for ``eq:a:b``.
    Timestamped names (``web01-2026-11-26T05:30``) are common, so neither may fail.
    """
    name = dict(params).get("name")
    if name is None or ":" not in name:
        return list(params), None
    return [(key, value) for key, value in params if key != "name"], name


class ImageService(ServiceClient):
    """The Glance v2 API; ``root`` is its v2 root in the session's region."""

    service_type = "image"
    normalise = staticmethod(image_api_root)

    def url(self, *parts):
        """A URL under the API root; every part is quoted, so an id can never reach another path."""
        return "/".join([self.root] + [quote(str(p), safe="") for p in parts])

    def get(self, image_id):
        return self.session.json("GET", self.url("images", image_id))

    def list(self, params=None, page_size=MAX_PAGE_SIZE, limit=None):
        """Yield every image matching ``params``, page after page until there is no ``next`` link.

        The next page is asked for with our own filters plus ``marker`` (the last id seen) rather
        than by following ``next``: upstream Glance builds that link from a dict of the query, so a
        repeated ``tag`` filter collapses to its last value there and later pages match other images.
        """
        params, name = _server_side(params or [])
        marker = None
        count = 0
        while True:
            query = params + [("limit", page_size)] + ([("marker", marker)] if marker else [])
            page = self.session.json("GET", self.url("images"), params=query)
            images = page.get("images", [])
            for image in images:
                if name is not None and image.get("name") != name:
                    continue
                yield image
                count += 1
                if limit is not None and count >= limit:
                    return
            if not page.get("next") or not images:
                return
            if images[-1]["id"] == marker:
                raise ServiceError("The image service returned the same page twice (marker %s): stopping." % marker)
            marker = images[-1]["id"]

    def find(self, name_or_id):
        """Images whose id or name is ``name_or_id`` (names are not unique in Glance)."""
        if looks_like_id(name_or_id):
            try:
                return [self.get(name_or_id)]
            except NotFound:
                pass
        return list(self.list([("name", name_or_id)]))

    def update(self, image_id, operations):
        """Apply JSON-patch ``operations`` (see :func:`patch_operations`) and return the updated image."""
        return self.session.json("PATCH", self.url("images", image_id), json_body=operations,
                                 headers={"Content-Type": JSON_PATCH})

    def delete(self, image_id):
        """Delete an image; one already gone is no error (a repeat after a timed-out first try finds it gone)."""
        self.session.request("DELETE", self.url("images", image_id), ok=(200, 204, 404))

    def create(self, fields):
        """A new image record (``queued``, no data yet) with these fields and properties."""
        return self.session.json("POST", self.url("images"), json_body=fields)

    def download(self, image_id):
        """A streaming GET of the image's data (the caller reads it and closes it)."""
        return self.session.request("GET", self.url("images", image_id, "file"), stream=True, ok=(200,))

    def upload(self, image_id, body, staged=False):
        """Send the image's data once (a stream cannot be repeated): ``PUT file``, or ``PUT stage`` for an import."""
        self.session.request("PUT", self.url("images", image_id, "stage" if staged else "file"), data=body,
                             headers={"Content-Type": "application/octet-stream"}, ok=(204, 201, 200), repeat=False)

    def import_staged(self, image_id):
        """Start the interoperable import (``glance-direct``) of data sent with ``upload(staged=True)``."""
        self.session.request("POST", self.url("images", image_id, "import"), ok=(202,),
                             json_body={"method": {"name": "glance-direct"}})

    def import_methods(self):
        """The interoperable import methods the service offers (none on an API without ``/v2/info/import``)."""
        try:
            info = self.session.json("GET", self.url("info", "import"))
        except (NotFound, PermissionDenied):
            return []
        return ((info or {}).get("import-methods") or {}).get("value") or []

    def members(self, image_id):
        """The members of an image (accounts it is shared with), whatever their status.

        Newer Glance answers 403 for an image that cannot have members (a private one): it has none.
        """
        return self.member_listing(image_id)[0]

    def member_listing(self, image_id):
        """(the members, whether the image service refused to list them): upstream Glance (image API 2.5 and later)
        refuses (403) on an image whose visibility does not allow members, Rackspace's API lists a private image's."""
        try:
            return self.session.json("GET", self.url("images", image_id, "members")).get("members", []), False
        except PermissionDenied:
            return [], True

    def get_member(self, image_id, member):
        return self.session.json("GET", self.url("images", image_id, "members", member))

    def add_member(self, image_id, member):
        return self.session.json("POST", self.url("images", image_id, "members"), json_body={"member": member})

    def remove_member(self, image_id, member):
        self.session.request("DELETE", self.url("images", image_id, "members", member))

    def set_member_status(self, image_id, member, status):
        """The member's answer to a share (accepted, rejected, pending): only the member itself may give it."""
        return self.session.json("PUT", self.url("images", image_id, "members", member), json_body={"status": status})

    def status_or_gone(self, image_id):
        """The image's status, or ``deleted`` once it is gone (404)."""
        try:
            return self.get(image_id).get("status")
        except NotFound:
            return "deleted"


def check_length(option, value, what=None):
    """Nova and Glance keep names, tags and property values to 255 characters."""
    if len(value) > MAX_TEXT:
        raise ConfigError("%s is %d characters long; the image service takes at most %d." % (what or option, len(value), MAX_TEXT),
                          option=option)


def check_properties(properties):
    """Custom properties that can be set on an image (names, kinds and lengths), checked before anything is done."""
    for key, value in (properties or {}).items():
        if not isinstance(key, str) or not key.strip() or "/" in key or "~" in key:
            raise ConfigError("properties has an invalid property name %r: names are non-empty and have no '/' or '~'." % (key,),
                              option="properties")
        if key in READ_ONLY or key in RESERVED_FILTERS or key.startswith("com.rackspace"):
            raise ConfigError("properties.%s cannot be set: it is a standard or read-only field%s." % (
                key, "" if key not in ("name", "tags", "protected") else "; use the %s option" % key), option="properties")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise ConfigError("properties.%s must be text, a number or a boolean (custom properties are stored as text); "
                              "got %s." % (key, type(value).__name__), option="properties")
        check_length("properties", key, "property name %r" % key[:40])
        if value is not None:
            check_length("properties", property_text(value), "properties.%s" % key)
    return properties


def check_tags(tags):
    for tag in tags or []:
        if not isinstance(tag, str) or not tag.strip():
            raise ConfigError("tags must be non-empty strings; got %r." % (tag,), option="tags")
        check_length("tags", tag, "tag %r" % tag[:40])
    return tags


def patch_operations(image, name=None, tags=None, properties=None, protected=None):
    """JSON-patch operations that bring ``image`` to the values given (None = leave alone).

    ``properties`` values of None remove the property. ``replace`` is used for a property that
    exists and ``add`` for a new one: Glance answers 409 to ``replace`` of a missing property,
    and the Icehouse-era API to ``add`` of an existing one.
    """
    check_properties(properties)
    check_tags(tags)
    ops = []
    if name is not None:
        check_length("name", name)
    if name is not None and image.get("name") != name:
        ops.append({"op": "replace", "path": "/name", "value": name})
    if tags is not None and sorted(image.get("tags") or []) != sorted(tags):
        ops.append({"op": "replace", "path": "/tags", "value": list(tags)})
    if protected is not None and bool(image.get("protected")) != protected:
        ops.append({"op": "replace", "path": "/protected", "value": protected})
    for key in sorted(properties or {}):
        value = properties[key]
        if value is None:
            if key in image:
                ops.append({"op": "remove", "path": "/" + key})
        elif image.get(key) != property_text(value):
            ops.append({"op": "replace" if key in image else "add", "path": "/" + key, "value": property_text(value)})
    return ops
