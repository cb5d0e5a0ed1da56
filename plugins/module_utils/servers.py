# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Servers from images: the checks before any POST (image, flavor, disk config, networks), deployments found by their
marker, rebuilds, and the waits that end only on a settled state.

The platform's rules are in /work/shared/reference/restore-and-verify.md (cited by section): §1.1 create, §1.2 rebuild,
§1.3 delete/flavors/image minimums, §5 the must-not-get-wrong list.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import re
import time

from ansible_collections.opencloud.images.plugins.module_utils.compute import TASK_STATE, boots_from_volume
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, WaitError, WaitTimeout
from ansible_collections.opencloud.images.plugins.module_utils.images import MAX_TEXT, looks_like_id, only_one
from ansible_collections.opencloud.images.plugins.module_utils.markers import DEPLOYMENT, MARKER_PREFIX
from ansible_collections.opencloud.images.plugins.module_utils.retention import LATEST_VERIFIED, latest_verified
from ansible_collections.opencloud.images.plugins.module_utils.waiting import wait_for

GIB = 1024 ** 3
# Rackspace's network ids (§1.1): PublicNet is listed as "public", ServiceNet as "private".
PUBLIC_NET = "00000000-0000-0000-0000-000000000000"
SERVICE_NET = "11111111-1111-1111-1111-111111111111"
NETWORK_ALIASES = {"public": PUBLIC_NET, "publicnet": PUBLIC_NET, "servicenet": SERVICE_NET}
DISK_CONFIGS = ("AUTO", "MANUAL")
DISK_CONFIG = "OS-DCF:diskConfig"
FLAVOR_EXTRA_SPECS = "OS-FLV-WITH-EXT-SPECS:extra_specs"  # Rackspace; upstream shows extra_specs only from 2.61
# Rackspace's work-optimized classes boot only PVHVM images ("Image cannot be built with provided flavor.", §1.3).
PVHVM_ONLY_CLASSES = ("compute1", "io1", "memory1")
MAX_SERVER_METADATA = 40  # Rackspace's maxServerMeta (§1.1)
MAX_USER_DATA = 65535  # bytes of base64 (§1.1)
REBUILDABLE_STATUSES = ("ACTIVE", "SHUTOFF", "ERROR")  # Nova's check_instance_state on rebuild (§1.2)


# -- the image and the flavor -------------------------------------------------------------------------------------
def bootable_image(images, reference, option="image"):
    """The one active image with this id or name; anything else is refused naming ``option``, before any POST."""
    if not (reference or "").strip():
        raise ConfigError("%s must not be empty: give the id or name of an image." % option, option=option)
    image = only_one(images.find(reference), reference, option)
    if image is None:
        raise ConfigError("No image with id or name '%s' (in your account, shared with it, or public)." % reference,
                          option=option)
    if image.get("status") != "active":
        raise ConfigError("Image %s (%s) is %s, not active: a server cannot be built from it%s." % (
            image.get("name"), image["id"], image.get("status"),
            " yet (wait for it with opencloud.images.image_create)" if image.get("status") in ("queued", "saving") else ""),
            option=option)
    return image


def flavor_class(flavor):
    return (flavor.get(FLAVOR_EXTRA_SPECS) or flavor.get("extra_specs") or {}).get("class")


def class_allowed(rule, klass):
    """Rackspace's image property ``flavor_classes`` (e.g. ``*,!onmetal``): ``*`` allows every class, ``!x`` forbids x."""
    if not rule or not klass:
        return True
    items = [item.strip() for item in str(rule).split(",") if item.strip()]
    if "!" + klass in items:
        return False
    return "*" in items or klass in items


