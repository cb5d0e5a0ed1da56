"""Nova v2 (Rackspace Cloud Servers, pre-microversion) at ``/regions/<REGION>/compute/v2/<tenant>``, the catalog's compute endpoint.

Servers (list, detail, show), the createImage action and Nova's images API, which reads and deletes the same image
records as Glance. Messages and checks follow the legacy v2 API of upstream Nova (nova/api/openstack/compute/servers.py,
images.py, views/, common.py); where Rackspace documents otherwise, Rackspace wins (boot-from-volume servers cannot be imaged).
"""

import json
import re
import uuid

from flask import Blueprint, g, request

from . import rate_limits
from .errors import KEYSTONE_UNAUTHORIZED, json_response, keystone_error, rax_fault, rax_over_limit
from .images import default_listing
from .servers import SNAPSHOT_VM_STATES
from .state import CORE_ATTRIBUTES, current_state

SERVICE = "compute"
PATH_RE = re.compile(r"^/regions/[^/]+/compute(/|$)")
blueprint = Blueprint(SERVICE, __name__, url_prefix="/regions/<region>/compute/v2/<tenant>")

MAX_IMAGE_META = 40  # Rackspace's absolute limit maxImageMeta
# nova.api.openstack.compute.views.servers.ViewBuilder._progress_statuses / _fault_statuses
PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE")
FAULT_STATUSES = ("ERROR", "DELETED")
# nova.api.openstack.compute.views.images.ViewBuilder._get_status
IMAGE_STATUSES = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING", "deleted": "DELETED", "pending_delete": "DELETED",
                  "killed": "ERROR"}
SERVER_NOT_FOUND = "Instance could not be found"
IMAGE_NOT_FOUND = "Image not found."
INTERNAL_ERROR = "The server has either erred or is incapable of performing the requested operation."
BOOT_FROM_VOLUME = ("Cannot create an image of a boot-from-volume server: server images do not include Cloud Block Storage volumes. "
                    "Snapshot the volume instead.")
_ROUTING_MESSAGES = {404: "The resource could not be found.", 405: "The method specified is not allowed for this resource."}


