"""Glance v2 (Rackspace Cloud Images) at ``/regions/<REGION>/image/``, the catalog's image endpoint.

Messages, status codes and checks follow upstream Glance (glance/api/v2/images.py, image_tags.py, db/sqlalchemy/api.py).
Where Rackspace's Icehouse-era Glance differs, Rackspace wins: a member sees an image shared with it whatever the image's
visibility, ``visibility=shared`` lists the images shared with the caller, and ``com.rackspace*`` properties are reserved.
The members of an image (``.../images/<id>/members``) are in image_members.py, which reuses the public helpers here.
"""

import copy
import json
import operator
import re
from datetime import datetime, timezone
from functools import cmp_to_key
from urllib.parse import urlencode

from flask import Blueprint, g, request
from werkzeug.datastructures import MultiDict

from . import image_schemas
from .errors import KEYSTONE_UNAUTHORIZED, GlanceError, json_response, keystone_error
from .state import UNLISTED_STATUSES, current_state, isotime

SERVICE = "image"
PATH_RE = re.compile(r"^/regions/[^/]+/image(/|$)")
blueprint = Blueprint(SERVICE, __name__, url_prefix="/regions/<region>/image")

LIMIT_DEFAULT = 25
LIMIT_MAX = 100
VERSIONS = (("v2.2", "CURRENT"), ("v2.1", "SUPPORTED"), ("v2.0", "SUPPORTED"))
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at")
VISIBILITIES = ["community", "public", "private", "shared"]
MEMBER_STATUSES = ("pending", "accepted", "rejected", "all")
OPERATOR_FILTERS = ("name", "id", "status", "container_format", "disk_format")
BOOLEAN_FILTERS = ("protected", "os_hidden")
CASELESS_FILTERS = ("os_hidden",)
VERSION_ENDPOINTS = ("image.versions", "image.versions_list")
TIME_FILTERS = ("created_at", "updated_at")
# glance.common.utils.evaluate_filter_op
TIME_OPERATORS = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le, "neq": operator.ne, "eq": operator.eq}
# The order of the methods in Glance's ``Allow`` headers (its router's allowed_methods: "GET, POST", "GET, PATCH, DELETE", ...)
ALLOW_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")
PATCH_MEDIA_TYPES = {"application/openstack-images-v2.0-json-patch": 4, "application/openstack-images-v2.1-json-patch": 10}
PATCH_OPERATIONS = ("add", "remove", "replace")
READ_ONLY = ("created_at", "updated_at", "status", "checksum", "size", "virtual_size", "direct_url", "self", "file", "schema", "id",
             "os_hash_algo", "os_hash_value")
RESERVED = ("location", "deleted", "deleted_at")
RESERVED_PREFIXES = ("os_glance", "com.rackspace")
# The writable image attributes and their JSON schema (types, enum, maxLength); anything else is an extra property.
ATTRIBUTE_SCHEMA = {
    "name": (["null", "string"], None, 255),
    "visibility": (["string"], VISIBILITIES, None),
    "protected": (["boolean"], None, None),
    "owner": (["null", "string"], None, 255),
    "container_format": (["null", "string"], [None, "ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"], None),
    "disk_format": (["null", "string"], [None, "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"], None),
    "min_ram": (["integer"], None, None),
    "min_disk": (["integer"], None, None),
    "tags": (["array"], None, None),
}
EXTRA_PROPERTY_SCHEMA = (["string"], None, None)
TAG_SCHEMA = (["string"], None, 255)
_JSON_TYPES = {"null": lambda value: value is None, "string": lambda value: isinstance(value, str),
               "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
               "boolean": lambda value: isinstance(value, bool), "array": lambda value: isinstance(value, list)}
# glance.common.utils.split_filter_value_for_quotes
_IN_VALUES = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,')


@blueprint.url_value_preprocessor
def pull_region(_endpoint, values):
    g.region = values.pop("region").upper()


@blueprint.before_request
def authenticate():
    """Unknown region: 404. Then a valid token, checked the way keystonemiddleware does in front of Glance."""
    state = current_state()
    if g.region not in state.regions:
        raise GlanceError(404)
    if request.endpoint in VERSION_ENDPOINTS:
        return None
    token = state.token(request.headers.get("X-Auth-Token", ""))
    if token is None:
        return keystone_error(401, KEYSTONE_UNAUTHORIZED)
    g.tenant = token.tenant_id
    return None


