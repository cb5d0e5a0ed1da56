"""Backends for the contract tests: the same tests run against the local cloud and real upstream peers.

A backend gives the module options that log in to it and a way to make images owned by that
account. The real peers (Keystone + Glance from PyPI, started by tests/peers/start.sh) are
required: without OPENCLOUD_PEERS the peer backends fail, unless OPENCLOUD_SKIP_PEERS=1 says
on purpose that this run is a quick local one.
"""

import hashlib
import os
import uuid

import pytest
import requests

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.transport import HttpClient
from localcloud.server import LocalCloud
from peers import get_token, load_peers, password_auth_body, trusted_headers

DEMO_API_KEY = "demo-api-key-SECRET-1a2b3c"
DEMO_PASSWORD = "demo-password-SECRET"
IMAGE_DATA = b"opencloud" * 10  # the data of the images the backends make (test_image_filters_contract.py filters on it)


def logged_in(params):
    """An image client logged in with these options (no environment, no clouds.yaml)."""
    return ImageService(CloudSession(auth.resolve(params, environ={}, cloud_files=([], []))))


class LocalCloudBackend:
    owner = "100001"
    other_project = "100002"  # the consumer's
    region = "DFW"
    identity_counted = True
    members_need_shared = False  # Rackspace takes members on private images

    def __init__(self, cloud, version):
        self.cloud = cloud
        self.name = "localcloud-v%s" % version
        # What the identity service tells this account of other projects: Rackspace nothing, Keystone its own only.
        self.project_lookup = "none" if version == "2.0" else "own"
        if version == "2.0":
            self.params = {"auth_url": cloud.url + "/identity/v2.0", "username": "demo", "api_key": DEMO_API_KEY,
                           "region": self.region}
            self.consumer_params = {"auth_url": cloud.url + "/identity/v2.0", "username": "consumer",
                                    "api_key": "consumer-api-key-SECRET-4d5e6f", "region": self.region}
        else:
            self.params = {"auth_url": cloud.url + "/identity/v3", "username": "demo", "password": DEMO_PASSWORD,
                           "project_id": self.owner, "region": self.region}
            self.consumer_params = {"auth_url": cloud.url + "/identity/v3", "username": "consumer",
                                    "password": "consumer-password-SECRET", "project_id": "100002", "region": self.region}

    def make_image(self, name, tags=(), owner=None, data=True, **properties):
        """An image of this account; with ``data`` active with IMAGE_DATA's size and hashes (as Glance computes them on
        upload), else queued with none."""
        stored = dict(status="active", size=len(IMAGE_DATA), checksum=hashlib.md5(IMAGE_DATA).hexdigest(),
                      os_hash_algo="sha512", os_hash_value=hashlib.sha512(IMAGE_DATA).hexdigest()) if data else {"status": "queued"}
        body = dict(properties, region=self.region, owner=owner or self.owner, name=name, tags=list(tags), **stored)
        response = requests.post(self.cloud.url + "/_localcloud/images", json=body, timeout=10)
        response.raise_for_status()
        return response.json()["id"]

    def images(self):
        return logged_in(self.params)

    def consumer_images(self):
        return logged_in(self.consumer_params)

    def share_with_me(self, name):
        """An image of another account (the consumer, 100002) shared with this one, not yet accepted."""
        return self.make_image(name, owner="100002", visibility="shared", members={self.owner: "pending"})

    def identity_requests(self):
        log = requests.get(self.cloud.url + "/_localcloud/requests", timeout=10).json()["requests"]
        return sum(1 for r in log if r["service"] == "identity" and r["method"] == "POST")


class KeystoneGlanceBackend:
    """Upstream Keystone v3 and the Glance behind keystonemiddleware, as userA in tenantA."""

    name = "keystone+glance"
    identity_counted = False
    members_need_shared = True  # upstream Glance: image API 2.5 and later
    project_lookup = "own"  # Keystone's default policy: a member may look up only its own projects

    def __init__(self, peers):
        self.peers = peers
        user = peers["users"]["userA"]
        self.region = peers["region"]
        self.params = {"auth_url": peers["keystone_url"], "username": user["name"], "password": user["password"],
                       "project_name": user["project"], "region": self.region}
        other = peers["users"]["userB"]
        self.consumer_params = {"auth_url": peers["keystone_url"], "username": other["name"], "password": other["password"],
                                "project_name": other["project"], "region": self.region}
        self.token, body = get_token(peers, "userA")
        self.other_token = get_token(peers, "userB")[0]
        self.owner = body["project"]["id"]
        self.other_project = other["project_id"]
        self.created = []

    def make_image(self, name, tags=(), token=None, data=True, **properties):
        """An image of userA's project (raw/bare unless told otherwise); with ``data`` IMAGE_DATA is uploaded."""
        glance = self.peers["glance_keystone_url"].rstrip("/") + "/v2/images"
        headers = {"X-Auth-Token": token or self.token}
        body = dict({"disk_format": "raw", "container_format": "bare"}, **properties)
        body.update(name=name, tags=list(tags))
        response = requests.post(glance, json=body, headers=headers, timeout=30)
        response.raise_for_status()
        image_id = response.json()["id"]
        self.created.append(image_id)
        if data:
            upload = requests.put("%s/%s/file" % (glance, image_id), data=IMAGE_DATA,
                                  headers=dict(headers, **{"Content-Type": "application/octet-stream"}), timeout=30)
            upload.raise_for_status()
        return image_id

    def images(self):
        return logged_in(self.params)

    def consumer_images(self):
        return logged_in(self.consumer_params)

    def share_with_me(self, name):
        """An image of userB's project shared with userA's, not yet accepted."""
        image_id = self.make_image(name, token=self.other_token, visibility="shared")
        glance = self.peers["glance_keystone_url"].rstrip("/") + "/v2/images"
        requests.post("%s/%s/members" % (glance, image_id), json={"member": self.owner},
                      headers={"X-Auth-Token": self.other_token}, timeout=30).raise_for_status()
        return image_id

    def cleanup(self):
        """Delete what the test made (a protected image is unprotected first: Glance refuses to delete it)."""
        glance = self.peers["glance_keystone_url"].rstrip("/") + "/v2/images"
        for image_id in self.created:
            requests.patch("%s/%s" % (glance, image_id), json=[{"op": "replace", "path": "/protected", "value": False}],
                           headers={"X-Auth-Token": self.token, "Content-Type": "application/openstack-images-v2.1-json-patch"},
                           timeout=30)
            for token in (self.token, self.other_token):
                requests.delete("%s/%s" % (glance, image_id), headers={"X-Auth-Token": token}, timeout=30)