def _number(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def unfit_reasons(flavor, image):
    """Why Nova would refuse this flavor for this image (400 at create and rebuild, §1.3); empty when it fits."""
    reasons = []
    disk, ram = _number(flavor.get("disk")), _number(flavor.get("ram"))
    if disk == 0:
        reasons.append("its root disk is 0 GB, so it boots only from a volume (Rackspace Compute and Memory flavors), "
                       "which this collection does not create")
    else:
        if _number(image.get("min_disk")) > disk:
            reasons.append("its disk (%d GB) is smaller than the image's min_disk (%s GB)" % (disk, image.get("min_disk")))
        if _number(image.get("size")) > disk * GIB:
            reasons.append("its disk (%d GB) is smaller than the image (%d bytes)" % (disk, _number(image.get("size"))))
    if _number(image.get("min_ram")) > ram:
        reasons.append("its memory (%d MB) is less than the image's min_ram (%s MB)" % (ram, image.get("min_ram")))
    klass = flavor_class(flavor)
    if not class_allowed(image.get("flavor_classes"), klass):
        reasons.append("its class %s is not in the image's flavor_classes (%s)" % (klass, image.get("flavor_classes")))
    if klass in PVHVM_ONLY_CLASSES and image.get("vm_mode") and image.get("vm_mode") != "hvm":
        reasons.append("its class %s boots only PVHVM images (vm_mode hvm), and this image's vm_mode is %s"
                       % (klass, image.get("vm_mode")))
    return reasons


def flavor_size(flavor):
    return (_number(flavor.get("ram")), _number(flavor.get("disk")), _number(flavor.get("vcpus")), str(flavor.get("name")))


def choose_flavor(flavors, image, wanted=None, option="flavor"):
    """The flavor ``wanted`` (id or name) if it can boot the image, else the smallest that can; checked before any POST."""
    flavors = [flavor for flavor in flavors if not flavor.get("OS-FLV-DISABLED:disabled")]
    fitting = sorted((flavor for flavor in flavors if not unfit_reasons(flavor, image)), key=flavor_size)
    smallest = ("The smallest flavor that fits is %s (%s)." % (fitting[0]["id"], fitting[0].get("name"))
                if fitting else "No flavor of this account fits it.")
    if wanted is None:
        if not fitting:
            raise ConfigError("No flavor can boot image %s (min_disk %s GB, min_ram %s MB, %s bytes, flavor_classes %s)."
                              % (image["id"], image.get("min_disk"), image.get("min_ram"), image.get("size"),
                                 image.get("flavor_classes")), option=option)
        return fitting[0]
    matches = [flavor for flavor in flavors if str(flavor["id"]) == str(wanted)] or \
        [flavor for flavor in flavors if flavor.get("name") == wanted]
    if not matches:
        raise ConfigError("No flavor with id or name '%s' (disabled flavors left out). %s" % (wanted, smallest), option=option)
    reasons = unfit_reasons(matches[0], image)
    if reasons:
        raise ConfigError("Flavor %s cannot boot image %s: %s. %s" % (wanted, image["id"], "; ".join(reasons), smallest),
                          option=option)
    return matches[0]


def check_disk_config(disk_config, image, option="disk_config"):
    """An image with ``auto_disk_config`` ``disabled`` refuses AUTO (Nova's AutoDiskConfigDisabledByImage, 400; §1.1)."""
    if disk_config == "AUTO" and str(image.get("auto_disk_config") or "").strip().lower() == "disabled":
        raise ConfigError("disk_config AUTO is refused for image %s: its auto_disk_config is 'disabled' (PVHVM images "
                          "cannot be resized automatically). Use MANUAL, or leave disk_config out." % image["id"],
                          option=option)


# -- the request --------------------------------------------------------------------------------------------------
def resolve_networks(wanted, available):
    """(``networks`` for POST /servers, a warning or None). ``public``/``servicenet`` are Rackspace's PublicNet and
    ServiceNet; other entries are ids or labels of ``available``. None when ``wanted`` is None (the cloud's default:
    Rackspace attaches PublicNet and ServiceNet)."""
    if wanted is None:
        return None, None
    by_label = dict((network.get("label"), network["id"]) for network in available)
    ids = set(network["id"] for network in available)
    uuids = []
    for entry in wanted:
        key = str(entry).strip()
        if key.lower() in NETWORK_ALIASES:
            uuids.append(NETWORK_ALIASES[key.lower()])
        elif key in ids or key in by_label:
            uuids.append(key if key in ids else by_label[key])
        elif looks_like_id(key) and not available:
            uuids.append(key)  # the cloud lists no networks: the id is Nova's to check
        else:
            raise ConfigError("networks: no network '%s'. Known: public, servicenet%s." % (
                key, "".join(", %s (%s)" % (n.get("label"), n["id"]) for n in available)), option="networks")
    warning = None
    if not set(uuids) & set((PUBLIC_NET, SERVICE_NET)):
        warning = ("networks lists neither public nor servicenet: on Rackspace the servers get neither (both are attached "
                   "only when networks is left out or names them), and RackConnect accounts are refused.")
    return [{"uuid": uuid} for uuid in dict.fromkeys(uuids)], warning


def encode_user_data(user_data, option="user_data"):
    """Nova takes user_data as base64, at most 65535 bytes of it (§1.1)."""
    if user_data is None:
        return None
    encoded = base64.b64encode(user_data.encode("utf-8")).decode("ascii")
    if len(encoded) > MAX_USER_DATA:
        raise ConfigError("user_data is %d bytes once base64-encoded; the platform takes at most %d." % (len(encoded), MAX_USER_DATA),
                          option=option)
    return encoded


def check_metadata(metadata, reserved, option="metadata"):
    """Server metadata as text: at most 40 items with the collection's ``reserved`` markers, 255 characters each."""
    metadata = metadata or {}
    if len(metadata) + reserved > MAX_SERVER_METADATA:
        raise ConfigError("metadata has %d items; the platform allows %d per server and this collection uses %d, so at most %d."
                          % (len(metadata), MAX_SERVER_METADATA, reserved, MAX_SERVER_METADATA - reserved), option=option)
    for key, value in metadata.items():
        if key.startswith(MARKER_PREFIX) or isinstance(value, (dict, list)) or value is None:
            raise ConfigError("metadata.%s: values must be text, and the opencloud.images.* keys are the collection's own."
                              % key, option=option)
        if len(key) > MAX_TEXT or len(str(value)) > MAX_TEXT:
            raise ConfigError("metadata.%s: keys and values take at most %d characters." % (key[:40], MAX_TEXT), option=option)
    return dict((key, str(value)) for key, value in metadata.items())


def server_body(name, image_id, flavor_id, metadata, networks=None, key_name=None, config_drive=None, user_data=None,
                disk_config=None):
    """The body of POST /servers: only the fields given (§1.1)."""
    body = {"name": name, "imageRef": image_id, "flavorRef": str(flavor_id), "metadata": metadata}
    for key, value in (("networks", networks), ("key_name", key_name), ("config_drive", config_drive),
                       ("user_data", user_data), (DISK_CONFIG, disk_config)):
        if value is not None:
            body[key] = value
    return body


def summary(server):
    """What a play needs of a server: id, name, state, addresses, image and flavor ids."""
    image = server.get("image")
    return {"id": server["id"], "name": server.get("name"), "status": server.get("status"),
            "task_state": server.get(TASK_STATE), "addresses": server.get("addresses") or {},
            "access_ipv4": server.get("accessIPv4") or None, "access_ipv6": server.get("accessIPv6") or None,
            "image_id": image.get("id") if isinstance(image, dict) else None,
            "flavor_id": (server.get("flavor") or {}).get("id"), "metadata": server.get("metadata") or {}}


def image_brief(image):
    return {"id": image["id"], "name": image.get("name"), "min_disk": image.get("min_disk"), "min_ram": image.get("min_ram")}


def flavor_brief(flavor):
    return {"id": flavor["id"], "name": flavor.get("name"), "ram": flavor.get("ram"), "disk": flavor.get("disk"),
            "vcpus": flavor.get("vcpus")}


# -- waits ----------------------------------------------------------------------------------------------------------
def describe_server(server):
    if not isinstance(server, dict):
        return "server gone" if server is None else str(server)
    return "server %s (%s) status %s, task_state %s, progress %s" % (
        server.get("name"), server.get("id"), server.get("status"), server.get(TASK_STATE), server.get("progress"))


def fault_text(server):
    fault = (server or {}).get("fault") or {}
    if not fault:
        return "no fault recorded"
    return "fault %s: %s" % (fault.get("code"), fault.get("message") or "no message")


class ServerWaiter:
    """The waits on servers, on one clock: settled (a target status with no task_state, ERROR failing at once with the
    server's fault, as tempest's waiter does, §2.1), and gone (404)."""

    def __init__(self, compute, timeout=1200, poll_interval=5, max_poll_interval=30, clock=time.monotonic, sleep=time.sleep):
        self.compute = compute
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.clock = clock
        self.sleep = sleep

    def settled(self, server_id, targets=("ACTIVE",), ready=None, timeout=None):
        """The server once its status is one of ``targets`` and its task_state is cleared (and ``ready(server)`` holds)."""
        def done(server):
            is_ready = ready is None or ready(server)  # sees every poll (a REBUILD on the way, say)
            return server.get("status") in targets and not server.get(TASK_STATE) and is_ready

        def failed(server):
            if server.get("status") == "ERROR" and not server.get(TASK_STATE):
                return "the server went to ERROR (%s)" % fault_text(server)
            return None
        return self._wait(lambda: self.compute.get_server(server_id), done, failed, timeout).state

    def gone(self, server_id, timeout=None):
        """Wait until the server is gone (404, or status DELETED)."""
        self._wait(lambda: self.compute.server_or_none(server_id),
                   lambda server: server is None or server.get("status") in ("DELETED", "SOFT_DELETED"), None, timeout)

    def _wait(self, poll, done, failed, timeout):
        return wait_for(poll, done, failed=failed, timeout=self.timeout if timeout is None else timeout,
                        interval=self.poll_interval, max_interval=self.max_poll_interval, describe=describe_server,
                        clock=self.clock, sleep=self.sleep)


# -- deployments ----------------------------------------------------------------------------------------------------
def deployment_names(count, names, name):
    """The wanted server names: ``names`` as given, or ``count`` of ``<name>-<n>``; each error names its option."""
    if names is not None:
        if not names or any(not str(n).strip() for n in names):
            raise ConfigError("names must be a non-empty list of non-empty server names.", option="names")
        if len(set(names)) != len(names):
            raise ConfigError("names lists a name twice: %s." % ", ".join(sorted(set(n for n in names if names.count(n) > 1))),
                              option="names")
        for one in names:
            if len(one) > MAX_TEXT:
                raise ConfigError("names: '%s...' is longer than %d characters." % (one[:40], MAX_TEXT), option="names")
        return list(names)
    if count is None or count < 0:
        raise ConfigError("count must be 0 or more, not %s." % count, option="count")
    return None


def age_order(server):
    """Oldest first; servers made in the same second (``created`` has seconds) by their names' numbers (web-2 before
    web-10), so that scaling down deletes the newest and the highest-numbered."""
    name = server.get("name") or ""
    return (server.get("created") or "", [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)],
            server["id"])


