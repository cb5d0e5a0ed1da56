"""State of the local cloud: in memory, except the bytes of Cloud Files objects.

One ``CloudState`` backs one running app. The web server is threaded, so every read or write of the
mutable parts goes through ``CloudState.lock`` (re-entrant: helpers can be called with it held).
Time comes from ``CloudState.now()``, an injectable clock, so tests can step through slow processes instantly.
Object bodies are files in a temporary directory of the state (``storage_dir()``), removed by ``reset()`` and ``close()``.
"""

import copy
import hashlib
import random
import re
import secrets
import shutil
import tempfile
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from flask import current_app

from . import server_jobs
from .guests import Guests
from .servers import (DEFAULT_CONFIG, INHERITED_ATTRIBUTES, NON_INHERITABLE, TASK_STATES, VM_STATES, Server, SnapshotJob, merged_config,
                      snapshot_image_size)

DEFAULT_TOKEN_TTL = 24 * 3600
EXTENSION_KEY = "localcloud"
# Image states that upstream Glance never lists.
UNLISTED_STATUSES = ("killed", "deleted")
# Glance's own image attributes; every other key of an image is a custom property (Nova shows those as metadata).
CORE_ATTRIBUTES = ("id", "name", "status", "visibility", "protected", "tags", "created_at", "updated_at", "self", "file", "schema", "owner",
                   "size", "checksum", "container_format", "disk_format", "min_disk", "min_ram", "virtual_size", "os_hidden", "os_hash_algo",
                   "os_hash_value", "direct_url", "locations")


def utcnow():
    return datetime.now(timezone.utc)


