"""What clients we did not write (openstacksdk, keystoneauth) need from the local cloud: version documents, schemas,
flavors, request ids and case-blind filters (run: ``PYTHONPATH=tests python -m pytest tests/localcloud``).

tests/contract/test_third_party_openstacksdk.py runs openstacksdk itself against the local cloud and the real peers.
"""

import re

import pytest

from localcloud import image_schemas
from localcloud.app import create_app
from localcloud.flavors import FLAVORS
from localcloud.images import ATTRIBUTE_SCHEMA, TAG_SCHEMA
from localcloud.seed import default_seed
from localcloud.state import CloudState
from localcloud.test_localcloud import DEMO, KEYSTONE_401, headers_for, password_v3

COMPUTE = "/regions/DFW/compute"
GLANCE = "/regions/DFW/image"
REQUEST_ID = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def client():
    return create_app(CloudState(default_seed())).test_client()


@pytest.fixture
def demo(client):
    return headers_for(client, DEMO)


# Glance

def test_glance_versions_root_is_300_and_versions_200_without_a_token(client):
    root, listed = client.get(GLANCE + "/"), client.get(GLANCE + "/versions")
    assert (root.status_code, listed.status_code) == (300, 200)
    assert root.get_json() == listed.get_json()
    assert [version["id"] for version in listed.get_json()["versions"]] == ["v2.2", "v2.1", "v2.0"]
    assert listed.get_json()["versions"][0]["links"] == [{"rel": "self", "href": "http://localhost/regions/DFW/image/v2/"}]


@pytest.mark.parametrize("name", image_schemas.NAMES)
def test_glance_schemas_are_served_to_a_token(client, demo, name):
    assert client.get(f"{GLANCE}/v2/schemas/{name}").get_json() == KEYSTONE_401
    response = client.get(f"{GLANCE}/v2/schemas/{name}", headers=demo)
    assert response.status_code == 200
    assert response.get_json() == image_schemas.schema(name)
    assert response.get_json()["name"] == name


def test_glance_unknown_schema_is_glance_404(client, demo):
    response = client.get(f"{GLANCE}/v2/schemas/imagez", headers=demo)
    assert response.status_code == 404
    assert response.get_json()["code"] == "404 Not Found"


def test_collection_schemas_hold_their_item_schema():
    assert image_schemas.schema("images")["properties"]["images"]["items"] == image_schemas.schema("image")
    assert image_schemas.schema("members")["properties"]["members"]["items"] == image_schemas.schema("member")
    stub = image_schemas.schema("tasks")["properties"]["tasks"]["items"]["properties"]
    assert set(image_schemas.schema("task")["properties"]) - set(stub) == {"input", "result", "message"}


def test_image_schema_agrees_with_the_patch_validation():
    """images.py validates PATCH values with ATTRIBUTE_SCHEMA and TAG_SCHEMA: their types, enums and lengths are the served schema's."""
    properties = image_schemas.schema("image")["properties"]
    for name, (types, enum, max_length) in ATTRIBUTE_SCHEMA.items():
        served = properties[name]
        assert ([served["type"]] if isinstance(served["type"], str) else served["type"]) == types, name
        assert (served.get("enum"), served.get("maxLength")) == (enum, max_length), name
    assert properties["tags"]["items"] == {"type": TAG_SCHEMA[0][0], "maxLength": TAG_SCHEMA[2]}


@pytest.mark.parametrize("value, status", [("True", 200), ("FALSE", 200), ("false", 200), ("bogus", 400), ("1", 400)])
def test_os_hidden_filter_ignores_case(client, demo, value, status):
    """openstacksdk's find_image sends os_hidden=True; upstream Glance takes it."""
    assert client.get(f"{GLANCE}/v2/images?os_hidden={value}", headers=demo).status_code == status


def test_protected_filter_keeps_case(client, demo):
    refused = client.get(f"{GLANCE}/v2/images?protected=True", headers={**demo, "Accept": "application/json"})
    assert refused.status_code == 400
    assert refused.get_json()["message"].startswith("Invalid value 'True' for 'protected' filter. Valid values are 'true' or 'false'.")
    assert client.get(f"{GLANCE}/v2/images?protected=true", headers=demo).status_code == 200


# request ids

