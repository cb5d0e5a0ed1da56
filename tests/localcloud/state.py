"""In-memory state of the local cloud.

One ``CloudState`` backs one running app. The web server is threaded, so every read or write of the
mutable parts goes through ``CloudState.lock`` (re-entrant: helpers can be called with it held).
"""

import copy
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from flask import current_app

DEFAULT_TOKEN_TTL = 24 * 3600
EXTENSION_KEY = "localcloud"
# Image states that upstream Glance never lists.
UNLISTED_STATUSES = ("killed", "deleted")


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
    """A canned response served instead of the next ``count`` requests that match."""

    path_regex: str
    status: int
    count: int = 1
    method: Optional[str] = None
    headers: dict = field(default_factory=dict)
    body: object = None

    def __post_init__(self):
        self._pattern = re.compile(self.path_regex)
        if self.method:
            self.method = self.method.upper()

    def matches(self, method, path):
        return (self.method in (None, method)) and self._pattern.search(path) is not None

    def describe(self):
        return {"method": self.method, "path_regex": self.path_regex, "status": self.status, "count": self.count,
                "headers": dict(self.headers), "body": self.body}


class CloudState:
    def __init__(self, seed, token_ttl=DEFAULT_TOKEN_TTL):
        self.lock = threading.RLock()
        self.token_ttl = token_ttl
        self._seed = copy.deepcopy(seed)
        self.reset()

    def reset(self):
        """Back to the seed: accounts, regions and images as seeded; no tokens, faults or log."""
        with self.lock:
            self.regions = list(self._seed["regions"])
            self.accounts = {entry["username"]: Account(**copy.deepcopy(entry)) for entry in self._seed["accounts"]}
            self.tokens = {}
            self.images = {region: {} for region in self.regions}
            self.members = {}  # image id -> {tenant: member status}
            self.request_log = []
            self.faults = []
            for entry in copy.deepcopy(self._seed["images"]):
                self.add_image(**entry)

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
        now = utcnow()
        token = Token(id=secrets.token_urlsafe(32), username=account.username, tenant_id=account.tenant_id, methods=list(methods),
                      issued_at=now, expires_at=expires_at or now + timedelta(seconds=self.token_ttl))
        with self.lock:
            self.tokens[token.id] = token
        return token

    def token(self, token_id):
        """The token with this id if it exists and has not expired, else None."""
        with self.lock:
            token = self.tokens.get(token_id)
        if token is None or token.expires_at <= utcnow():
            return None
        return token

    def expire_tokens(self):
        past = utcnow() - timedelta(seconds=1)
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
            created = fields.pop("created_at", None) or isotime(utcnow())
            image = {"id": image_id, "name": None, "status": "active", "visibility": "private", "protected": False, "tags": [],
                     "created_at": created, "updated_at": created, "self": f"/v2/images/{image_id}",
                     "file": f"/v2/images/{image_id}/file", "schema": "/v2/schemas/image", "owner": owner, "size": None,
                     "checksum": None, "container_format": None, "disk_format": None, "min_disk": 0, "min_ram": 0,
                     "virtual_size": None}
            image.update(fields)
            self.images[region][image_id] = image
            self.members[image_id] = dict(members or {})
            return image

    def image(self, region, image_id):
        with self.lock:
            return self.images.get(region, {}).get(image_id)

    def delete_image(self, region, image_id):
        with self.lock:
            del self.images[region][image_id]
            self.members.pop(image_id, None)

    def member_status(self, image_id, tenant):
        """The tenant's membership status for the image, or None if it is not a member."""
        with self.lock:
            return self.members.get(image_id, {}).get(tenant)

    def visible(self, image, tenant):
        """Whether the tenant may see the image at all (owner, public/community, or any member status)."""
        return (image["owner"] == tenant or image["visibility"] in ("public", "community")
                or self.member_status(image["id"], tenant) is not None)

    # request log and fault injection

    def log_request(self, entry):
        with self.lock:
            self.request_log.append(entry)

    def add_fault(self, fault):
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, method, path):
        """Consume one use of the first queued fault matching the request, if any."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def snapshot(self):
        """Everything a test may want to inspect, without secrets (no passwords, keys or token ids)."""
        now = utcnow()
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
                "faults": [fault.describe() for fault in self.faults],
                "requests": len(self.request_log),
            }