def plan_deployment(members, count=None, names=None, name=None):
    """(names to create, servers to delete, servers to keep) to bring the servers carrying the deployment's marker to
    exactly ``names``, or to ``count`` servers named ``<name>-<n>``. A server in ERROR is replaced, never kept.

    Servers are found by the marker, never by name: a server of the same name without the marker is not this
    deployment's (names are not unique in Nova, §5 #7)."""
    live = sorted((s for s in members if s.get("status") not in ("DELETED", "SOFT_DELETED")), key=age_order)
    healthy = [s for s in live if s.get("status") != "ERROR"]
    if names is not None:
        keep, seen = [], set()
        for server in healthy:
            if server.get("name") in names and server.get("name") not in seen:
                keep.append(server)
                seen.add(server.get("name"))
        create = [n for n in names if n not in seen]
    else:
        keep = healthy[:count]
        used = set(s.get("name") for s in keep)
        create, number = [], 1
        while len(keep) + len(create) < count:
            candidate = "%s-%d" % (name, number)
            if candidate not in used:
                create.append(candidate)
            number += 1
    kept = set(s["id"] for s in keep)
    return create, [s for s in live if s["id"] not in kept], keep


# -- rebuild --------------------------------------------------------------------------------------------------------
def current_image_id(server):
    image = server.get("image")
    return image.get("id") if isinstance(image, dict) else None


