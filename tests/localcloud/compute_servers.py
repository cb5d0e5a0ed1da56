"""The server lifecycle on the compute endpoint: create, delete, and the rebuild, os-stop, os-start and
os-getConsoleOutput actions, plus os-instance-actions (routed on compute.py's blueprint by app.py).

Shapes and messages: Rackspace Cloud Servers v2 (docs-cloud-servers) and legacy Nova v2 (nova/api/openstack/compute/
legacy_v2/servers.py, nova/exception.py), as collected in /work/shared/reference/restore-and-verify.md §1.1-1.4. A request
with a microversion header (``X-OpenStack-Nova-API-Version`` or ``OpenStack-API-Version: compute``) may send the rebuild
fields of later microversions; without one the API is Rackspace's, and unknown rebuild keys get its 422.
"""

import base64
import binascii
import ipaddress
import secrets
import uuid

from flask import Blueprint, g, request

from . import compute, server_jobs
from .errors import json_response
from .flavors import FLAVORS, check_image_fits
from .keypairs import user_keypairs
from .state import current_state

blueprint = Blueprint("servers", __name__)

PUBLIC_NET = "00000000-0000-0000-0000-000000000000"  # Rackspace PublicNet, label "public"
SERVICE_NET = "11111111-1111-1111-1111-111111111111"  # ServiceNet, label "private"
NETWORK_LABELS = {PUBLIC_NET: "public", SERVICE_NET: "private"}
MAX_SERVER_META = 40
MAX_PERSONALITY = 5
MAX_PERSONALITY_SIZE = 1000
MAX_USER_DATA = 65535
MAX_INSTANCES = 100
UNPROCESSABLE = "Unable to process the contained instructions"  # legacy v2 (and Rackspace) 422
# Rebuild fields: Rackspace / v2.0, then those later microversions add (nova servers.py _rebuild schemas).
REBUILD_FIELDS = ("imageRef", "name", "adminPass", "metadata", "personality", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig",
                  "preserve_ephemeral")
REBUILD_FIELDS_FROM = {"description": (2, 19), "key_name": (2, 54), "user_data": (2, 57)}
REBUILD_VM_STATES = ("active", "stopped", "error")
BOOLEAN_TRUE = ("true", "1", "yes", "y", "t", "on")


def microversion():
    """The compute microversion the request asks for, ``(2, 0)`` without one (Rackspace has none)."""
    text = request.headers.get("X-OpenStack-Nova-API-Version")
    header = request.headers.get("OpenStack-API-Version", "")
    if text is None and header.lower().startswith("compute "):
        text = header.split(None, 1)[1]
    if text is None:
        return (2, 0)
    if text.strip().lower() == "latest":
        return (2, 96)
    try:
        major, minor = (int(part) for part in text.strip().split("."))
    except ValueError:
        raise compute.ComputeError(400, f"Invalid format for API version: {text}. Must be 'X.Y' where X and Y are numbers.") from None
    return (major, minor)


def _last_segment(reference):
    return reference.rstrip("/").rsplit("/", 1)[-1] if isinstance(reference, str) else None


def _is_uuid(text):
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


# request checks shared by create and rebuild

def _name(value):
    """nova.utils.check_string_length for the server name."""
    if not isinstance(value, str):
        raise compute.ComputeError(400, "Server name is not a string or unicode")
    if not value.strip():
        raise compute.ComputeError(400, "Server name is an empty string")
    if len(value) > 255:
        raise compute.ComputeError(400, "Server name has more than 255 characters.")
    return value


def _metadata(value):
    """nova.compute.api._check_metadata_properties_quota: at most maxServerMeta items, keys and values of 1-255 characters."""
    if not isinstance(value, dict):
        raise compute.ComputeError(400, "Invalid metadata")
    if len(value) > MAX_SERVER_META:
        raise compute.ComputeError(403, f"Maximum number of metadata items exceeds {MAX_SERVER_META}")
    for key, item in value.items():
        if not key:
            raise compute.ComputeError(400, "Metadata property key blank.")
        if not isinstance(item, str):
            raise compute.ComputeError(400, f"Metadata property value {item} for key {key} is not a string.")
        if len(key) > 255:
            raise compute.ComputeError(413, "Metadata property key greater than 255 characters.")
        if len(item) > 255:
            raise compute.ComputeError(413, "Metadata property value greater than 255 characters.")
    return dict(value)