def test_request_ids_where_the_upstream_middleware_sets_them(client, demo):
    def request_ids(response):
        return {name: response.headers.get(name) for name in ("x-openstack-request-id", "x-compute-request-id")}

    glance = request_ids(client.get(GLANCE + "/v2/images", headers=demo))
    assert REQUEST_ID.fullmatch(glance["x-openstack-request-id"]) and glance["x-compute-request-id"] is None
    assert REQUEST_ID.fullmatch(client.get(GLANCE + "/v2/images/nope", headers=demo).headers["x-openstack-request-id"])
    for unstamped in (client.get(GLANCE + "/"), client.get(GLANCE + "/versions"), client.get(GLANCE + "/v2/images"),
                      client.get(COMPUTE + "/"), client.post("/identity/v2.0/tokens", json={})):
        assert request_ids(unstamped) == {"x-openstack-request-id": None, "x-compute-request-id": None}, unstamped.request.path
    for path, headers in ((COMPUTE + "/v2/100001/servers", demo), (COMPUTE + "/v2/100001/servers", {}), (COMPUTE + "/v2/", {})):
        nova = request_ids(client.get(path, headers=headers))
        assert REQUEST_ID.fullmatch(nova["x-openstack-request-id"]) and nova["x-compute-request-id"] == nova["x-openstack-request-id"]
    for keystone in (client.get("/identity/"), client.post("/identity/v3/auth/tokens", json=password_v3()),
                     client.post("/identity/v3/auth/tokens", json=password_v3(password="wrong"))):
        assert REQUEST_ID.fullmatch(keystone.headers["x-openstack-request-id"])
    first, second = (client.get(GLANCE + "/v2/images", headers=demo).headers["x-openstack-request-id"] for _try in range(2))
    assert first != second


# Nova

def test_compute_version_documents_need_no_token(client):
    listed = client.get(COMPUTE + "/")
    assert listed.status_code == 200
    assert listed.get_json() == {"versions": [{"id": "v2.0", "status": "CURRENT", "version": "", "min_version": "",
                                               "updated": "2011-01-21T11:33:21Z",
                                               "links": [{"rel": "self", "href": "http://localhost/regions/DFW/compute/v2/"}]}]}
    for path in (COMPUTE + "/v2", COMPUTE + "/v2/"):
        version = client.get(path).get_json()["version"]
        assert version["id"] == "v2.0" and version["version"] == "" and version["min_version"] == ""
        assert version["media-types"] == [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2"}]
        assert version["links"][0] == {"rel": "self", "href": "http://localhost/regions/DFW/compute/v2/"}
    assert client.get("/regions/LON/compute/v2").status_code == 404


def test_flavors_list_detail_show(client, demo):
    flavors = client.get(COMPUTE + "/v2/100001/flavors", headers=demo).get_json()["flavors"]
    assert [flavor["id"] for flavor in flavors] == sorted(FLAVORS)
    assert flavors[0]["links"][0] == {"rel": "self", "href": f"http://localhost{COMPUTE}/v2/100001/flavors/{flavors[0]['id']}"}
    assert set(flavors[0]) == {"id", "name", "links"}
    detail = client.get(COMPUTE + "/v2/100001/flavors/detail", headers=demo).get_json()["flavors"]
    general = next(flavor for flavor in detail if flavor["id"] == "general1-1")
    assert {key: general[key] for key in ("name", "ram", "disk", "vcpus", "swap", "rxtx_factor", "OS-FLV-EXT-DATA:ephemeral")} == {
        "name": "1 GB General Purpose v1", "ram": 1024, "disk": 20, "vcpus": 1, "swap": "", "rxtx_factor": 200.0,
        "OS-FLV-EXT-DATA:ephemeral": 0}
    assert general["OS-FLV-WITH-EXT-SPECS:extra_specs"] == {"class": "general1", "policy_class": "general_flavor",
                                                            "resize_policy_class": "general_flavor", "disk_io_index": "40",
                                                            "number_of_data_disks": "0"}
    shown = client.get(COMPUTE + "/v2/100001/flavors/compute1-4", headers=demo).get_json()["flavor"]
    assert shown == next(flavor for flavor in detail if flavor["id"] == "compute1-4") and shown["disk"] == 0


def test_every_seeded_server_has_a_known_flavor():
    assert {server["flavor"] for server in default_seed()["servers"]} <= set(FLAVORS)


def test_flavor_filters_and_errors(client, demo):
    def ids(query):
        return [flavor["id"] for flavor in client.get(f"{COMPUTE}/v2/100001/flavors?{query}", headers=demo).get_json()["flavors"]]

    assert ids("minRam=100000") == ["io1-120", "memory1-120", "memory1-240"]
    assert ids("minDisk=80") == ["4", "5", "6", "7", "8", "general1-4", "general1-8"]
    assert ids("minDisk=100&minRam=4096&is_public=None") == ["5", "6", "7", "8", "general1-8"]
    bad = client.get(f"{COMPUTE}/v2/100001/flavors/detail?minRam=lots", headers=demo)
    assert (bad.status_code, bad.get_json()) == (400, {"badRequest": {"code": 400, "message": "Invalid minRam filter [lots]"}})
    missing = client.get(f"{COMPUTE}/v2/100001/flavors/performance9-1", headers=demo)
    assert missing.get_json() == {"itemNotFound": {"code": 404, "message": "Flavor performance9-1 could not be found."}}
    assert client.get(f"{COMPUTE}/v2/100001/flavors").get_json() == KEYSTONE_401