def plan_rebuild(server, image, force=False):
    """``rebuild`` or ``none`` (already running this image, and not in ERROR); refuses what Nova would (§1.2)."""
    if boots_from_volume(server):
        raise ConfigError("Server %s (%s) boots from a volume: a rebuild does not reimage its root volume (the platform "
                          "refuses another image). Restore the volume from a snapshot instead." % (server.get("name"), server["id"]),
                          option="server")
    if server.get("status") not in REBUILDABLE_STATUSES or server.get(TASK_STATE):
        raise ConfigError("Server %s (%s) is %s (task_state %s): only an ACTIVE, SHUTOFF or ERROR server with no task in "
                          "progress can be rebuilt. Wait for it, then run again." % (
                              server.get("name"), server["id"], server.get("status"), server.get(TASK_STATE)), option="server")
    if current_image_id(server) == image["id"] and server.get("status") != "ERROR" and not force:
        return "none"
    return "rebuild"


def rebuild_body(image_id, name=None, metadata=None, admin_password=None, disk_config=None):
    """Only the fields Rackspace and pre-2.19 Nova accept (§1.2): an unknown key is refused there (422). ``key_name``
    and ``user_data`` need microversions 2.54/2.57 and are not sent; the create-time keypair stays."""
    body = {"imageRef": image_id}
    for key, value in (("name", name), ("metadata", metadata), ("adminPass", admin_password), (DISK_CONFIG, disk_config)):
        if value is not None:
            body[key] = value
    return body