def _personality(value):
    """Rackspace's maxPersonality files of at most maxPersonalitySize bytes, contents in base64 (legacy v2 texts)."""
    if not isinstance(value, list):
        raise compute.ComputeError(400, "Invalid personality")
    if len(value) > MAX_PERSONALITY:
        raise compute.ComputeError(413, "Personality file limit exceeded")
    files = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or "contents" not in entry:
            raise compute.ComputeError(400, "Bad personality format")
        if len(entry["path"]) > 255:
            raise compute.ComputeError(413, "Personality file path too long")
        try:
            contents = base64.b64decode(str(entry["contents"]), validate=True)
        except (binascii.Error, ValueError):
            raise compute.ComputeError(400, f"Personality content for {entry['path']} cannot be decoded") from None
        if len(contents) > MAX_PERSONALITY_SIZE:
            raise compute.ComputeError(413, "Personality file content too long")
        files.append(entry["path"])
    return files


def _user_data(value):
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_USER_DATA:
        length = len(value) if isinstance(value, str) else 0
        raise compute.ComputeError(400, "User data too large. User data must be no larger than 65535 bytes once base64 encoded. "
                                        f"Your data is {length} bytes")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise compute.ComputeError(400, "Userdata content cannot be decoded") from None
    return value


def _access_ip(value, version):
    try:
        if ipaddress.ip_address(value).version == version:
            return value
    except ValueError:
        pass
    raise compute.ComputeError(400, f"accessIPv{version} is not proper IPv{version} format")


def _image(image_ref, message):
    """The image a request names (an id or a link) if the caller may boot it: owner, public or any member status (Rackspace)."""
    state = current_state()
    image_id = _last_segment(image_ref)
    if not image_id or not _is_uuid(image_id):
        raise compute.ComputeError(400, "Invalid imageRef provided.")
    image = state.image(g.region, image_id)
    if image is None or not state.visible(image, g.tenant):
        raise compute.ComputeError(400, message)
    return image


def _disk_config(entity, image):
    """OS-DCF:diskConfig: as asked (AUTO refused for ``auto_disk_config: disabled`` images), else from the image."""
    setting = str(image.get("auto_disk_config", "")).lower() if image else ""
    if "OS-DCF:diskConfig" not in entity:
        return "AUTO" if setting in ("true", "1", "yes") else "MANUAL"
    value = entity["OS-DCF:diskConfig"]
    if value not in ("AUTO", "MANUAL"):
        raise compute.ComputeError(400, "OS-DCF:diskConfig must be either 'MANUAL' or 'AUTO'.")
    if value == "AUTO" and setting == "disabled":
        raise compute.ComputeError(400, f"Requested image {image['id']} has automatic disk resize disabled.")
    return value


def _key(name):
    """``(key_name, public_key)`` of the caller's key pair in this region; 400 if there is none of that name."""
    if name is None:
        return None, None
    record = user_keypairs(current_state(), g.region, g.user_id).get(name) if isinstance(name, str) else None
    if record is None:
        raise compute.ComputeError(400, "Invalid key_name provided.")
    return name, record["public_key"]


def _networks(value):
    """The labels of the requested networks; both Rackspace networks when none are named."""
    if value is None:
        return ("public", "private")
    if not isinstance(value, list):
        raise compute.ComputeError(400, "Bad networks format")
    labels = []
    for entry in value:
        if not isinstance(entry, dict):
            raise compute.ComputeError(400, "Bad networks format")
        if "port" in entry:
            raise compute.ComputeError(400, f"Port {entry['port']} could not be found.")
        network = entry.get("uuid")
        if not isinstance(network, str) or not _is_uuid(network):
            raise compute.ComputeError(400, f"Bad networks format: network uuid is not in proper format ({network})")
        if network not in NETWORK_LABELS:
            raise compute.ComputeError(400, f"Network {network} could not be found.")
        if NETWORK_LABELS[network] in labels:
            raise compute.ComputeError(400, f"Duplicate networks ({network}) are not allowed")
        labels.append(NETWORK_LABELS[network])
    return tuple(labels)