@blueprint.app_errorhandler(GlanceError)
def _glance_error(exc):
    return exc.response()


def http_error(exc):
    """Routing errors (unknown path, wrong method) as Glance's router reports them."""
    headers = {}
    if exc.code == 405:
        headers["Allow"] = ", ".join(method for method in ALLOW_ORDER if method in exc.valid_methods)
    return GlanceError(exc.code, headers=headers).response()


def _versions():
    href = f"{request.host_url}regions/{g.region}/image/v2/"
    return {"versions": [{"id": version, "status": status, "links": [{"rel": "self", "href": href}]} for version, status in VERSIONS]}


@blueprint.get("/", strict_slashes=False)
def versions():
    """Glance's root: the versions with 300 Multiple Choices (the version negotiation of clients such as keystoneauth)."""
    return json_response(_versions(), 300)


@blueprint.get("/versions")
def versions_list():
    """The same document with 200, as upstream Glance serves ``GET /versions``."""
    return json_response(_versions())


@blueprint.get("/v2/schemas/<name>")
def show_schema(name):
    document = image_schemas.schema(name)
    if document is None:
        raise GlanceError(404)
    return json_response(document)


# helpers shared by the handlers (and image_members.py)

def visible_image(image_id, not_found):
    state = current_state()
    image = state.image(g.region, image_id)
    if image is None or not state.visible(image, g.tenant):
        raise GlanceError(404, not_found)
    return image


def _require_owner(image, action):
    if image["owner"] != g.tenant:
        raise GlanceError(403, f"You are not authorized to complete {action} action.")


def _schema_violation(value, schema):
    """jsonschema's message for the first rule the value breaks, or None."""
    types, enum, max_length = schema
    if not any(_JSON_TYPES[kind](value) for kind in types):
        return f"{value!r} is not of type {', '.join(repr(kind) for kind in types)}"
    if enum is not None and value not in enum:
        return f"{value!r} is not one of {enum!r}"
    if max_length is not None and len(value) > max_length:
        return f"{value!r} is too long"
    return None


def _validate_value(name, value):
    """Validate ``{name: value}`` against the image schema, as Glance does for PATCH values and tags."""
    problems = [_schema_violation(value, ATTRIBUTE_SCHEMA.get(name, EXTRA_PROPERTY_SCHEMA))]
    if name == "tags" and problems[0] is None:
        problems += [_schema_violation(tag, TAG_SCHEMA) for tag in value]
    problem = next((problem for problem in problems if problem), None)
    if problem:
        raise GlanceError(400, f"Provided object does not match schema 'image': {problem}")


def _touch(image):
    image["updated_at"] = isotime(current_state().now())


# GET /v2/images