def rebuild_target(server):
    """The status a rebuild ends in: SHUTOFF for a stopped server, else ACTIVE (§1.2)."""
    return "SHUTOFF" if server.get("status") == "SHUTOFF" else "ACTIVE"


def rebuilt(before, image_id):
    """``ready`` for the wait after a rebuild: an ACTIVE seen before Nova shows REBUILD is the old server (§5 #3)."""
    seen = []

    def ready(server):
        if server.get("status") == "REBUILD":
            seen.append(True)
        return bool(seen) or (current_image_id(server) == image_id and server.get("updated") != before.get("updated"))
    return ready


def rebuild_timeout(exc, server_id):
    return WaitTimeout("Timed out waiting for server %s to finish its rebuild; %s. It goes on in the cloud: run "
                       "opencloud.images.server_info later to see it." % (server_id, describe_server(exc.last)),
                       last=summary(exc.last) if isinstance(exc.last, dict) else None, waited=exc.waited)


def checked_request(compute, images, image, flavor, markers, metadata=None, networks=None, disk_config=None,
                    user_data=None, key_name=None, config_drive=None):
    """(image, flavor, body of POST /servers without its name, warning or None) after every check that needs no POST:
    the image is active, the flavor fits it (or is the smallest that does), the disk config is allowed, the networks
    exist, the metadata and user_data are within the platform's limits (§5 #5)."""
    metadata = dict(check_metadata(metadata, reserved=len(markers)), **markers)
    user_data = encode_user_data(user_data)
    image = bootable_image(images, image)
    check_disk_config(disk_config, image)
    flavor = choose_flavor(compute.flavors(), image, flavor)
    lookup = networks and any(str(n).strip().lower() not in NETWORK_ALIASES for n in networks)
    nets, warning = resolve_networks(networks, compute.networks() if lookup else [])
    return image, flavor, server_body(None, image["id"], flavor["id"], metadata, nets, key_name, config_drive, user_data,
                                      disk_config), warning


# -- the workflows --------------------------------------------------------------------------------------------------
class DeploymentPlan:
    """What a run of the server module does: names to create (with the one request body for all), servers to delete and
    to keep; ``image`` and ``flavor`` are None for state absent."""

    def __init__(self, create, delete, keep, image=None, flavor=None, request=None, warning=None):
        self.create = create
        self.delete = delete
        self.keep = keep
        self.image = image
        self.flavor = flavor
        self.request = request or {}
        self.warning = warning

    def body(self, name):
        return dict(self.request, name=name)