def _boot_volume_image(entity):
    """The image of a boot-from-volume request (``imageRef`` empty, block_device_mapping_v2 boot_index 0), or None."""
    mappings = entity.get("block_device_mapping_v2")
    if entity.get("imageRef") or not isinstance(mappings, list):
        return None
    boot = next((mapping for mapping in mappings if isinstance(mapping, dict) and str(mapping.get("boot_index")) == "0"), None)
    if boot is None:
        raise compute.ComputeError(400, "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device "
                                        "mapping combination is not valid.")
    if boot.get("source_type") != "image":
        return {}  # a volume or snapshot: nothing to check against the flavor here
    return _image(boot.get("uuid"), "Can not find requested image")


def _boot_behaviour(image):
    behaviour = str(image.get("localcloud_boot", "ok")) if image else "ok"
    return behaviour if behaviour in server_jobs.BOOT_BEHAVIOURS else "ok"


# create and delete

@blueprint.post("/servers")
def create_server():
    body = request.get_json(silent=True)
    entity = body.get("server") if isinstance(body, dict) else None
    if not isinstance(entity, dict):
        raise compute.ComputeError(422, UNPROCESSABLE)
    if "name" not in entity:
        raise compute.ComputeError(400, "Server name is not defined")
    name = _name(entity["name"])
    if "flavorRef" not in entity:
        raise compute.ComputeError(400, "Missing flavorRef attribute")
    flavor = FLAVORS.get(_last_segment(entity["flavorRef"]))
    if flavor is None:
        raise compute.ComputeError(400, "Invalid flavorRef provided.")
    volume_image = _boot_volume_image(entity)
    boot_from_volume = volume_image is not None
    image = volume_image if boot_from_volume else _image(entity.get("imageRef"), "Can not find requested image")
    networks = _networks(entity.get("networks"))
    metadata = _metadata(entity.get("metadata", {}))
    _personality(entity.get("personality", []))
    user_data = _user_data(entity.get("user_data"))
    disk_config = _disk_config(entity, image)
    access = {version: _access_ip(entity[f"accessIPv{version}"], version) for version in (4, 6) if entity.get(f"accessIPv{version}")}
    if image:
        check_image_fits(flavor, image, boot_from_volume)
    state = current_state()
    with state.lock:
        key_name, public_key = _key(entity.get("key_name"))
        used = sum(1 for server in state.servers[g.region].values() if server.tenant_id == g.tenant)
        if used >= MAX_INSTANCES:
            raise compute.ComputeError(403, f"Quota exceeded for instances: Requested 1, but already used {used} of {MAX_INSTANCES} instances")
        server = state.add_server(g.region, g.tenant, name, image_id=None if boot_from_volume else image["id"], boot_from_volume=boot_from_volume,
                                  status="BUILD", metadata=metadata, flavor=flavor["id"], disk_config=disk_config)
        server.networks = networks
        server.guest_address = state.guests.allocate_address()
        server.key_name, server.public_key = key_name, public_key
        server.config_drive = str(entity.get("config_drive", "")).lower() in BOOLEAN_TRUE
        server.user_data = user_data
        server.access_ipv4, server.access_ipv6 = access.get(4), access.get(6)
        server.boot = _boot_behaviour(image)
        server_jobs.start_job(state, server, "build", g.request_id, image_id=(image or {}).get("id", ""))
        server_id = server.id
    location = f"{compute.endpoint()}/servers/{server_id}"
    return json_response({"server": {"id": server_id, "links": compute.links("servers", server_id), "adminPass": secrets.token_urlsafe(9),
                                     "OS-DCF:diskConfig": disk_config}}, 202, {"Location": location})


@blueprint.delete("/servers/<server_id>")
def delete_server(server_id):
    state = current_state()
    with state.lock:
        server = compute.owned_server(server_id)
        if server.task_state != "deleting":
            server_jobs.start_job(state, server, "delete", g.request_id)
    return "", 204


# actions