def _utc_time(text):
    """oslo_utils.timeutils.parse_isotime then normalize_time: a naive UTC datetime (no zone means UTC); ValueError if unreadable."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _split_operator(expression):
    """glance.common.utils.split_filter_op: ``in:a,b`` -> ('in', 'a,b'); an ISO 8601 time or no colon -> 'eq'."""
    name, colon, threshold = expression.partition(":")
    if not colon:
        return "eq", expression
    try:
        _utc_time(expression)
    except ValueError:
        return name, threshold
    return "eq", expression


def _time_filter(key, value):
    """created_at / updated_at with Glance's operators (glance/db/sqlalchemy/api.py ``_make_conditions_from_filters``): the time
    is read first, then the operator."""
    name, threshold = _split_operator(value)
    try:
        moment = _utc_time(threshold)
    except ValueError:
        raise GlanceError(400, f'Bad "{key}" query filter format. Use ISO 8601 DateTime notation.') from None
    if name not in TIME_OPERATORS:
        raise GlanceError(400, "Unable to filter on a unknown operator.")
    compare = TIME_OPERATORS[name]
    return lambda image: image.get(key) is not None and compare(_utc_time(image[key]), moment)


def _integer(text, message):
    try:
        return int(text)
    except ValueError:
        raise GlanceError(400, message) from None


def _filter(key, value):
    """A predicate on images for one query parameter that is not limit, marker, sorting, visibility or a tag."""
    if key in ("size_min", "size_max"):
        bound = _integer(value, "Unable to filter on a range with a non-numeric value.")
        if key == "size_min":
            return lambda image: image["size"] is not None and image["size"] >= bound
        return lambda image: image["size"] is not None and image["size"] <= bound
    if key in BOOLEAN_FILTERS:
        # Glance checks os_hidden's value without case (openstacksdk sends "True"), protected's as given.
        text = value.lower() if key in CASELESS_FILTERS else value
        if text not in ("true", "false"):
            raise GlanceError(400, f"Invalid value '{value}' for '{key}' filter. Valid values are 'true' or 'false'.")
        return lambda image: bool(image.get(key, False)) is (text == "true")
    if key in TIME_FILTERS:
        return _time_filter(key, value)
    if key in OPERATOR_FILTERS:
        name, threshold = _split_operator(value)
        if name == "in":
            wanted = [quoted or plain for quoted, plain in _IN_VALUES.findall(threshold)]
            return lambda image: image.get(key) in wanted
        if name != "eq":
            raise GlanceError(400, f"Unable to filter by unknown operator '{name}'.")
        return lambda image: image.get(key) == threshold
    # any other image attribute, or an extra property: exact match on its text
    return lambda image: image.get(key) is not None and _query_text(image[key]) == value


def _query_text(value):
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _sort_key(key):
    if key not in SORT_KEYS:
        raise GlanceError(400, f"Invalid sort key: {key}. It must be one of the following: {', '.join(SORT_KEYS)}.")
    return key


def _sort_dir(direction):
    if direction not in ("asc", "desc"):
        raise GlanceError(400, f"Invalid sort direction: {direction}")
    return direction


def _sorting(params):
    """Sort keys and directions from ``sort=k:dir,...`` or repeated ``sort_key``/``sort_dir``; created_at and id always end the list."""
    if "sort" in params:
        if "sort_key" in params or "sort_dir" in params:
            raise GlanceError(400, "Old and new sorting syntax cannot be combined")
        keys, dirs = [], []
        for part in params.pop("sort").strip().split(","):
            key, _colon, direction = part.partition(":")
            keys.append(_sort_key(key.strip()))
            dirs.append(_sort_dir(direction.strip() or "desc"))
    else:
        keys = [_sort_key(key.strip()) for key in params.poplist("sort_key")]
        dirs = [_sort_dir(direction.strip()) for direction in params.poplist("sort_dir")]
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise GlanceError(400, "Number of sort dirs does not match the number of sort keys")
    keys = keys or ["created_at"]
    default = dirs[0] if len(dirs) == 1 else "desc"
    if len(dirs) <= 1:
        dirs = [default] * len(keys)
    for key in ("created_at", "id"):
        if key not in keys:
            keys.append(key)
            dirs.append(default)
    return list(zip(keys, dirs))


def _sort_value(image, key):
    """NULLs sort as the column type's default, as in Glance's paginated query."""
    value = image.get(key)
    if value is None:
        return 0 if key == "size" else ""
    return value


class _ImageQuery:
    """The validated query string of ``GET /v2/images``."""

    def __init__(self, args):
        params = args.copy()
        self.limit = params.pop("limit", None)
        self.marker = params.pop("marker", None)
        self.member_status = params.pop("member_status", "accepted")
        self.tags = [tag.strip() for tag in params.poplist("tag")]
        self.visibility = params.pop("visibility", None)
        if self.visibility and self.visibility not in VISIBILITIES + ["all"]:
            raise GlanceError(400, f"Invalid visibility value: {self.visibility}")
        if self.member_status not in MEMBER_STATUSES:
            raise GlanceError(400, f"Invalid status: {self.member_status}")
        if self.limit is not None:
            self.limit = self._validate_limit(self.limit)
        self.sorting = _sorting(params)
        params.setdefault("os_hidden", "false")  # Glance lists hidden images only when asked to (image API 2.7)
        self.filters = [_filter(key, value) for key, value in params.items(multi=True)]
        self.limit = min(LIMIT_MAX, LIMIT_DEFAULT if self.limit is None else self.limit)

    @staticmethod
    def _validate_limit(limit):
        limit = _integer(limit, "limit param must be an integer")
        if limit < 0:
            raise GlanceError(400, "limit param must be positive")
        return limit

    def _listed(self, image, tenant):
        """Own images, public ones, and those shared with the tenant whose member status matches; then the visibility filter."""
        state = current_state()
        status = state.member_status(image["id"], tenant)
        member = status is not None and self.member_status in ("all", status)
        own = image["owner"] == tenant
        if self.visibility == "shared":
            return member or (own and image["visibility"] == "shared")
        # community images are listed only when asked for or owned
        listed = own or member or image["visibility"] == "public" or (image["visibility"] == "community" and self.visibility is not None)
        return listed and self.visibility in (None, "all", image["visibility"])

    def selects(self, image, tenant):
        return (image["status"] not in UNLISTED_STATUSES and self._listed(image, tenant)
                and all(tag in image["tags"] for tag in self.tags) and all(match(image) for match in self.filters))

    def compare(self, left, right):
        for key, direction in self.sorting:
            a, b = _sort_value(left, key), _sort_value(right, key)
            if a != b:
                return (-1 if a < b else 1) * (1 if direction == "asc" else -1)
        return 0


def _select(region, tenant, query):
    """Every image of the region the query selects for the tenant, in its order (no paging); new images within the config's
    ``list_lag_seconds`` are not listed yet."""
    state = current_state()
    with state.lock:
        now = state.now()
        return sorted((image for image in state.images[region].values() if query.selects(image, tenant) and state.listed(image["id"], now)),
                      key=cmp_to_key(query.compare))


def default_listing(region, tenant):
    """What ``GET /v2/images`` without parameters lists for the tenant, all pages, newest first; Nova's image list shows the same."""
    return _select(region, tenant, _ImageQuery(MultiDict()))


