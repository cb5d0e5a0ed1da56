"""Tests of the local cloud itself (run: ``PYTHONPATH=tests python -m pytest tests/localcloud``)."""

import json
import re
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from localcloud.app import create_app
from localcloud.seed import ACCOUNTS, REGIONS, default_seed, load_seed
from localcloud.server import LocalCloud, check_loopback
from localcloud.state import CloudState

DEMO, CONSUMER = ACCOUNTS
IMAGES = "/regions/DFW/image/v2/images"
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"
V2_TOKENS = "/identity/v2.0/tokens"
V3_TOKENS = "/identity/v3/auth/tokens"
KEYSTONE_401 = {"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}
RAX_401 = {"unauthorized": {"code": 401, "message": "Unable to authenticate user with credentials provided."}}


@pytest.fixture
def state():
    return CloudState(default_seed())


@pytest.fixture
def client(state):
    return create_app(state).test_client()


def apikey_auth(account=None, **extra):
    account = account or DEMO
    return {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": account["username"], "apiKey": account["api_key"]}, **extra}}


def password_v3(account=None, password=None, **scope):
    account = account or DEMO
    user = {"name": account["username"], "domain": {"id": "default"}, "password": password or account["password"]}
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}
    if scope:
        body["auth"]["scope"] = scope
    return body


def headers_for(client, account):
    response = client.post(V2_TOKENS, json=apikey_auth(account))
    assert response.status_code == 200
    return {"X-Auth-Token": response.get_json()["access"]["token"]["id"], "Accept": "application/json"}


@pytest.fixture
def demo(client):
    return headers_for(client, DEMO)


@pytest.fixture
def consumer(client):
    return headers_for(client, CONSUMER)


def names(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [image["name"] for image in response.get_json()["images"]]


def add_image(client, region="DFW", owner=DEMO["tenant_id"], **fields):
    response = client.post("/_localcloud/images", json={"region": region, "owner": owner, **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def patch(client, headers, image_id, operations, content_type=PATCH_TYPE):
    return client.patch(f"{IMAGES}/{image_id}", headers={**headers, "Content-Type": content_type}, data=json.dumps(operations))


def seed_image(client, headers, name):
    return next(image for image in client.get(IMAGES, headers=headers).get_json()["images"] if image["name"] == name)


# Identity v2.0

def test_v2_apikey_auth_returns_token_user_and_catalog(client):
    access = client.post(V2_TOKENS, json=apikey_auth()).get_json()["access"]
    token = access["token"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", token["expires"])
    assert token["tenant"] == {"id": "100001", "name": "100001"}
    assert token["RAX-AUTH:authenticatedBy"] == ["APIKEY"]
    assert access["user"]["name"] == "demo" and access["user"]["RAX-AUTH:defaultRegion"] == "DFW"
    assert {role["name"] for role in access["user"]["roles"]} >= {"compute:default", "object-store:default"}
    catalog = {service["name"]: service for service in access["serviceCatalog"]}
    assert {name: service["type"] for name, service in catalog.items()} == {
        "cloudServersOpenStack": "compute", "cloudImages": "image", "cloudFiles": "object-store", "cloudFilesCDN": "rax:object-cdn"}
    for name, service in catalog.items():
        assert [endpoint["region"] for endpoint in service["endpoints"]] == REGIONS, name
    dfw = {name: service["endpoints"][0] for name, service in catalog.items()}
    assert dfw["cloudServersOpenStack"] == {"region": "DFW", "tenantId": "100001", "publicURL": "http://localhost/regions/DFW/compute/v2/100001",
                                            "versionId": "2", "versionInfo": "http://localhost/regions/DFW/compute/v2",
                                            "versionList": "http://localhost/regions/DFW/compute/"}
    assert dfw["cloudImages"] == {"region": "DFW", "tenantId": "100001", "publicURL": "http://localhost/regions/DFW/image/v2"}
    assert dfw["cloudFiles"] == {"region": "DFW", "tenantId": "MossoCloudFS_100001",
                                 "publicURL": "http://localhost/regions/DFW/object-store/v1/MossoCloudFS_100001",
                                 "internalURL": "http://localhost/regions/DFW/snet-object-store/v1/MossoCloudFS_100001"}
    # the CDN management endpoint: public only, the Cloud Files tenant (DID samples/auth-response.json)
    assert dfw["cloudFilesCDN"] == {"region": "DFW", "tenantId": "MossoCloudFS_100001",
                                    "publicURL": "http://localhost/regions/DFW/object-cdn/v1/MossoCloudFS_100001"}


def test_v2_password_auth_and_tenant_selection(client):
    body = {"auth": {"passwordCredentials": {"username": "consumer", "password": CONSUMER["password"]}, "tenantName": "100002"}}
    access = client.post(V2_TOKENS, json=body).get_json()["access"]
    assert access["token"]["RAX-AUTH:authenticatedBy"] == ["PASSWORD"]
    assert access["token"]["tenant"]["id"] == "100002"


def test_v2_token_reauth_keeps_account_and_expiry(client):
    first = client.post(V2_TOKENS, json=apikey_auth()).get_json()["access"]["token"]
    response = client.post(V2_TOKENS, json={"auth": {"token": {"id": first["id"]}, "tenantId": "100001"}})
    assert response.status_code == 200
    second = response.get_json()["access"]["token"]
    assert second["id"] != first["id"]
    assert (second["expires"], second["tenant"], second["RAX-AUTH:authenticatedBy"]) == (first["expires"], first["tenant"], ["APIKEY"])


@pytest.mark.parametrize("body, status, fault", [
    ({"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": "wrong"}}}, 401, RAX_401),
    ({"auth": {"passwordCredentials": {"username": "nobody", "password": "x"}}}, 401, RAX_401),
    ({"auth": {"token": {"id": "not-a-token"}, "tenantId": "100001"}}, 401, RAX_401),
    (apikey_auth(tenantId="100001", tenantName="100001"), 400, "badRequest"),
    ({"auth": {"somethingElse": {}}}, 400, "badRequest"),
    ({"auth": {"passwordCredentials": "demo"}}, 400, "badRequest"),
    ([1, 2], 400, "badRequest"),
])
def test_v2_auth_errors(client, body, status, fault):
    response = client.post(V2_TOKENS, json=body)
    assert response.status_code == status
    if isinstance(fault, dict):
        assert response.get_json() == fault
    else:
        assert response.get_json()[fault]["code"] == status


def test_v2_wrong_tenant_is_unauthorized(client):
    response = client.post(V2_TOKENS, json=apikey_auth(tenantId="100002"))
    assert response.status_code == 401
    assert "'100002' is not valid for User 'demo'" in response.get_json()["unauthorized"]["message"]


def test_identity_version_documents(client):
    root = client.get("/identity/")
    assert root.status_code == 300
    assert [version["id"] for version in root.get_json()["versions"]["values"]] == ["v3.14", "v2.0"]
    assert client.get("/identity/v2.0").get_json()["version"]["links"][0]["href"] == "http://localhost/identity/v2.0/"
    assert client.get("/identity/v3").get_json()["version"]["id"] == "v3.14"


def test_identity_routing_errors_use_each_version_style(client):
    assert client.get("/identity/v2.0/nowhere").get_json()["itemNotFound"]["code"] == 404
    assert client.get(V2_TOKENS).get_json()["badMethod"]["code"] == 405
    assert client.get("/identity/v3/nowhere").get_json()["error"]["title"] == "Not Found"


# Keystone v3

def test_v3_password_auth_by_name_with_project_scope(client):
    response = client.post(V3_TOKENS, json=password_v3(project={"name": "100001", "domain": {"name": "Default"}}))
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert response.headers["X-Subject-Token"] and response.headers["X-Subject-Token"] not in response.get_data(as_text=True)
    assert token["methods"] == ["password"]
    assert token["user"]["name"] == "demo" and token["user"]["domain"] == {"id": "default", "name": "Default"}
    assert token["project"]["id"] == "100001"
    assert {role["name"] for role in token["roles"]} == {"member", "reader"}
    for stamp in ("expires_at", "issued_at"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z", token[stamp])
    catalog = {service["type"]: service for service in token["catalog"]}
    images = [endpoint for endpoint in catalog["image"]["endpoints"] if endpoint["region"] == "ORD"]
    assert images == [{"id": images[0]["id"], "interface": "public", "region": "ORD", "region_id": "ORD", "url": "http://localhost/regions/ORD/image"}]
    files = {endpoint["interface"]: endpoint["url"] for endpoint in catalog["object-store"]["endpoints"] if endpoint["region"] == "IAD"}
    assert files == {"public": "http://localhost/regions/IAD/object-store/v1/MossoCloudFS_100001",
                     "internal": "http://localhost/regions/IAD/snet-object-store/v1/MossoCloudFS_100001"}
    assert catalog["compute"]["name"] == "cloudServersOpenStack"
    assert "rax:object-cdn" not in catalog  # Rackspace's v2.0 catalog only


def test_v3_password_auth_by_user_id_and_project_id(client):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": CONSUMER["user_id"], "password": CONSUMER["password"]}}},
                     "scope": {"project": {"id": "100002"}}}}
    response = client.post(V3_TOKENS + "?nocatalog", json=body)
    assert response.status_code == 201
    assert response.get_json()["token"]["project"]["id"] == "100002"
    assert "catalog" not in response.get_json()["token"]


def test_v3_application_credential_is_scoped_to_its_project(client):
    credential = {"id": "demo-appcred", "secret": "demo-appcred-SECRET"}
    body = {"auth": {"identity": {"methods": ["application_credential"], "application_credential": credential}}}
    response = client.post(V3_TOKENS, json=body)
    assert response.status_code == 201
    assert response.get_json()["token"]["project"]["id"] == "100001"
    by_name = {"name": "demo-appcred", "user": {"name": "demo", "domain": {"id": "default"}}, "secret": "demo-appcred-SECRET"}
    assert client.post(V3_TOKENS, json={"auth": {"identity": {"methods": ["application_credential"], "application_credential": by_name}}}).status_code == 201
    scoped = client.post(V3_TOKENS, json={"auth": {**body["auth"], "scope": {"project": {"id": "100001"}}}})
    assert scoped.status_code == 401
    assert scoped.get_json()["error"]["message"].startswith("Error authenticating with application credential")
    wrong = {"auth": {"identity": {"methods": ["application_credential"], "application_credential": {**credential, "secret": "nope"}}}}
    assert client.post(V3_TOKENS, json=wrong).get_json() == KEYSTONE_401


def test_v3_token_method_keeps_expiry_and_adds_methods(client):
    first = client.post(V3_TOKENS, json=password_v3())
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": first.headers["X-Subject-Token"]}}, "scope": {"project": {"id": "100001"}}}}
    second = client.post(V3_TOKENS, json=body)
    assert second.status_code == 201
    assert second.get_json()["token"]["methods"] == ["token", "password"]
    assert second.get_json()["token"]["expires_at"] == first.get_json()["token"]["expires_at"]


@pytest.mark.parametrize("body, status, message", [
    (password_v3(password="wrong"), 401, "The request you have made requires authentication."),
    (password_v3(project={"id": "100002"}), 401, "The request you have made requires authentication."),
    ({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "demo", "password": "x"}}}}}, 400,
     "Expecting to find domain in user."),
    ({"auth": {"identity": {"methods": ["password"], "password": {"user": {"password": "x"}}}}}, 400, "id or name must be present"),
    ({"auth": {"identity": {"methods": ["totp"], "totp": {}}}}, 401, "Attempted to authenticate with an unsupported method."),
    ({"auth": {"identity": {"methods": ["password"]}}}, 400, "Expecting to find password in identity."),
    ({"auth": {}}, 400, "'identity' is a required property"),
    (password_v3(project={"name": "100001"}), 400, "Expecting to find domain in project."),
])
def test_v3_auth_errors(client, body, status, message):
    response = client.post(V3_TOKENS, json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == status and error["title"] == {400: "Bad Request", 401: "Unauthorized"}[status]
    assert message in error["message"]
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Keystone uri="http://localhost/identity"'


def test_v3_rejects_a_body_that_is_not_json(client):
    response = client.post(V3_TOKENS, data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith("Expecting to find valid JSON in request body.")


def test_token_lifetime_is_configurable():
    client = create_app(CloudState(default_seed(), token_ttl=60)).test_client()
    expires = client.post(V3_TOKENS, json=password_v3()).get_json()["token"]["expires_at"]
    lifetime = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
    assert timedelta(seconds=50) < lifetime <= timedelta(seconds=60)


# Images: authentication and routing

def test_image_api_needs_a_valid_token(client, demo):
    for headers in ({}, {"X-Auth-Token": "bogus"}):
        response = client.get(IMAGES, headers=headers)
        assert response.status_code == 401
        assert response.get_json() == KEYSTONE_401
        assert response.headers["WWW-Authenticate"] == 'Keystone uri="http://localhost/identity"'
    assert client.get("/regions/dfw/image/v2/images", headers=demo).status_code == 200


def test_image_api_unknown_region_and_versions(client, demo):
    assert client.get("/regions/LON/image/v2/images", headers=demo).status_code == 404
    versions = client.get("/regions/ord/image/")
    assert versions.status_code == 300
    assert versions.get_json()["versions"][0] == {"id": "v2.2", "status": "CURRENT",
                                                  "links": [{"rel": "self", "href": "http://localhost/regions/ORD/image/v2/"}]}


def test_glance_errors_follow_the_accept_header(client, demo):
    url = f"{IMAGES}/missing"
    as_json = client.get(url, headers=demo)
    assert as_json.get_json() == {"message": "No image found with ID missing<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}
    token = {"X-Auth-Token": demo["X-Auth-Token"]}
    as_html = client.get(url, headers={**token, "Accept": "*/*"})
    assert as_html.mimetype == "text/html" and "<h1>404 Not Found</h1>" in as_html.get_data(as_text=True)
    as_text = client.get(url, headers=token)
    assert as_text.mimetype == "text/plain" and as_text.get_data(as_text=True).startswith("404 Not Found\n\nNo image found with ID missing")
    wrong_method = client.put(IMAGES, headers=demo)
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "GET"


# Images: listing

def test_default_list_is_own_and_public_images_of_the_region(client, demo, consumer):
    assert sorted(names(client.get(IMAGES, headers=demo))) == sorted([
        "Ubuntu 24.04 LTS (Noble Numbat) (PVHVM)", "CentOS Stream 9 (PVHVM)", "Windows Server 2022 Standard (PVHVM)",
        "Fortinet FortiGate-VM 7.4 (PVHVM)", "web01-2026-11-20", "dc01-2026-11-21", "busy01-2026-11-26"])
    assert "consumer-private-2026-11-23" in names(client.get(IMAGES, headers=consumer))
    assert "web01-2026-11-20" not in names(client.get(IMAGES, headers=consumer))
    assert names(client.get("/regions/ORD/image/v2/images?owner=100001", headers=demo)) == ["busy01-2026-11-26", "db01-2026-11-22"]


def test_list_defaults_to_newest_first(client, demo):
    created = [image["created_at"] for image in client.get(IMAGES, headers=demo).get_json()["images"]]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("query, expected", [
    ("name=web01-2026-11-20", ["web01-2026-11-20"]),
    ("name=in:web01-2026-11-20,dc01-2026-11-21", ["dc01-2026-11-21", "web01-2026-11-20"]),
    ("status=active&owner=100001", ["dc01-2026-11-21", "web01-2026-11-20"]),
    ("status=bogus", []),
    ("visibility=private", ["busy01-2026-11-26", "dc01-2026-11-21", "web01-2026-11-20"]),
    ("visibility=public&os_type=windows", ["Windows Server 2022 Standard (PVHVM)"]),
    ("image_type=snapshot&com.example.role=web", ["web01-2026-11-20"]),
    ("size_min=2147483648&size_max=9663676416", ["web01-2026-11-20", "Windows Server 2022 Standard (PVHVM)"]),
    ("min_disk=40", ["Windows Server 2022 Standard (PVHVM)"]),
    ("protected=true", []),
    ("sort_key=name&sort_dir=asc&owner=100001", ["busy01-2026-11-26", "dc01-2026-11-21", "web01-2026-11-20"]),
    ("sort=name:desc&owner=100001", ["web01-2026-11-20", "dc01-2026-11-21", "busy01-2026-11-26"]),
])
def test_list_filters(client, demo, query, expected):
    assert names(client.get(f"{IMAGES}?{query}", headers=demo)) == expected


def test_list_tag_filters_are_anded(client, demo):
    add_image(client, name="both", tags=["gold", "db"])
    add_image(client, name="gold-only", tags=["gold"])
    assert names(client.get(f"{IMAGES}?tag=gold&tag=db", headers=demo)) == ["both"]
    assert sorted(names(client.get(f"{IMAGES}?tag=gold", headers=demo))) == ["both", "gold-only"]


def test_shared_images_follow_member_status(client, demo, consumer):
    pending = add_image(client, name="shared-pending", members={"100002": "pending"})
    add_image(client, name="shared-accepted", members={"100002": "accepted"})
    assert "shared-pending" not in names(client.get(IMAGES, headers=consumer))
    assert "shared-accepted" in names(client.get(IMAGES, headers=consumer))
    assert names(client.get(f"{IMAGES}?visibility=shared", headers=consumer)) == ["shared-accepted"]
    assert names(client.get(f"{IMAGES}?visibility=shared&member_status=pending", headers=consumer)) == ["shared-pending"]
    assert sorted(names(client.get(f"{IMAGES}?visibility=shared&member_status=all", headers=consumer))) == ["shared-accepted", "shared-pending"]
    assert client.get(f"{IMAGES}/{pending['id']}", headers=consumer).status_code == 200
    denied = patch(client, consumer, pending["id"], [{"op": "replace", "path": "/name", "value": "mine"}])
    assert denied.status_code == 403
    assert "modify_image" in denied.get_json()["message"]


def test_pagination_follows_next_links(client, demo):
    for number in range(7):
        add_image(client, name=f"page-{number}", tags=["paged"], created_at=f"2026-11-25T00:00:0{number}Z")
    seen, url, pages = [], f"{IMAGES}?tag=paged&limit=3", 0
    while url:
        body = client.get(url, headers=demo).get_json()
        pages += 1
        seen += [image["name"] for image in body["images"]]
        assert body["first"] == "/v2/images?tag=paged&limit=3"
        url = body.get("next") and "/regions/DFW/image" + body["next"]
        if url:
            assert re.fullmatch(r"/regions/DFW/image/v2/images\?tag=paged&limit=3&marker=[0-9a-f-]{36}", url)
    assert pages == 3
    assert seen == [f"page-{number}" for number in reversed(range(7))]


def test_limit_is_clamped_to_100(client, demo):
    for number in range(101):
        add_image(client, name=f"bulk-{number}")
    body = client.get(f"{IMAGES}?limit=1000&owner=100001", headers=demo).get_json()
    assert len(body["images"]) == 100 and "next" in body
    assert len(client.get(f"{IMAGES}?owner=100001", headers=demo).get_json()["images"]) == 25


@pytest.mark.parametrize("query, message", [
    ("limit=-1", "limit param must be positive"),
    ("limit=abc", "limit param must be an integer"),
    ("sort_dir=sideways", "Invalid sort direction: sideways"),
    ("sort_key=colour", "Invalid sort key: colour."),
    ("sort=name&sort_key=name", "Old and new sorting syntax cannot be combined"),
    ("visibility=bogus", "Invalid visibility value: bogus"),
    ("member_status=bogus", "Invalid status: bogus"),
    ("size_min=big", "Unable to filter on a range with a non-numeric value."),
    ("protected=maybe", "Invalid value 'maybe' for 'protected' filter."),
    ("name=web:01", "Unable to filter by unknown operator 'web'."),
    ("marker=00000000-0000-0000-0000-000000000000", "No image found with ID 00000000-0000-0000-0000-000000000000"),
])
def test_list_rejects_invalid_parameters(client, demo, query, message):
    response = client.get(f"{IMAGES}?{query}", headers=demo)
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(message)


def test_marker_of_an_invisible_image_is_forbidden(client, demo, consumer):
    private = seed_image(client, consumer, "consumer-private-2026-11-23")
    assert client.get(f"{IMAGES}?marker={private['id']}", headers=demo).status_code == 403


# Images: one image

def test_show_returns_the_bare_image(client, demo, consumer):
    listed = seed_image(client, demo, "web01-2026-11-20")
    image = client.get(f"{IMAGES}/{listed['id']}", headers=demo).get_json()
    assert image == listed
    assert image["self"] == f"/v2/images/{image['id']}" and image["file"] == f"/v2/images/{image['id']}/file"
    assert image["schema"] == "/v2/schemas/image"
    assert (image["image_type"], image["visibility"], image["com.example.role"]) == ("snapshot", "private", "web")
    assert client.get(f"{IMAGES}/{listed['id']}", headers=consumer).status_code == 404


def test_patch_updates_attributes_and_properties(client, demo):
    image = add_image(client, name="before", created_at="2026-01-01T00:00:00Z", **{"com.example.keep": "1", "com.example.drop": "x"})
    response = patch(client, demo, image["id"], [
        {"op": "replace", "path": "/name", "value": "after"},
        {"op": "add", "path": "/com.example.new", "value": "v"},
        {"op": "replace", "path": "/com.example.keep", "value": "2"},
        {"op": "remove", "path": "/com.example.drop"},
        {"op": "replace", "path": "/tags", "value": ["a", "b", "a"]},
        {"op": "replace", "path": "/protected", "value": True},
        {"op": "replace", "path": "/min_ram", "value": 1024},
        {"op": "add", "path": "/os_distro", "value": "ubuntu"},
    ])
    assert response.status_code == 200
    updated = response.get_json()
    assert (updated["name"], updated["com.example.new"], updated["com.example.keep"]) == ("after", "v", "2")
    assert "com.example.drop" not in updated
    assert (updated["tags"], updated["protected"], updated["min_ram"], updated["os_distro"]) == (["a", "b"], True, 1024, "ubuntu")
    assert updated["updated_at"] > updated["created_at"] == "2026-01-01T00:00:00Z"
    assert client.get(f"{IMAGES}/{image['id']}", headers=demo).get_json() == updated


def test_patch_with_the_v2_0_media_type(client, demo):
    image = add_image(client, name="old")
    response = patch(client, demo, image["id"], [{"replace": "/name", "value": "new"}], "application/openstack-images-v2.0-json-patch")
    assert response.get_json()["name"] == "new"
    again = patch(client, demo, image["id"], [{"add": "/name", "value": "x"}], "application/openstack-images-v2.0-json-patch")
    assert again.status_code == 409


@pytest.mark.parametrize("operations, status, message", [
    ([{"op": "replace", "path": "/id", "value": "x"}], 403, "Attribute 'id' is read-only."),
    ([{"op": "replace", "path": "/status", "value": "queued"}], 403, "Attribute 'status' is read-only."),
    ([{"op": "replace", "path": "/owner", "value": "100002"}], 403, "Owner can't be updated by non admin."),
    ([{"op": "add", "path": "/com.rackspace__1__options", "value": "0"}], 403, "Attribute 'com.rackspace__1__options' is reserved."),
    ([{"op": "replace", "path": "/visibility", "value": "public"}], 403, "You are not authorized to complete publicize_image action."),
    ([{"op": "remove", "path": "/name"}], 403, "Property name may not be removed."),
    ([{"op": "replace", "path": "/disk_format", "value": "raw"}], 403, "Attribute disk_format can be only replaced for a queued image."),
    ([{"op": "replace", "path": "/com.example.missing", "value": "x"}], 409, "Property com.example.missing does not exist."),
    ([{"op": "remove", "path": "/com.example.missing"}], 409, "Property com.example.missing does not exist."),
    ([{"op": "add", "path": "/tags/-", "value": "x"}], 400, "Invalid JSON pointer for this resource: '/tags/-'"),
    ([{"op": "move", "path": "/name"}], 400, "Invalid operation: `move`."),
    ([{"op": "add", "path": "/name"}], 400, 'Operation "add" requires a member named "value".'),
    ([{"op": "add", "path": "name", "value": "x"}], 400, 'Pointer `name` does not start with "/".'),
    ([{"op": "add", "path": "/com.example.size", "value": 5}], 400, "Provided object does not match schema 'image': 5 is not of type 'string'"),
    ([{"op": "replace", "path": "/visibility", "value": "everyone"}], 400, "Provided object does not match schema 'image': 'everyone' is not one of"),
    ([{"op": "replace", "path": "/min_disk", "value": -1}], 400, "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value"),
    ({"op": "replace"}, 400, "Request body must be a JSON array of operation objects."),
    (["replace"], 400, "Operations must be JSON objects."),
])
def test_patch_errors(client, demo, operations, status, message):
    image = add_image(client, name="target", disk_format="vhd")
    response = patch(client, demo, image["id"], operations)
    assert response.status_code == status
    assert message in response.get_json()["message"]
    assert client.get(f"{IMAGES}/{image['id']}", headers=demo).get_json() == image


def test_patch_needs_the_json_patch_media_type_and_json(client, demo):
    image = add_image(client, name="target")
    response = patch(client, demo, image["id"], [], "application/json")
    assert response.status_code == 415
    assert response.headers["Accept-Patch"] == "application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch"
    assert "Image PATCH expects Content-Type one of" in response.get_json()["message"]
    malformed = client.patch(f"{IMAGES}/{image['id']}", headers={**demo, "Content-Type": PATCH_TYPE}, data="[{")
    assert malformed.status_code == 400 and malformed.get_json()["message"].startswith("Malformed JSON in request body.")


def test_patch_of_others_images(client, demo, consumer):
    public = seed_image(client, demo, "CentOS Stream 9 (PVHVM)")
    assert patch(client, demo, public["id"], [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 403
    private = seed_image(client, consumer, "consumer-private-2026-11-23")
    missing = patch(client, demo, private["id"], [{"op": "replace", "path": "/name", "value": "x"}])
    assert missing.status_code == 404 and missing.get_json()["message"].startswith(f"No image found with ID {private['id']}")


def test_delete(client, demo, consumer):
    image = add_image(client, name="doomed")
    assert client.delete(f"{IMAGES}/{image['id']}", headers=demo).status_code == 204
    gone = client.delete(f"{IMAGES}/{image['id']}", headers=demo)
    assert gone.status_code == 404 and gone.get_json()["message"].startswith(f"Failed to find image {image['id']} to delete")
    protected = add_image(client, name="keep", protected=True)
    refused = client.delete(f"{IMAGES}/{protected['id']}", headers=demo)
    assert refused.status_code == 403
    assert refused.get_json()["message"].startswith(f"Image {protected['id']} is protected and cannot be deleted.")
    public = seed_image(client, consumer, "CentOS Stream 9 (PVHVM)")
    assert client.delete(f"{IMAGES}/{public['id']}", headers=consumer).status_code == 403
    private = seed_image(client, consumer, "consumer-private-2026-11-23")
    assert client.delete(f"{IMAGES}/{private['id']}", headers=demo).status_code == 404


def test_tags(client, demo, consumer):
    image = add_image(client, name="tagged", tags=["one"])
    url = f"{IMAGES}/{image['id']}/tags"
    assert client.put(f"{url}/two", headers=demo).status_code == 204
    assert client.put(f"{url}/two", headers=demo).status_code == 204
    assert client.delete(f"{url}/one", headers=demo).status_code == 204
    assert client.get(f"{IMAGES}/{image['id']}", headers=demo).get_json()["tags"] == ["two"]
    assert client.delete(f"{url}/one", headers=demo).status_code == 404
    assert client.put(f"{url}/{'x' * 256}", headers=demo).status_code == 400
    public = seed_image(client, demo, "CentOS Stream 9 (PVHVM)")
    assert client.put(f"{IMAGES}/{public['id']}/tags/mine", headers=demo).status_code == 403
    assert client.put(f"{url}/theirs", headers=consumer).status_code == 404


# Control API

def test_expired_tokens_get_401(client, demo):
    token = demo["X-Auth-Token"]
    assert client.post("/_localcloud/tokens/expire").get_json()["expired"] >= 1
    assert client.get(IMAGES, headers=demo).status_code == 401
    assert client.post(V2_TOKENS, json={"auth": {"token": {"id": token}}}).status_code == 401
    assert client.get(IMAGES, headers=headers_for(client, DEMO)).status_code == 200


def test_faults_are_served_then_used_up(client, demo):
    response = client.post("/_localcloud/faults", json={"path_regex": r"/image/v2/images$", "status": 503, "count": 2})
    assert response.status_code == 201
    assert [client.get(IMAGES, headers=demo).status_code for attempt in range(3)] == [503, 503, 200]
    over_limit = {"overLimit": {"code": 413, "message": "Rate limit exceeded", "retryAfter": "1"}}
    client.post("/_localcloud/faults", json={"method": "post", "path_regex": "^/identity/v2.0/tokens$", "status": 413,
                                             "headers": {"Retry-After": "1"}, "body": over_limit})
    assert client.get("/identity/v2.0").status_code == 200
    limited = client.post(V2_TOKENS, json=apikey_auth())
    assert (limited.status_code, limited.headers["Retry-After"], limited.get_json()) == (413, "1", over_limit)
    assert client.post(V2_TOKENS, json=apikey_auth()).status_code == 200


def test_faults_can_be_listed_and_cleared(client, demo):
    client.post("/_localcloud/faults", json={"path_regex": ".", "status": 500, "count": 5, "body": "boom"})
    client.post("/_localcloud/faults", json={"path_regex": "^/_localcloud", "status": 500})
    assert client.get("/_localcloud/state").status_code == 200
    assert len(client.get("/_localcloud/state").get_json()["faults"]) == 2
    failed = client.get(IMAGES, headers=demo)
    assert (failed.status_code, failed.get_data(as_text=True)) == (500, "boom")
    assert client.delete("/_localcloud/faults").status_code == 204
    assert client.get(IMAGES, headers=demo).status_code == 200


@pytest.mark.parametrize("fault", [
    {"status": 500},
    {"path_regex": "(", "status": 500},
    {"path_regex": ".", "status": "500"},
    {"path_regex": ".", "status": 500, "count": 0},
    {"path_regex": ".", "status": 500, "colour": "red"},
])
def test_bad_faults_are_refused(client, fault):
    response = client.post("/_localcloud/faults", json=fault)
    assert response.status_code == 400 and "error" in response.get_json()


def test_request_log_has_no_secrets(client, demo):
    client.post(V2_TOKENS, json={"auth": {"passwordCredentials": {"username": "demo", "password": DEMO["password"]}}})
    client.post(V3_TOKENS, json={"auth": {"identity": {"methods": ["application_credential"],
                                                       "application_credential": {"id": "demo-appcred", "secret": "demo-appcred-SECRET"}}}})
    client.get(f"{IMAGES}?name=web01-2026-11-20", headers=demo)
    client.get("/nowhere")
    log = client.get("/_localcloud/requests").get_json()["requests"]
    assert all(isinstance(entry.pop("time"), float) for entry in log)
    assert [(entry["service"], entry["method"], entry["status"]) for entry in log] == [
        ("identity", "POST", 200), ("identity", "POST", 200), ("identity", "POST", 201), ("image", "GET", 200), ("unknown", "GET", 404)]
    assert log[3] == {"method": "GET", "path": IMAGES, "status": 200, "service": "image", "query": ["name"]}
    dumped = json.dumps(log) + client.get("/_localcloud/state").get_data(as_text=True)
    assert "SECRET" not in dumped and demo["X-Auth-Token"] not in dumped
    assert client.delete("/_localcloud/requests").status_code == 204
    cleared = {"method": "DELETE", "path": "/_localcloud/requests", "status": 204, "service": "control", "query": []}
    assert [dict(entry, time=0) for entry in client.get("/_localcloud/requests").get_json()["requests"]] == [dict(cleared, time=0)]


def test_reset_restores_the_seed(client, demo):
    image = seed_image(client, demo, "web01-2026-11-20")
    client.delete(f"{IMAGES}/{image['id']}", headers=demo)
    add_image(client, name="extra")
    assert client.post("/_localcloud/reset").status_code == 204
    assert client.get(IMAGES, headers=demo).status_code == 401
    demo = headers_for(client, DEMO)
    listed = names(client.get(IMAGES, headers=demo))
    assert "web01-2026-11-20" in listed and "extra" not in listed


@pytest.mark.parametrize("body", [{"region": "DFW"}, {"region": "LON", "owner": "100001"}, {"region": "DFW", "owner": "1", "members": []}])
def test_control_image_creation_is_validated(client, body):
    assert client.post("/_localcloud/images", json=body).status_code == 400


def test_control_images_default_to_active_and_private(client):
    image = add_image(client, region="iad", name="made", members={"100002": "pending"})
    assert (image["status"], image["visibility"], image["owner"]) == ("active", "private", "100001")
    state = client.get("/_localcloud/state").get_json()
    assert state["members"][image["id"]] == {"100002": "pending"}
    assert image["id"] in state["images"]["IAD"]


# Seeds

def test_default_seed():
    seed = default_seed()
    assert seed["regions"] == ["DFW", "ORD", "IAD"]
    assert [(account["username"], account["tenant_id"]) for account in seed["accounts"]] == [("demo", "100001"), ("consumer", "100002")]
    state = CloudState(seed)
    for region in REGIONS:
        base = [image for image in state.images[region].values() if image["owner"] == "rackspace"]
        assert len(base) == 4
        assert all(image["visibility"] == "public" and image["image_type"] == "base" and "com.rackspace__1__options" in image for image in base)
    snapshots = [(region, image) for region in REGIONS for image in state.images[region].values() if image["owner"] == "100001"]
    assert {region for region, image in snapshots} == {"DFW", "ORD"}
    assert all(image["image_type"] == "snapshot" and image["instance_uuid"] and image["com.example.role"] for region, image in snapshots)
    assert [image["name"] for image in state.images["DFW"].values() if image["owner"] == "100002"] == ["consumer-private-2026-11-23"]


def test_seed_specs(tmp_path):
    assert load_seed("empty")["images"] == [] and load_seed("empty")["accounts"]
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"regions": ["SYD"], "images": [{"region": "SYD", "owner": "100001", "name": "only"}]}))
    seed = load_seed(str(path))
    assert seed["regions"] == ["SYD"] and seed["accounts"] == default_seed()["accounts"]
    assert [image["name"] for image in CloudState(seed).images["SYD"].values()] == ["only"]


# Running it

@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "localhost", "::"])
def test_only_loopback_addresses_are_accepted(host):
    with pytest.raises(ValueError, match="loopback"):
        check_loopback(host)