def _rebuild(server_id, entity):
    if not isinstance(entity, dict):
        raise compute.ComputeError(422, UNPROCESSABLE)
    version = microversion()
    allowed = REBUILD_FIELDS + tuple(key for key, since in REBUILD_FIELDS_FROM.items() if version >= since)
    unknown = sorted(set(entity) - set(allowed))
    if unknown and version == (2, 0):
        raise compute.ComputeError(422, UNPROCESSABLE)
    if unknown:
        raise compute.ComputeError(400, f"Additional properties are not allowed ('{unknown[0]}' was unexpected)")
    if "imageRef" not in entity:
        raise compute.ComputeError(400, "Could not parse imageRef from request.")
    image = _image(entity["imageRef"], "Cannot find image for rebuild")
    name = _name(entity["name"]) if "name" in entity else None
    metadata = _metadata(entity["metadata"]) if "metadata" in entity else None
    _personality(entity.get("personality", []))
    access = {version: _access_ip(entity[f"accessIPv{version}"], version) for version in (4, 6) if f"accessIPv{version}" in entity}
    disk_config = _disk_config(entity, image) if "OS-DCF:diskConfig" in entity else None
    user_data = _user_data(entity["user_data"]) if "user_data" in entity else None
    admin_pass = entity.get("adminPass")
    if admin_pass is not None and not isinstance(admin_pass, str):
        raise compute.ComputeError(400, "adminPass is not a string")
    state = current_state()
    with state.lock:
        server = compute.owned_server(server_id)
        if server.vm_state not in REBUILD_VM_STATES:
            raise compute.conflict("rebuild", server, "vm_state", server.vm_state)
        if server.task_state is not None:
            raise compute.conflict("rebuild", server, "task_state", server.task_state)
        if server.flavor_id in FLAVORS:
            check_image_fits(FLAVORS[server.flavor_id], image, server.boot_from_volume)
        key = _key(entity["key_name"]) if "key_name" in entity else None
        server.image_id = image["id"]
        server.base_image = state.inherited_properties(g.region, image["id"])
        server.boot = _boot_behaviour(image)
        server.name = name if name is not None else server.name
        server.metadata = metadata if metadata is not None else server.metadata
        server.disk_config = disk_config or server.disk_config
        server.access_ipv4 = access.get(4, server.access_ipv4)
        server.access_ipv6 = access.get(6, server.access_ipv6)
        if key is not None:
            server.key_name, server.public_key = key
        if "user_data" in entity:
            server.user_data = user_data
        if "description" in entity:
            server.description = entity["description"]
        server_jobs.start_job(state, server, "rebuild", g.request_id, image_id=image["id"])
        view = compute.server_view(server)
    view["adminPass"] = admin_pass or secrets.token_urlsafe(9)
    return json_response({"server": view}, 202, {"Location": f"{compute.endpoint()}/servers/{server_id}"})


def _power(action, process, from_vm_states):
    def handler(server_id, _argument):
        state = current_state()
        with state.lock:
            server = compute.owned_server(server_id)
            if server.vm_state not in from_vm_states:
                raise compute.conflict(action, server, "vm_state", server.vm_state)
            if server.task_state is not None:
                raise compute.conflict(action, server, "task_state", server.task_state)
            server_jobs.start_job(state, server, process, g.request_id)
        return "", 202
    return handler


def _console_output(server_id, argument):
    """``{"length": N}`` (an integer or its text; -1 or none: everything) → the last N lines of the console."""
    length = argument.get("length") if isinstance(argument, dict) else None
    if length is not None:
        try:
            length = int(str(length))
        except ValueError:
            raise compute.ComputeError(400, f"Invalid input for field/attribute length. Value: {length}.") from None
    state = current_state()
    with state.lock:
        server = compute.owned_server(server_id)
        lines = server.console + [line for line in state.guests.log(server.id).splitlines() if line]
    if length is not None and length >= 0:
        lines = lines[len(lines) - length:] if length else []
    return json_response({"output": "".join(f"{line}\n" for line in lines)})


compute.ACTIONS.update({"rebuild": _rebuild, "os-stop": _power("stop", "stop", ("active", "error")),
                        "os-start": _power("start", "start", ("stopped",)), "os-getConsoleOutput": _console_output})


# os-instance-actions

def _action_summary(record):
    return {key: value for key, value in record.items() if key != "events"}


@blueprint.get("/servers/<server_id>/os-instance-actions")
def list_instance_actions(server_id):
    with current_state().lock:
        server = compute.owned_server(server_id)
        return json_response({"instanceActions": [_action_summary(record) for record in reversed(server.actions)]})


@blueprint.get("/servers/<server_id>/os-instance-actions/<request_id>")
def show_instance_action(server_id, request_id):
    with current_state().lock:
        server = compute.owned_server(server_id)
        record = next((record for record in server.actions if record["request_id"] == request_id), None)
        if record is None:
            raise compute.ComputeError(404, f"Action for request_id {request_id} on instance {server_id} not found")
        return json_response({"instanceAction": {**_action_summary(record), "events": [dict(event) for event in record["events"]]}})