@blueprint.get("/v2/images")
def list_images():
    state = current_state()
    query = _ImageQuery(request.args)
    with state.lock:
        images = _select(g.region, g.tenant, query)
        if query.marker is not None:
            marker = state.image(g.region, query.marker)
            if marker is None:
                raise GlanceError(400, f"No image found with ID {query.marker}")
            if not state.visible(marker, g.tenant):
                raise GlanceError(403, f"Forbidding request, image {query.marker} not visible")
            images = [image for image in images if query.compare(image, marker) > 0]
        page = images[:query.limit]
        # Glance keeps every parameter but the marker in these links, relative to the endpoint without its /v2.
        params = [(key, value) for key, value in request.args.items(multi=True) if key != "marker"]
        body = {"images": page, "first": "/v2/images" + (f"?{urlencode(params)}" if params else ""), "schema": "/v2/schemas/images"}
        if page and len(images) > len(page):
            body["next"] = f"/v2/images?{urlencode(params + [('marker', page[-1]['id'])])}"
        return json_response(body)


# one image

@blueprint.get("/v2/images/<image_id>")
def show_image(image_id):
    with current_state().lock:
        return json_response(visible_image(image_id, f"No image found with ID {image_id}"))


@blueprint.delete("/v2/images/<image_id>")
def delete_image(image_id):
    state = current_state()
    with state.lock:
        image = visible_image(image_id, f"Failed to find image {image_id} to delete")
        _require_owner(image, "delete_image")
        if image["protected"]:
            raise GlanceError(403, f"Image {image_id} is protected and cannot be deleted.")
        state.delete_image(g.region, image_id)
    return "", 204


def _tag_target(image_id):
    image = visible_image(image_id, f"Image {image_id} not found.")
    _require_owner(image, "modify_image")
    return image


@blueprint.put("/v2/images/<image_id>/tags/<tag>")
def add_tag(image_id, tag):
    _validate_value("tags", [tag])
    with current_state().lock:
        image = _tag_target(image_id)
        if tag not in image["tags"]:
            image["tags"].append(tag)
        _touch(image)
    return "", 204


@blueprint.delete("/v2/images/<image_id>/tags/<tag>")
def delete_tag(image_id, tag):
    with current_state().lock:
        image = _tag_target(image_id)
        if tag not in image["tags"]:
            raise GlanceError(404)
        image["tags"].remove(tag)
        _touch(image)
    return "", 204


# PATCH /v2/images/<id>

def json_body():
    try:
        body = json.loads(request.get_data())
    except ValueError:
        raise GlanceError(400, "Malformed JSON in request body.") from None
    if not isinstance(body, (dict, list)):
        raise GlanceError(400, "Unexpected body type. Expected list/dict.")
    return body


def _operation(raw, draft):
    """(op, JSON pointer) of one change: draft 10 is ``{"op", "path"}``, draft 4 (v2.0 media type) is ``{"<op>": path}``."""
    if draft == 4:
        found = [op for op in PATCH_OPERATIONS if op in raw]
        if len(found) != 1:
            quantity = "only" if found else "exactly"
            raise GlanceError(400, f'Operation objects must contain {quantity} one member named "add", "remove", or "replace".')
        return found[0], raw[found[0]]
    available = ", ".join(PATCH_OPERATIONS)
    if "op" not in raw:
        raise GlanceError(400, f"Unable to find `op` in JSON Schema change. It must be one of the following: {available}.")
    if raw["op"] not in PATCH_OPERATIONS:
        raise GlanceError(400, f"Invalid operation: `{raw['op']}`. It must be one of the following: {available}.")
    if "path" not in raw:
        raise GlanceError(400, "Unable to find 'path' in JSON Schema change")
    return raw["op"], raw["path"]