class KeystoneAdminBackend(KeystoneGlanceBackend):
    """The same Keystone and Glance as the peers' admin, in the admin project: Keystone answers it about any project."""

    name = "keystone-admin"
    project_lookup = "any"

    def __init__(self, peers):
        super().__init__(peers)
        admin = peers["admin"]
        self.params = {"auth_url": peers["keystone_url"], "username": admin["user"], "password": admin["password"],
                       "project_name": admin["project"], "region": self.region}
        login = requests.post(peers["keystone_url"] + "/auth/tokens", timeout=30,
                              json=password_auth_body(admin["user"], admin["password"], admin["project"], peers["domain"]))
        login.raise_for_status()
        self.token, self.owner = login.headers["X-Subject-Token"], admin["project_id"]


class HeaderSession:
    """Upstream Glance in its header-trusted mode knows no tokens: the project comes in X-Project-Id.

    This stands in for the logged-in session (same calls) so that the image and sharing code runs
    unchanged against that Glance; everything below it (HTTP, error mapping) is the real client.
    """

    class Auth:
        def __init__(self, project_id):
            self.project_id = project_id

    def __init__(self, url, project_id):
        self.url = url
        self.auth = self.Auth(project_id)
        self.region = "trusted"
        self.http = HttpClient()
        self.headers = trusted_headers(project_id)

    def endpoint(self, service_type, interface="public"):
        return self.url

    def request(self, method, url, headers=None, **kwargs):
        return self.http.request(method, url, headers=dict(self.headers, **(headers or {})), **kwargs)

    def json(self, method, url, **kwargs):
        return self.http.decode(self.request(method, url, **kwargs), method, url)


class TrustedGlanceBackend:
    """Upstream Glance with identity from headers: two projects, no Keystone (sharing tests only)."""

    name = "trusted-glance"
    members_need_shared = True

    def __init__(self, peers):
        self.url = peers["glance_trusted_url"]
        self.owner = peers["projects"]["tenantA"]["id"]
        self.other = peers["projects"]["tenantB"]["id"]
        self.region = "trusted"

    def images(self):
        return ImageService(HeaderSession(self.url, self.owner))

    def consumer_images(self):
        return ImageService(HeaderSession(self.url, self.other))

    def make_image(self, name, project=None, **properties):
        response = requests.post(self.url + "/v2/images", headers=trusted_headers(project or self.owner), timeout=30,
                                 json=dict(properties, name=name, disk_format="raw", container_format="bare"))
        response.raise_for_status()
        return response.json()["id"]

    def share_with_me(self, name):
        image_id = self.make_image(name, project=self.other, visibility="shared")
        requests.post("%s/v2/images/%s/members" % (self.url, image_id), json={"member": self.owner},
                      headers=trusted_headers(self.other), timeout=30).raise_for_status()
        return image_id


@pytest.fixture(params=["localcloud-v2.0", "keystone+glance", "trusted-glance"])
def sharing_backend(request):
    """The backends of the sharing tests: the local cloud, Glance behind Keystone, and header-trusted Glance."""
    yield from make_backend(request)


@pytest.fixture(params=["localcloud-v2.0", "localcloud-v3", "keystone+glance", "keystone-admin"])
def identity_backend(request):
    """The backends whose identity service is asked about members: Rackspace's, and Keystone as a member and as admin."""
    yield from make_backend(request)


@pytest.fixture(scope="session")
def localcloud():
    with LocalCloud() as cloud:
        yield cloud


@pytest.fixture(scope="session")
def peers():
    data = load_peers()
    if data is None:
        if os.environ.get("OPENCLOUD_SKIP_PEERS") == "1":
            pytest.skip("OPENCLOUD_SKIP_PEERS=1: real peers not started in this run")
        pytest.fail("OPENCLOUD_PEERS is not set: start the real peers with tests/peers/start.sh (scripts/test.sh does)")
    return data


@pytest.fixture(params=["localcloud-v2.0", "localcloud-v3", "keystone+glance"])
def backend(request):
    yield from make_backend(request)


def make_backend(request):
    """The backend named by the fixture's parameter; images made on real Glance are deleted afterwards."""
    if request.param == "trusted-glance":
        yield TrustedGlanceBackend(request.getfixturevalue("peers"))
    elif request.param in ("keystone+glance", "keystone-admin"):
        kind = KeystoneGlanceBackend if request.param == "keystone+glance" else KeystoneAdminBackend
        real = kind(request.getfixturevalue("peers"))
        yield real
        real.cleanup()
    else:
        yield LocalCloudBackend(request.getfixturevalue("localcloud"), request.param.rsplit("-v", 1)[1])


@pytest.fixture
def unique():
    """A name prefix no other test uses, so tests can share one cloud."""
    return "ct-%s" % uuid.uuid4().hex[:8]
