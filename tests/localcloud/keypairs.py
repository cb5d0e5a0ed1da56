"""Nova key pairs (``os-keypairs``, legacy v2 shapes, as Rackspace serves them), per user and region.

A server made with ``key_name`` takes the key pair's public key with it (its guest sshd authorizes that key, guests.py).
Messages: nova/api/openstack/compute/legacy_v2/contrib/keypairs.py and nova/exception.py.
"""

import base64
import binascii
import hashlib
import os
import struct
import subprocess
import tempfile

from flask import Blueprint, g, request

from . import compute
from .errors import json_response
from .state import current_state, isotime

blueprint = Blueprint("keypairs", __name__)

SAFE_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ ")
KEY_TYPES = ("ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
INVALID_KEY = "Keypair data is invalid: failed to generate fingerprint"


def fingerprint(public_key):
    """Nova's fingerprint: MD5 of the key blob, as colon-separated hex; ValueError for anything that is not an OpenSSH public key."""
    parts = public_key.split() if isinstance(public_key, str) else []
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise ValueError(INVALID_KEY)
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (length,) = struct.unpack(">I", blob[:4])
    except (binascii.Error, struct.error):
        raise ValueError(INVALID_KEY) from None
    if blob[4:4 + length].decode("ascii", "replace") != parts[0]:
        raise ValueError(INVALID_KEY)
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def generate_key_pair():
    """(private key, public key) of a new RSA key, made with OpenSSH's ssh-keygen as Nova's is made with a crypto library."""
    with tempfile.TemporaryDirectory(prefix="localcloud-keypair-") as directory:
        path = os.path.join(directory, "key")
        subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "Generated-by-Nova", "-f", path], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(path, encoding="ascii") as private, open(path + ".pub", encoding="ascii") as public:
            return private.read(), public.read().strip()


def user_keypairs(state, region, user_id):
    """The key pairs of a user in a region, ``{name: record}`` (live: changes are kept)."""
    return state.keypairs.setdefault((region, user_id), {})


def _checked_name(name):
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 255:
        raise compute.ComputeError(400, "Keypair name must be string and between 1 and 255 characters long")
    if set(name) - SAFE_NAME_CHARACTERS:
        raise compute.ComputeError(400, "Keypair name contains unsafe characters")
    return name


def _found(name):
    record = user_keypairs(current_state(), g.region, g.user_id).get(name)
    if record is None:
        raise compute.ComputeError(404, f"Keypair {name} not found for user {g.user_id}")
    return record


@blueprint.post("/os-keypairs")
def create_keypair():
    """Import (``public_key`` given) or generate a key pair; 200 with the key pair, the private key only when generated."""
    body = request.get_json(silent=True)
    entity = body.get("keypair") if isinstance(body, dict) else None
    if not isinstance(entity, dict):
        raise compute.ComputeError(400, "Invalid request body")
    name = _checked_name(entity.get("name"))
    private_key = None
    if "public_key" in entity:
        public_key = entity["public_key"]
    else:
        private_key, public_key = generate_key_pair()
    try:
        print_ = fingerprint(public_key)
    except ValueError as exc:
        raise compute.ComputeError(400, str(exc)) from None
    state = current_state()
    with state.lock:
        keypairs = user_keypairs(state, g.region, g.user_id)
        if name in keypairs:
            raise compute.ComputeError(409, f"Key pair '{name}' already exists.")
        state.keypair_serial += 1
        keypairs[name] = {"name": name, "public_key": public_key.strip(), "fingerprint": print_, "user_id": g.user_id,
                          "created_at": isotime(state.now()), "id": state.keypair_serial}
    keypair = {"name": name, "public_key": public_key.strip(), "fingerprint": print_, "user_id": g.user_id}
    if private_key is not None:
        keypair["private_key"] = private_key
    return json_response({"keypair": keypair})


@blueprint.get("/os-keypairs")
def list_keypairs():
    state = current_state()
    with state.lock:
        records = list(user_keypairs(state, g.region, g.user_id).values())
    return json_response({"keypairs": [{"keypair": {key: record[key] for key in ("name", "public_key", "fingerprint")}}
                                       for record in records]})


@blueprint.get("/os-keypairs/<name>")
def show_keypair(name):
    with current_state().lock:
        record = dict(_found(name))
    return json_response({"keypair": {**record, "deleted": False, "deleted_at": None, "updated_at": None}})


@blueprint.delete("/os-keypairs/<name>")
def delete_keypair(name):
    state = current_state()
    with state.lock:
        _found(name)
        del user_keypairs(state, g.region, g.user_id)[name]
    return "", 202