def isotime(moment):
    """Glance's timestamp format: ``2026-11-26T05:30:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def current_state():
    """The ``CloudState`` of the app handling the current request."""
    return current_app.extensions[EXTENSION_KEY]


@dataclass
class Account:
    username: str
    user_id: str
    tenant_id: str
    api_key: str
    password: str
    default_region: str
    domain_id: str = "default"
    app_credentials: list = field(default_factory=list)  # [{"id", "name", "secret"}]


@dataclass
class Token:
    id: str
    username: str
    tenant_id: str
    methods: list  # keystone method names; "apikey" for Rackspace API keys
    issued_at: datetime
    expires_at: datetime


@dataclass
class Fault:
    """What happens to the next ``count`` requests that match (method, ``region`` of a ``/regions/<REGION>/`` path, path regex).

    The effect: a canned response (``status``, ``headers``, ``body``) served instead of the real one, or a stream fault that
    damages the real exchange (app.py): ``reset_after_bytes`` drops the connection after that many bytes of the response
    body (of the request body for PUT and POST, which then get no answer at all), ``corrupt`` flips the first byte of the
    response body; or ``expire_token``: the caller's token expires now, so the service answers 401 as it does for any
    expired token. ``delay_seconds`` sleeps before any of that (alone: the real answer, late).

    With ``probability`` below 1 a matching request is hit only when a draw says so (the fault's own ``random.Random``
    when it has a ``seed``, else the state's, seeded by the config's ``fault_seed``); only hits count.
    """

    path_regex: str
    status: Optional[int] = None
    count: int = 1
    method: Optional[str] = None
    region: Optional[str] = None
    headers: dict = field(default_factory=dict)
    body: object = None
    reset_after_bytes: Optional[int] = None
    corrupt: bool = False
    expire_token: bool = False
    delay_seconds: float = 0
    probability: float = 1.0
    seed: Optional[int] = None

    def __post_init__(self):
        self._pattern = re.compile(self.path_regex)
        self._random = None if self.seed is None else random.Random(self.seed)
        if self.method:
            self.method = self.method.upper()
        if self.region:
            self.region = self.region.upper()

    @property
    def is_stream(self):
        return self.reset_after_bytes is not None or self.corrupt

    def matches(self, method, path):
        return (self.method in (None, method) and (self.region is None or path.startswith(f"/regions/{self.region}/"))
                and self._pattern.search(path) is not None)

    def hits(self, shared_random):
        """Whether this matching request is hit: always at probability 1, else a draw."""
        return self.probability >= 1 or (self._random or shared_random).random() < self.probability

    def describe(self):
        return {"method": self.method, "region": self.region, "path_regex": self.path_regex, "status": self.status, "count": self.count,
                "headers": dict(self.headers), "body": self.body, "reset_after_bytes": self.reset_after_bytes, "corrupt": self.corrupt,
                "expire_token": self.expire_token, "delay_seconds": self.delay_seconds, "probability": self.probability, "seed": self.seed}


def _checksum(text):
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class CloudState:
    """``clock``: a callable returning the current (aware) datetime; ``config``: changes to ``servers.DEFAULT_CONFIG``."""

    def __init__(self, seed, token_ttl=DEFAULT_TOKEN_TTL, clock=None, config=None):
        self.lock = threading.RLock()
        self.token_ttl = token_ttl
        self.clock = clock or utcnow
        self._seed = copy.deepcopy(seed)
        self._config = merged_config(DEFAULT_CONFIG, config or {})
        self._storage = None  # (directory, finalizer that removes it), made on first use
        self.guests = Guests()
        self.reset()

    def now(self):
        return self.clock()

    def storage_dir(self):
        """The directory of object bodies, made on first use (and removed with the interpreter at the latest)."""
        with self.lock:
            if self._storage is None:
                path = tempfile.mkdtemp(prefix="localcloud-objects-")
                self._storage = path, weakref.finalize(self, shutil.rmtree, path, ignore_errors=True)
            return self._storage[0]

    def close(self):
        """Stop every guest sshd and remove the directory of object bodies (a later write makes a new one)."""
        with self.lock:
            self.guests.stop_all()
            if self._storage is not None:
                self._storage[1]()
                self._storage = None

    def reset(self):
        """Back to the seed and the starting config: accounts, regions, images and servers as seeded; no tokens, faults (the
        random draws start again from ``fault_seed``), log, Cloud Files objects (their directory goes) or Glance tasks."""
        with self.lock:
            self.config = copy.deepcopy(self._config)
            self.regions = list(self._seed["regions"])
            self.accounts = {entry["username"]: Account(**copy.deepcopy(entry)) for entry in self._seed["accounts"]}
            self.tokens = {}
            self.images = {region: {} for region in self.regions}
            self.members = {}  # image id -> {tenant: member status}
            self.member_times = {}  # image id -> {tenant: (created_at, updated_at)}, as Glance shows them
            self.servers = {region: {} for region in self.regions}
            self.jobs = {}  # image id -> SnapshotJob, while the snapshot is in progress
            self.request_log = []
            self.faults = []
            self.random = random.Random(self.config["fault_seed"])
            self.failing_tasks = {}  # task type -> the failure message of the next task of that type
            self.unlisted_until = {}  # image id -> when image lists start to show it (list_lag_seconds)
            self.objects = {}  # (region, account) -> {container name: object_store.Container}
            self.tasks = {}  # task id -> tasks.Task
            self.server_jobs = {}  # server id -> server_jobs.ServerJob, while a build, rebuild, stop, start or delete runs
            self.keypairs = {}  # (region, user id) -> {name: key pair}
            self.keypair_serial = 0
            self.rate_counts = {}  # (tenant, index of the rate limit rule) -> times of the requests it counted
            self.close()
            for entry in copy.deepcopy(self._seed["images"]):
                self.add_image(**entry)
            for entry in copy.deepcopy(self._seed.get("servers", [])):
                in_progress = entry.pop("snapshot_in_progress", None)
                server = self.add_server(**entry)
                if in_progress:
                    self.start_snapshot(server, **in_progress)

    def configure(self, changes):
        """Apply config changes (ValueError for a bad one); a new ``fault_seed`` restarts the random draws of faults."""
        with self.lock:
            self.config = merged_config(self.config, changes)
            if "fault_seed" in changes:
                self.random.seed(self.config["fault_seed"])
            return self.config

    # accounts and tokens

    def account_by_id(self, user_id):
        with self.lock:
            return next((account for account in self.accounts.values() if account.user_id == user_id), None)

    def app_credential(self, cred_id=None, name=None, username=None):
        """(account, credential) for an application credential given by id, or by name and owner."""
        with self.lock:
            for account in self.accounts.values():
                for cred in account.app_credentials:
                    if cred["id"] == cred_id or (cred_id is None and cred["name"] == name and account.username == username):
                        return account, cred
        return None, None

    def issue_token(self, account, methods, expires_at=None):
        now = self.now()
        token = Token(id=secrets.token_urlsafe(32), username=account.username, tenant_id=account.tenant_id, methods=list(methods),
                      issued_at=now, expires_at=expires_at or now + timedelta(seconds=self.token_ttl))
        with self.lock:
            self.tokens[token.id] = token
        return token

    def token(self, token_id):
        """The token with this id if it exists and has not expired, else None."""
        with self.lock:
            token = self.tokens.get(token_id)
        if token is None or token.expires_at <= self.now():
            return None
        return token

    def expire_token(self, token_id):
        """Expire one token now (if there is such a token)."""
        with self.lock:
            token = self.tokens.get(token_id)
            if token is not None:
                token.expires_at = min(token.expires_at, self.now() - timedelta(seconds=1))

    def expire_tokens(self):
        past = self.now() - timedelta(seconds=1)
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = past
            return len(self.tokens)

    # images

    def add_image(self, region, owner, members=None, **fields):
        """Create an image as Glance would show it; custom properties go at the top level."""
        with self.lock:
            if region not in self.images:
                raise ValueError(f"unknown region {region!r}")
            image_id = fields.pop("id", None) or str(uuid.uuid4())
            created = fields.pop("created_at", None) or isotime(self.now())
            image = {"id": image_id, "name": None, "status": "active", "visibility": "private", "protected": False, "tags": [],
                     "created_at": created, "updated_at": created, "self": f"/v2/images/{image_id}",
                     "file": f"/v2/images/{image_id}/file", "schema": "/v2/schemas/image", "owner": owner, "size": None,
                     "checksum": None, "container_format": None, "disk_format": None, "min_disk": 0, "min_ram": 0,
                     "virtual_size": None}
            image.update(fields)
            self.images[region][image_id] = image
            self.members[image_id] = dict(members or {})
            self.member_times[image_id] = {tenant: (created, created) for tenant in self.members[image_id]}
            return image

    def hide_from_lists(self, image_id, created):
        """An image made at ``created`` stays out of image lists for ``list_lag_seconds`` after that (eventual consistency);
        GET of it works at once."""
        lag = self.config["list_lag_seconds"]
        if lag:
            with self.lock:
                self.unlisted_until[image_id] = created + timedelta(seconds=lag)

    def listed(self, image_id, now):
        with self.lock:
            return self.unlisted_until.get(image_id, now) <= now

    def image(self, region, image_id):
        with self.lock:
            return self.images.get(region, {}).get(image_id)

    def delete_image(self, region, image_id):
        """Delete an image; a snapshot still in progress stops, and its server's task state clears (as Nova's ImageNotFound handling)."""
        with self.lock:
            del self.images[region][image_id]
            self.members.pop(image_id, None)
            self.member_times.pop(image_id, None)
            self.unlisted_until.pop(image_id, None)
            job = self.jobs.pop(image_id, None)
            server = job and self.servers[job.region].get(job.server_id)
            if server is not None:
                server.task_state = None
                server.updated = isotime(self.now())

    def member_status(self, image_id, tenant):
        """The tenant's membership status for the image, or None if it is not a member."""
        with self.lock:
            return self.members.get(image_id, {}).get(tenant)

    def image_member(self, image_id, tenant):
        """The tenant's membership of the image as Glance shows it, or None if it is not a member."""
        with self.lock:
            status = self.member_status(image_id, tenant)
            if status is None:
                return None
            now = isotime(self.now())  # for members put straight into ``members`` (tests), the first time they are seen
            created, updated = self.member_times.setdefault(image_id, {}).setdefault(tenant, (now, now))
            return {"member_id": tenant, "image_id": image_id, "status": status, "created_at": created, "updated_at": updated,
                    "schema": "/v2/schemas/member"}

    def image_members(self, image_id):
        """Every membership of the image, oldest first."""
        with self.lock:
            return [self.image_member(image_id, tenant) for tenant in self.members.get(image_id, {})]

    def set_member(self, image_id, tenant, status):
        """Make the tenant a member of the image, or change its status; returns the membership."""
        with self.lock:
            now = isotime(self.now())
            current = self.image_member(image_id, tenant)
            self.member_times.setdefault(image_id, {})[tenant] = (current["created_at"] if current else now, now)
            self.members.setdefault(image_id, {})[tenant] = status
            return self.image_member(image_id, tenant)

    def remove_member(self, image_id, tenant):
        with self.lock:
            del self.members[image_id][tenant]
            self.member_times.get(image_id, {}).pop(tenant, None)

    def visible(self, image, tenant):
        """Whether the tenant may see the image at all (owner, public/community, or any member status)."""
        return (image["owner"] == tenant or image["visibility"] in ("public", "community")
                or self.member_status(image["id"], tenant) is not None)

    # servers and snapshots

    def add_server(self, region, owner, name, server_id=None, host_group=None, image_id=None, boot_from_volume=False, status="ACTIVE",
                   task_state=None, metadata=None, flavor=None, created=None, disk_config="AUTO", fault=None):
        """Create a server; it remembers what its base image (if in the store) passes on to snapshots, as Nova does at boot."""
        with self.lock:
            if region not in self.servers:
                raise ValueError(f"unknown region {region!r}")
            if status not in VM_STATES:
                raise ValueError(f"unknown status {status!r}; one of {', '.join(VM_STATES)}")
            if task_state is not None and task_state not in TASK_STATES:
                raise ValueError(f"unknown task_state {task_state!r}; one of {', '.join(TASK_STATES)}")
            if boot_from_volume == bool(image_id):
                raise ValueError("a server has either an image_id or boot_from_volume")
            server_id = server_id or str(uuid.uuid4())
            if any(server_id in servers for servers in self.servers.values()):
                raise ValueError(f"server {server_id} exists")
            inherited = self.inherited_properties(region, image_id)
            account = next((account for account in self.accounts.values() if account.tenant_id == owner), None)
            server = Server(id=server_id, region=region, tenant_id=owner, user_id=account.user_id if account else "", name=name,
                            host_group=host_group or f"host-{server_id[:8]}", image_id=image_id or "", flavor_id=flavor or "general1-1",
                            created=created or isotime(self.now()), vm_state=VM_STATES[status], task_state=task_state,
                            metadata=dict(metadata or {}), base_image=inherited, disk_config=disk_config, fault=fault)
            self.servers[region][server_id] = server
            return server

    def inherited_properties(self, region, image_id):
        """What a server booted from this image keeps for its snapshots (Nova's image_* system metadata); {} if it is gone."""
        with self.lock:
            base = self.images[region].get(image_id or "") or {}
            return {key: value for key, value in base.items()
                    if key in INHERITED_ATTRIBUTES or (key not in CORE_ATTRIBUTES and key not in NON_INHERITABLE)}

    def find_server(self, server_id):
        """The server with this id in any region, or None."""
        with self.lock:
            return next((servers[server_id] for servers in self.servers.values() if server_id in servers), None)

    def start_snapshot(self, server, name, metadata=None, image_id=None, hold=None, started=None):
        """Nova's createImage once accepted: a queued image in Glance and a job that moves it on; returns the image.

        ``started`` (ISO 8601, default now) backdates it, for seeds; ``hold`` keeps it in that task state for good.
        """
        with self.lock:
            start = datetime.fromisoformat(started.replace("Z", "+00:00")) if started else self.now()
            # Glance's own attributes win over custom properties of the same name (as in a Glance v2 image view).
            custom = {key: value for key, value in (metadata or {}).items() if key not in CORE_ATTRIBUTES}
            image = self.add_image(server.region, server.tenant_id, id=image_id, name=name, status="queued", created_at=isotime(start))
            image.update({**server.base_image, "image_type": "snapshot", "instance_uuid": server.id, "base_image_ref": server.image_id,
                          "user_id": server.user_id, **custom})
            job = SnapshotJob(image_id=image["id"], region=server.region, server_id=server.id, host_group=server.host_group,
                              started=start, phase_seconds=dict(self.config["image_phase_seconds"]), fail=server.fail_next_image,
                              hold=hold)
            server.fail_next_image = False
            if started is None:
                self.hide_from_lists(image["id"], start)
            self.jobs[image["id"]] = job
            self._apply(job, job.stage_at(self.now()))
            return image

    def images_in_progress(self, region, host_group):
        with self.lock:
            return sum(1 for job in self.jobs.values() if (job.region, job.host_group) == (region, host_group))

    def snapshot_progress(self, image):
        """Nova's image ``progress``: the phase marker of a snapshot in progress, 100 once active, else 0."""
        if image["status"] == "active":
            return 100
        with self.lock:
            job = self.jobs.get(image["id"])
            return job.applied.progress if job else 0

    def settle(self):
        """Bring every snapshot and Glance task in progress up to the current time."""
        with self.lock:
            now = self.now()
            for job in list(self.jobs.values()):
                self._apply(job, job.stage_at(now))
            for task in list(self.tasks.values()):
                task.settle(self, now)
            server_jobs.settle(self, now)

    def _apply(self, job, stage):
        """Write a stage to the image and the server; stamped with the time the stage began, not the time it was noticed."""
        if stage == job.applied:
            return
        since = isotime(stage.since)
        image = self.images[job.region][job.image_id]
        image.update(status=stage.status, updated_at=since)
        if stage.status == "active":
            image.update(size=snapshot_image_size(job.image_id), checksum=_checksum(f"{job.region}/{job.image_id}"))
        server = self.servers[job.region][job.server_id]
        if server.task_state != stage.task_state:
            server.task_state = stage.task_state
            server.updated = since
        job.applied = stage
        if stage.task_state is None:
            del self.jobs[job.image_id]

    # request log and fault injection

    def log_request(self, entry):
        with self.lock:
            self.request_log.append(entry)

    def add_fault(self, fault):
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, method, path):
        """Consume one use of the first queued fault that matches the request and hits it, if any."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path) and fault.hits(self.random):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def snapshot(self):
        """Everything a test may want to inspect, without secrets (no passwords, keys or token ids)."""
        self.settle()
        now = self.now()
        with self.lock:
            return {
                "token_ttl": self.token_ttl,
                "regions": list(self.regions),
                "accounts": [{"username": a.username, "user_id": a.user_id, "tenant_id": a.tenant_id, "default_region": a.default_region,
                              "domain_id": a.domain_id, "app_credentials": [c["id"] for c in a.app_credentials]}
                             for a in self.accounts.values()],
                "tokens": [{"username": t.username, "tenant_id": t.tenant_id, "methods": list(t.methods), "expires_at": isotime(t.expires_at),
                            "expired": t.expires_at <= now} for t in self.tokens.values()],
                "images": copy.deepcopy(self.images),
                "members": copy.deepcopy(self.members),
                "servers": {region: {server_id: server.describe() for server_id, server in servers.items()}
                            for region, servers in self.servers.items()},
                "guests": self.guests.describe([server for servers in self.servers.values() for server in servers.values()]),
                "keypairs": {f"{region}/{user_id}": sorted(keypairs) for (region, user_id), keypairs in self.keypairs.items()},
                "snapshots": [job.describe() for job in self.jobs.values()],
                "tasks": [task.describe() for task in self.tasks.values()],
                "config": copy.deepcopy(self.config),
                "faults": [fault.describe() for fault in self.faults],
                "failing_tasks": dict(self.failing_tasks),
                "requests": len(self.request_log),
            }