def test_local_cloud_serves_in_a_thread():
    with LocalCloud() as cloud:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", cloud.url)
        with urllib.request.urlopen(f"{cloud.url}/identity/v2.0") as response:
            assert json.load(response)["version"]["id"] == "v2.0"
        assert cloud.state.request_log[-1]["path"] == "/identity/v2.0"


def _cli(*args):
    return [sys.executable, "-m", "localcloud", *args]


def test_cli_writes_the_port_file_and_serves(tmp_path):
    port_file = tmp_path / "lc.json"
    env_path = str(Path(__file__).resolve().parents[1])
    process = subprocess.Popen(_cli("--port", "0", "--port-file", str(port_file), "--quiet", "--token-ttl", "120"),
                               env={"PYTHONPATH": env_path}, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not port_file.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        info = json.loads(port_file.read_text())
        assert info["url"] == f"http://127.0.0.1:{info['port']}"
        request = urllib.request.Request(f"{info['url']}{V2_TOKENS}", data=json.dumps(apikey_auth()).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            expires = json.load(response)["access"]["token"]["expires"]
        lifetime = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
        assert lifetime <= timedelta(seconds=120)
    finally:
        process.terminate()
        stderr = process.communicate(timeout=10)[1]
    assert process.returncode == 0, stderr


def test_cli_refuses_a_non_loopback_host():
    result = subprocess.run(_cli("--host", "0.0.0.0"), env={"PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "loopback" in result.stderr