class ComputeError(Exception):
    """A Nova fault; with ``retry_after`` (seconds) it is a 413 overLimit carrying it."""

    def __init__(self, code, message, retry_after=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


@blueprint.errorhandler(ComputeError)
def _compute_error(exc):
    if exc.retry_after is not None:
        return rax_over_limit(exc.message, exc.retry_after)
    return rax_fault(exc.code, exc.message)


def http_error(exc):
    """Routing errors (unknown path, wrong method) as Nova's faults."""
    return rax_fault(exc.code, _ROUTING_MESSAGES.get(exc.code, exc.description))


@blueprint.url_value_preprocessor
def _pull_location(_endpoint, values):
    g.region = values.pop("region").upper()
    g.tenant = values.pop("tenant")


@blueprint.before_request
def _authenticate():
    """Unknown region: 404. Then a valid token for the tenant in the path (the same 401 as the image service otherwise)."""
    state = current_state()
    if g.region not in state.regions:
        raise ComputeError(404, _ROUTING_MESSAGES[404])
    token = state.token(request.headers.get("X-Auth-Token", ""))
    if token is None or token.tenant_id != g.tenant:
        return keystone_error(401, KEYSTONE_UNAUTHORIZED)
    g.user_id = state.accounts[token.username].user_id
    g.request_id = f"req-{uuid.uuid4()}"
    return None


@blueprint.after_request
def _request_id_header(response):
    """Nova names each request (os-instance-actions lists them by it)."""
    if "request_id" in g:
        response.headers["X-Compute-Request-Id"] = g.request_id
    return response


# links

def endpoint():
    return f"{request.host_url}regions/{g.region}/compute/v2/{g.tenant}"


def bookmark(collection, item_id):
    """Nova's bookmark link: the endpoint without its version."""
    return {"href": f"{request.host_url}regions/{g.region}/compute/{g.tenant}/{collection}/{item_id}", "rel": "bookmark"}


def links(collection, item_id):
    return [{"href": f"{endpoint()}/{collection}/{item_id}", "rel": "self"}, bookmark(collection, item_id)]


def summary(collection, item_id, name):
    return {"id": item_id, "name": name, "links": links(collection, item_id)}


# servers

def server_view(server):
    """A server as GET /servers/<id> shows it (Rackspace: the extended status and disk config extensions are always on)."""
    addresses = server.addresses()
    access_ipv4, access_ipv6 = server.access_addresses()
    body = {"id": server.id, "name": server.name, "status": server.status, "tenant_id": server.tenant_id, "user_id": server.user_id,
            "metadata": dict(server.metadata), "hostId": server.host_id,
            "image": "" if server.boot_from_volume else {"id": server.image_id, "links": [bookmark("images", server.image_id)]},
            "flavor": {"id": server.flavor_id, "links": [bookmark("flavors", server.flavor_id)]},
            "created": server.created, "updated": server.updated, "addresses": addresses,
            "accessIPv4": access_ipv4, "accessIPv6": access_ipv6, "links": links("servers", server.id),
            "OS-DCF:diskConfig": server.disk_config, "OS-EXT-STS:task_state": server.task_state, "OS-EXT-STS:vm_state": server.vm_state,
            "OS-EXT-STS:power_state": server.power_state, "key_name": server.key_name, "config_drive": "True" if server.config_drive else ""}
    if server.status in PROGRESS_STATUSES:
        body["progress"] = server.progress if server.progress is not None else (100 if server.status == "ACTIVE" else 0)
    if server.status in FAULT_STATUSES and server.fault:
        body["fault"] = dict(server.fault)
    return body


def _last_segment(reference):
    """An id from an id or a link, as Nova accepts both in filters."""
    return reference.rsplit("/", 1)[-1]


def _name_pattern(expression):
    """Nova matches ``name`` as a regular expression, with MySQL's REGEXP: anywhere in the name, ignoring case."""
    try:
        return re.compile(expression, re.IGNORECASE)
    except re.error:
        raise ComputeError(500, INTERNAL_ERROR) from None  # the database refuses the expression


def _listed_servers():
    """The tenant's servers in the region that the query's filters keep, newest first; unknown filters are ignored, as in Nova."""
    args = request.args
    servers = [server for server in current_state().servers[g.region].values() if server.tenant_id == g.tenant]
    if "name" in args:
        pattern = _name_pattern(args["name"])
        servers = [server for server in servers if pattern.search(server.name)]
    if "status" in args:
        servers = [server for server in servers if server.status == args["status"].strip().upper()]
    if "image" in args:
        servers = [server for server in servers if server.image_id == _last_segment(args["image"])]
    if "flavor" in args:
        servers = [server for server in servers if server.flavor_id == _last_segment(args["flavor"])]
    return sorted(servers, key=lambda server: (server.created, server.id), reverse=True)


def owned_server(server_id):
    server = current_state().servers[g.region].get(server_id)
    if server is None or server.tenant_id != g.tenant:
        raise ComputeError(404, SERVER_NOT_FOUND)
    return server


@blueprint.get("/servers")
def list_servers():
    with current_state().lock:
        return json_response({"servers": [summary("servers", server.id, server.name) for server in _listed_servers()]})


@blueprint.get("/servers/detail")
def list_servers_detail():
    with current_state().lock:
        return json_response({"servers": [server_view(server) for server in _listed_servers()]})


@blueprint.get("/servers/<server_id>")
def show_server(server_id):
    with current_state().lock:
        return json_response({"server": server_view(owned_server(server_id))})


@blueprint.get("/limits")
def limits():
    with current_state().lock:
        used = sum(1 for server in current_state().servers[g.region].values() if server.tenant_id == g.tenant)
    return json_response({"limits": {"rate": rate_limits.limits_view(current_state(), g.tenant), "absolute": {"maxImageMeta": MAX_IMAGE_META, "maxServerMeta": 40, "maxPersonality": 5,
                                                              "maxPersonalitySize": 1000, "maxTotalInstances": 100,
                                                              "totalInstancesUsed": used}}})


# POST /servers/<id>/action

def _action_body():
    """``(action, argument)`` of an action request: a JSON object with exactly one key (nova.api.openstack.wsgi.action_peek_json)."""
    try:
        body = json.loads(request.get_data())
    except ValueError:
        body = None
    if not isinstance(body, dict) or len(body) != 1:
        raise ComputeError(400, "Malformed request body")
    return next(iter(body.items()))


def _image_metadata(entity):
    """The createImage metadata, checked as nova.api.openstack.common.check_img_metadata_properties_quota does (legacy v2: 413)."""
    metadata = entity.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ComputeError(400, "Invalid metadata")
    if len(metadata) > MAX_IMAGE_META:
        raise ComputeError(413, "Image metadata limit exceeded", retry_after=0)
    for key in metadata:
        if not key:
            raise ComputeError(400, "Image metadata key cannot be blank")
        if len(key) > 255:
            raise ComputeError(400, "Image metadata key too long")
    # Nova hands them to Glance v1 as headers: every value arrives as text.
    return {key: value if isinstance(value, str) else str(value) for key, value in metadata.items()}


def conflict(action, server, attribute, value):
    """nova.api.openstack.common.raise_http_conflict_for_instance_invalid_state"""
    return ComputeError(409, f"Cannot '{action}' instance {server.id} while it is in {attribute} {value}")


def _create_image(server_id, entity):
    entity = entity if isinstance(entity, dict) else {}
    name = entity.get("name")
    if not name or not isinstance(name, str):
        raise ComputeError(400, "createImage entity requires name attribute")
    metadata = _image_metadata(entity)
    state = current_state()
    with state.lock:
        server = owned_server(server_id)
        if server.boot_from_volume:
            raise ComputeError(400, BOOT_FROM_VOLUME)
        if server.vm_state not in SNAPSHOT_VM_STATES:
            raise conflict("createImage", server, "vm_state", server.vm_state)
        if server.task_state is not None:
            raise conflict("createImage", server, "task_state", server.task_state)
        limit = state.config["images_per_host_group"]
        if limit is not None and state.images_in_progress(g.region, server.host_group) >= limit:
            raise ComputeError(413, f"Too many images are being created on the host of server {server.id}; retry later.",
                               retry_after=state.config["overlimit_retry_after"])
        image = state.start_snapshot(server, name, metadata)
    return "", 202, {"Location": f"{endpoint()}/images/{image['id']}"}


# action name -> handler(server_id, argument); compute_servers.py adds the lifecycle actions (app.py routes its blueprint here)
ACTIONS = {"createImage": _create_image}


@blueprint.post("/servers/<server_id>/action")
def server_action(server_id):
    action, argument = _action_body()
    if action not in ACTIONS:
        raise ComputeError(400, f"There is no such action: {action}")
    return ACTIONS[action](server_id, argument)


# Nova's images API: a view of the Glance store

def _image_view(image):
    state = current_state()
    metadata = {key: value for key, value in image.items() if key not in CORE_ATTRIBUTES}
    alternate = {"href": f"{request.host_url}regions/{g.region}/image/v2/images/{image['id']}", "rel": "alternate",
                 "type": "application/vnd.openstack.image"}
    body = {"id": image["id"], "name": image["name"], "minRam": int(image.get("min_ram") or 0), "minDisk": int(image.get("min_disk") or 0),
            "metadata": metadata, "created": image["created_at"], "updated": image["updated_at"],
            "status": IMAGE_STATUSES.get(image["status"], "UNKNOWN"), "progress": state.snapshot_progress(image),
            "links": links("images", image["id"]) + [alternate], "OS-EXT-IMG-SIZE:size": image.get("size"),
            "OS-DCF:diskConfig": "AUTO" if str(metadata.get("auto_disk_config")).lower() in ("true", "1", "yes") else "MANUAL"}
    instance_uuid = metadata.get("instance_uuid")
    if instance_uuid is not None:
        body["server"] = {"id": instance_uuid, "links": links("servers", instance_uuid)}
    return body


def _image_matches(image, key, value):
    """One filter of nova.api.openstack.compute.images.SUPPORTED_FILTERS, as Nova passes it on to Glance; others are ignored.

    ``status`` is lowered to a Glance status (so SAVING finds ``saving`` images, not ``queued`` ones); ``type`` compares
    without case, as Rackspace's MySQL-backed Glance does (``type=SNAPSHOT`` finds ``image_type: snapshot``).
    """
    if key == "name":
        return image.get("name") == value
    if key == "status":
        return image["status"] == value.lower()
    if key == "server":
        return image.get("instance_uuid") == _last_segment(value)
    if key == "type":
        return str(image.get("image_type", "")).lower() == value.lower()
    return True


def _listed_images():
    params = list(request.args.items(multi=True))
    return [image for image in default_listing(g.region, g.tenant) if all(_image_matches(image, key, value) for key, value in params)]


def _visible_image(image_id):
    state = current_state()
    image = state.image(g.region, image_id)
    if image is None or not state.visible(image, g.tenant):
        raise ComputeError(404, IMAGE_NOT_FOUND)
    return image


@blueprint.get("/images")
def list_images():
    with current_state().lock:
        return json_response({"images": [summary("images", image["id"], image["name"]) for image in _listed_images()]})


@blueprint.get("/images/detail")
def list_images_detail():
    with current_state().lock:
        return json_response({"images": [_image_view(image) for image in _listed_images()]})


@blueprint.get("/images/<image_id>")
def show_image(image_id):
    with current_state().lock:
        return json_response({"image": _image_view(_visible_image(image_id))})


@blueprint.delete("/images/<image_id>")
def delete_image(image_id):
    """Glance refuses others' and protected images with 403, which Nova reports in its own words."""
    state = current_state()
    with state.lock:
        image = _visible_image(image_id)
        if image["owner"] != g.tenant or image["protected"]:
            raise ComputeError(403, "You are not allowed to delete the image.")
        state.delete_image(g.region, image_id)
    return "", 204