def _decode_pointer(pointer):
    """The path parts of a JSON pointer, with Glance's restrictions on its form."""
    pointer = str(pointer)
    problems = ((not pointer.startswith("/"), 'does not start with "/".'), (re.search(r"/\s*?/", pointer[1:]), 'contains adjacent "/".'),
                (len(pointer) > 1 and pointer.endswith("/"), 'end with "/".'),
                (re.search("~[^01]", pointer) or pointer.endswith("~"), 'contains "~" not part of a recognized escape sequence.'))
    for broken, message in problems:
        if broken:
            raise GlanceError(400, f"Pointer `{pointer}` {message}")
    return [part.replace("~1", "/").replace("~0", "~").strip() for part in pointer.lstrip("/").split("/")]


def _parse_changes():
    """The validated changes of a PATCH request; no image is looked at yet (as in Glance's request deserializer)."""
    draft = PATCH_MEDIA_TYPES.get(request.mimetype)
    if draft is None:
        allowed = ", ".join(sorted(PATCH_MEDIA_TYPES))
        raise GlanceError(415, detail=f"Image PATCH expects Content-Type one of: {allowed}", headers={"Accept-Patch": allowed})
    body = json_body()
    if not isinstance(body, list):
        raise GlanceError(400, "Request body must be a JSON array of operation objects.")
    changes = []
    for raw in body:
        if not isinstance(raw, dict):
            raise GlanceError(400, "Operations must be JSON objects.")
        op, pointer = _operation(raw, draft)
        path = _decode_pointer(pointer)
        if len(path) != 1:
            raise GlanceError(400, f"Invalid JSON pointer for this resource: '/{'/'.join(path)}'")
        name = path[0]
        if name in READ_ONLY:
            raise GlanceError(403, f"Attribute '{name}' is read-only.")
        if name in RESERVED or name.startswith(RESERVED_PREFIXES):
            raise GlanceError(403, f"Attribute '{name}' is reserved.")
        change = {"op": op, "name": name, "draft": draft}
        if op != "remove":
            if "value" not in raw:
                raise GlanceError(400, f'Operation "{op}" requires a member named "value".')
            change["value"] = raw["value"]
            _validate_value(name, change["value"])
        changes.append(change)
    return changes


def _apply(image, change):
    op, name, value = change["op"], change["name"], change.get("value")
    if name == "visibility" and value == "public":
        raise GlanceError(403, "You are not authorized to complete publicize_image action.")
    _require_owner(image, "modify_image")
    attribute = name in ATTRIBUTE_SCHEMA
    if name == "owner" and op != "remove":
        raise GlanceError(403, "Owner can't be updated by non admin.")
    if op == "remove":
        if attribute:
            raise GlanceError(403, detail=f"Property {name} may not be removed.")
        if name not in image:
            raise GlanceError(409, detail=f"Property {name} does not exist.")
        del image[name]
        return
    if op == "replace" and not attribute and name not in image:
        raise GlanceError(409, detail=f"Property {name} does not exist.")
    if op == "add" and change["draft"] == 4 and (attribute or name in image):
        raise GlanceError(409, detail=f"Property {name} already present.")
    if name in ("container_format", "disk_format") and image["status"] not in ("queued", "importing"):
        raise GlanceError(403, f"Attribute {name} can be only replaced for a queued image.")
    if name in ("min_disk", "min_ram") and value < 0:
        raise GlanceError(400, f"Invalid value '{value}' for parameter '{name}': Cannot be a negative value")
    image[name] = list(dict.fromkeys(value)) if name == "tags" else value


@blueprint.patch("/v2/images/<image_id>")
def update_image(image_id):
    changes = _parse_changes()
    state = current_state()
    with state.lock:
        updated = copy.deepcopy(visible_image(image_id, f"No image found with ID {image_id}"))
        for change in changes:
            _apply(updated, change)
        if changes:
            _touch(updated)
            state.images[g.region][image_id] = updated
        return json_response(updated)