class ServerWorkflow:
    """What the server workflows work with: the compute and image services, and the waits."""

    def __init__(self, compute, images, waiter):
        self.compute = compute
        self.images = images
        self.waiter = waiter


class Deployer(ServerWorkflow):
    """Servers from an image, found again by the deployment marker in their metadata."""

    def members(self, key):
        return list(self.compute.list_servers({DEPLOYMENT: key}))

    def plan(self, key, state="present", count=None, names=None, name=None, image=None, flavor=None, networks=None,
             disk_config=None, metadata=None, user_data=None, key_name=None, config_drive=None):
        """Every check that needs no POST (image active, flavor fits, disk config allowed, networks known), then the
        changes; check mode shows this and the real run carries it out."""
        if state == "absent":
            members = self.members(key)
            delete = [s for s in members if names is None or s.get("name") in names]
            return DeploymentPlan([], delete, [s for s in members if s not in delete])
        wanted = deployment_names(count, names, name)
        image, flavor, request, warning = checked_request(
            self.compute, self.images, image, flavor, {DEPLOYMENT: key}, metadata=metadata, networks=networks,
            disk_config=disk_config, user_data=user_data, key_name=key_name, config_drive=config_drive)
        create, delete, keep = plan_deployment(self.members(key), count, wanted, name)
        return DeploymentPlan(create, delete, keep, image, flavor, request, warning)

    def apply(self, plan, wait=True):
        """Create, delete, then wait for the new (and still building) servers to settle and the deleted to be gone.
        Returns the deployment's servers."""
        created = [self.compute.create_server(plan.body(name))["id"] for name in plan.create]
        for server in plan.delete:
            self.compute.delete_server(server["id"])
        ids = [s["id"] for s in plan.keep] + created
        if not wait:
            return [self.compute.get_server(server_id) for server_id in ids]
        servers = []
        for server_id in ids:
            try:
                servers.append(self.waiter.settled(server_id, targets=("ACTIVE", "SHUTOFF")))
            except WaitError as exc:
                raise type(exc)("%s. The server stays; the next run of this task replaces a server in ERROR." % exc.message,
                                last=summary(exc.last) if isinstance(exc.last, dict) else None, waited=exc.waited)
        for server in plan.delete:
            self.waiter.gone(server["id"])
        return servers


class Rebuilder(ServerWorkflow):
    """A server restored in place from an image: same id and addresses, the root disk replaced (§1.2)."""

    def plan(self, server_ref, image_ref, force=False, disk_config=None):
        """(server, image, ``rebuild`` or ``none``), after every check that needs no POST."""
        server = self.compute.find_server(server_ref)
        if image_ref == LATEST_VERIFIED:
            image = latest_verified(self.images, server["id"])
            if image is None:
                raise ConfigError("image latest_verified: server %s has no image that passed opencloud.images.image_verify. "
                                  "Verify one first, or give an image id." % server["id"], option="image")
        else:
            image = bootable_image(self.images, image_ref)
        check_disk_config(disk_config, image)
        action = plan_rebuild(server, image, force)
        flavor_id = (server.get("flavor") or {}).get("id")
        if action == "rebuild" and flavor_id:
            reasons = unfit_reasons(self.compute.get_flavor(flavor_id), image)
            if reasons:
                raise ConfigError("Image %s cannot be put on server %s: its flavor %s does not fit it (%s). Deploy a new server "
                                  "with a larger flavor instead." % (image["id"], server["id"], flavor_id, "; ".join(reasons)),
                                  option="image")
        return server, image, action

    def run(self, server, image, body, wait=True):
        """Send the rebuild and wait (REBUILD, then ACTIVE or SHUTOFF with task_state cleared); the server after it."""
        answer = self.compute.rebuild_server(server["id"], body)
        if not wait:
            return dict(server, **answer) if answer else self.compute.get_server(server["id"])
        try:
            return self.waiter.settled(server["id"], targets=(rebuild_target(server),), ready=rebuilt(server, image["id"]))
        except WaitTimeout as exc:
            raise rebuild_timeout(exc, server["id"])
