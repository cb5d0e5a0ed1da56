"""Contract tests with a client we did not write: openstacksdk against the local cloud and the real peers.

openstacksdk (with keystoneauth) is built only from explicit arguments here (``Connection(...)`` without ``cloud=``
reads no clouds.yaml and no ``OS_*`` variable). Each test runs the same calls against the local cloud (Keystone v3
flavour) and against upstream Keystone + Glance, and asserts the same results; what the sdk trips on on the local cloud
is a fidelity defect of the local cloud. Rackspace-only parts run on the local cloud only: Identity v2.0 (keystoneauth
has v2.0 password and token plugins, no Rackspace API-key one, so the API key logs in through the plain API and the
sdk takes over with its token), export and import tasks, and Nova (the peers have none).
"""

import functools
import uuid

import pytest
import requests
from keystoneauth1 import discover
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v2 as ks_v2
from openstack import connection, exceptions

# conftest.py's backends, by its path under tests/ (a bare ``conftest`` may be another directory's)
from contract.conftest import DEMO_API_KEY, DEMO_PASSWORD, LocalCloudBackend, make_backend
from localcloud.flavors import FLAVORS
from localcloud.seed import REGIONS
from localcloud.server import LocalCloud

# The sdk's warnings about its own internals (tests/CONVENTIONS.md): nothing for these tests to act on.
pytestmark = [pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
              pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning")]

PROPERTY = "com.example.sdk-contract"
# Short phases, so that the sdk's waits see the work in progress and then its end (its image wait polls every 2 s).
FAST_PHASES = {"image_phase_seconds": {"image_snapshot": 0.2, "image_pending_upload": 0.2, "image_uploading": 0.2},
               "task_phase_seconds": {"pending": 0.1, "processing": 0.1}}


@pytest.fixture(scope="module", params=["localcloud-v3", "keystone+glance"])
def sdk_backend(request):
    """The backends that speak Keystone v3: the local cloud and upstream Keystone with its two Glances.

    One per module (a peer backend logs in twice, and Keystone's password checks are costly); the images the tests make
    on the peers go at the end of the module.
    """
    yield from make_backend(request)


@pytest.fixture(scope="module", params=["keystone+glance"])
def real_backend(request):
    """Upstream Keystone + Glance alone, for what only it does or for comparing with the local cloud."""
    yield from make_backend(request)


@pytest.fixture(scope="module")
def fast_cloud():
    """A local cloud of its own whose snapshots and tasks take a fraction of a second."""
    with LocalCloud(config=FAST_PHASES) as cloud:
        yield cloud


def connect(backend, consumer=False, region=None, **overrides):
    """openstacksdk logged in (Keystone v3 password) with the backend's options, in its region or another.

    One connection per set of options for the whole run: it keeps its token and version discovery, as a client would
    (upstream Glance checks every token with Keystone, so each call to the peers costs half a second here).
    """
    params = backend.consumer_params if consumer else backend.params
    options = {"auth_url": params["auth_url"], "username": params["username"], "password": params["password"],
               "user_domain_id": "default", "identity_api_version": "3", "region_name": region or backend.region, **overrides}
    if "project_id" in params:
        options["project_id"] = params["project_id"]
    else:
        options.update(project_name=params["project_name"], project_domain_id="default")
    return _connection(tuple(sorted(options.items())))


@functools.lru_cache(maxsize=None)
def _connection(options):
    return connection.Connection(**dict(options))


def image_regions(backend):
    return list(REGIONS) if backend.name.startswith("localcloud") else backend.peers["regions"]


def local_connection(cloud):
    return connect(LocalCloudBackend(cloud, "3"))


# identity

def test_password_login_and_catalog_as_the_sdk_sees_them(sdk_backend):
    conn = connect(sdk_backend)
    assert conn.authorize()
    assert conn.current_project_id == sdk_backend.owner
    catalog = {service["type"]: service for service in conn.service_catalog}
    assert {"identity", "image"} <= set(catalog)
    for service in catalog.values():
        for endpoint in service["endpoints"]:
            assert set(endpoint) == {"id", "interface", "region", "region_id", "url"}, service["type"]
            assert endpoint["region"] == endpoint["region_id"]
    regions = image_regions(sdk_backend)
    assert sorted({endpoint["region"] for endpoint in catalog["image"]["endpoints"]}) == sorted(regions)
    urls = {region: conn.endpoint_for("image", interface="public", region_name=region) for region in regions}
    assert len(set(urls.values())) == len(regions)  # one Glance per region
    for region in regions:
        regional = connect(sdk_backend, region=region)
        assert regional.image.get_api_major_version()[0] == 2
        assert regional.image.get_endpoint().rstrip("/").endswith("/v2")  # discovered from the unversioned catalog URL


def test_identity_version_discovery_from_the_root(sdk_backend):
    """keystoneauth finds v3 at the unversioned identity URL (a 300 with ``versions.values``), the same document on both."""
    root = sdk_backend.params["auth_url"].rsplit("/v3", 1)[0]
    versions = {version["id"]: version for version in discover.get_version_data(ks_session.Session(), root)}
    v3 = versions["v3.14"]
    assert (v3["status"], v3["links"]) == ("stable", [{"rel": "self", "href": root + "/v3/"}])
    assert v3["media-types"] == [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]
    assert discover.Discover(ks_session.Session(), root).url_for((3, 0)) == root + "/v3/"


def test_wrong_password_is_refused(sdk_backend):
    with pytest.raises(exceptions.SDKException, match=r"The request you have made requires authentication\. \(HTTP 401\)"):
        connect(sdk_backend, password="wrong-password-SECRET").authorize()


def test_rackspace_v2_password_and_api_key_token(localcloud):
    """keystoneauth's v2.0 password plugin, and its token plugin with a token from an API-key login (it has no API-key plugin)."""
    by_password = connection.Connection(auth_url=localcloud.url + "/identity/v2.0", username="demo", password=DEMO_PASSWORD,
                                        identity_api_version="2", region_name="DFW")
    assert by_password.authorize() and by_password.current_project_id == "100001"
    catalog = {service["type"]: service for service in by_password.service_catalog}
    assert {kind: service["name"] for kind, service in catalog.items()} == {
        "compute": "cloudServersOpenStack", "image": "cloudImages", "object-store": "cloudFiles", "rax:object-cdn": "cloudFilesCDN"}
    for service in catalog.values():
        assert [endpoint["region"] for endpoint in service["endpoints"]] == list(REGIONS)
    cdn = catalog["rax:object-cdn"]["endpoints"][0]
    assert set(cdn) == {"region", "tenantId", "publicURL"} and cdn["tenantId"] == "MossoCloudFS_100001"
    assert {"internalURL", "publicURL"} <= set(catalog["object-store"]["endpoints"][0])
    assert by_password.compute.get_api_major_version() == (2, 0)

    login = requests.post(localcloud.url + "/identity/v2.0/tokens", timeout=10,
                          json={"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": DEMO_API_KEY}}})
    login.raise_for_status()
    token = login.json()["access"]["token"]["id"]
    plugin = ks_v2.Token(localcloud.url + "/identity/v2.0", token=token, tenant_id="100001")
    by_token = connection.Connection(session=ks_session.Session(auth=plugin), region_name="ORD")
    assert by_token.current_project_id == "100001"
    assert by_token.image.get_endpoint() == localcloud.url + "/regions/ORD/image/v2"
    assert {image.name for image in by_token.image.images()} >= {"db01-2026-11-22"}  # ORD's seeded snapshot


def test_errors_carry_the_request_id(sdk_backend):
    conn = connect(sdk_backend)
    missing = str(uuid.uuid4())
    with pytest.raises(exceptions.NotFoundException) as not_found:
        conn.image.get_image(missing)
    assert not_found.value.request_id.startswith("req-")
    assert f"No image found with ID {missing}" in not_found.value.details
    with pytest.raises(exceptions.NotFoundException):  # by name: Glance's ?name= list (and ?os_hidden=True) finds none
        conn.image.find_image("no-such-image-" + missing, ignore_missing=False)


# image

def test_image_list_filters_and_pagination(sdk_backend, unique):
    names = [f"{unique}-{letter}" for letter in "cab"]
    ids = {name: sdk_backend.make_image(name, tags=[unique] + (["odd"] if name.endswith("a") else [])) for name in names}
    conn = connect(sdk_backend)
    paged = list(conn.image.images(tag=unique, limit=1, sort_key="name", sort_dir="asc"))  # three pages: the sdk follows `next`
    assert [image.name for image in paged] == sorted(names)
    assert [image.name for image in conn.image.images(tag=unique, sort="name:desc")] == sorted(names, reverse=True)
    assert [image.id for image in conn.image.images(tag=[unique, "odd"])] == [ids[f"{unique}-a"]]
    assert [image.id for image in conn.image.images(name=f"{unique}-b")] == [ids[f"{unique}-b"]]
    assert list(conn.image.images(name=unique)) == []  # names match exactly
    assert list(conn.image.images(tag=unique, status="killed")) == []


def test_image_get_update_tags_protect_delete(sdk_backend, unique):
    image_id = sdk_backend.make_image(unique, tags=["first"])
    conn = connect(sdk_backend)
    image = conn.image.get_image(image_id)
    assert (image.name, image.owner, image.tags, image.status) == (unique, sdk_backend.owner, ["first"], "active")
    # update_image sends the whole property set it is given: keep the image's own (upstream's read-only `stores`)
    updated = conn.image.update_image(image, **{**image.properties, PROPERTY: "yes"}, min_disk=3)
    assert (updated.properties[PROPERTY], updated.min_disk) == ("yes", 3)
    conn.image.add_tag(updated, "second")
    conn.image.remove_tag(updated, "first")
    shown = conn.image.get_image(image_id)
    assert (shown.tags, shown.properties[PROPERTY], shown.min_disk) == (["second"], "yes", 3)
    conn.image.update_image(shown, is_protected=True)
    try:
        with pytest.raises(exceptions.HttpException) as refused:
            conn.image.delete_image(image_id)
        assert refused.value.status_code == 403
        assert f"Image {image_id} is protected and cannot be deleted." in refused.value.details
    finally:
        conn.image.update_image(image_id, is_protected=False)  # else nobody could delete it from the shared peers
    conn.image.delete_image(image_id)
    with pytest.raises(exceptions.NotFoundException):
        conn.image.get_image(image_id)


def test_schemas_match_upstream_glance(localcloud, real_backend):
    """The local cloud's /v2/schemas/* are the real Glance's, but for Rackspace's documented differences (image_schemas.py)."""
    local, real = local_connection(localcloud), connect(real_backend)
    for name in ("image", "images", "member", "members", "task", "tasks"):
        mine, theirs = _schema(local, name), _schema(real, name)
        assert {key: value for key, value in mine.items() if key != "properties"} == \
            {key: value for key, value in theirs.items() if key != "properties"}, name
    mine, theirs = _schema(local, "image")["properties"], _schema(real, "image")["properties"]
    assert {key: mine[key] for key in theirs} == theirs
    assert set(mine) - set(theirs) == {"architecture", "instance_uuid", "kernel_id", "os_version", "ramdisk_id"}
    assert _schema(local, "member") == _schema(real, "member")
    mine, theirs = _schema(local, "task")["properties"], _schema(real, "task")["properties"]
    assert set(theirs) - set(mine) == {"image_id", "request_id", "user_id"}
    assert {key: value for key, value in mine.items() if key != "type"} == {key: theirs[key] for key in mine if key != "type"}
    assert mine["type"]["enum"] == ["import", "export"]
    assert mine["type"] == dict(theirs["type"], enum=["import", "export"])


def _schema(conn, name):
    """A schema document as served (the sdk's Schema resource keeps only some of its keys)."""
    response = conn.image.get(f"/schemas/{name}", headers={"Accept": "application/json"})
    assert response.status_code == 200, (name, response.status_code)
    return response.json()


def test_upstream_glance_upload_download_round_trip(real_backend, unique):
    """Upstream Glance takes image data (PUT .../file) and gives it back; Rackspace's Cloud Images does not (next test)."""
    conn = connect(real_backend)
    data = b"opencloud-sdk-" + unique.encode() * 8
    image = conn.image.create_image(name=unique, data=data, disk_format="raw", container_format="bare", wait=True)
    try:
        shown = conn.image.get_image(image.id)
        assert (shown.status, shown.size) == ("active", len(data))
        assert conn.image.download_image(shown).content == data  # the sdk also checks the md5 against `checksum`
    finally:
        conn.image.delete_image(image.id)


def test_rackspace_cloud_images_takes_no_image_data(localcloud, unique):
    """Cloud Images has no POST /v2/images nor image file API (its permission matrix and API reference list neither):
    images come from createImage and import tasks. The sdk's create_image fails cleanly and makes nothing."""
    conn = local_connection(localcloud)
    with pytest.raises(exceptions.HttpException) as refused:
        conn.image.create_image(name=unique, data=b"data", disk_format="vhd", container_format="ovf")
    assert refused.value.status_code == 405
    with pytest.raises(exceptions.NotFoundException):
        conn.image.find_image(unique, ignore_missing=False)


def test_members_add_accept_list_remove(sdk_backend, unique):
    visibility = {"visibility": "shared"} if sdk_backend.members_need_shared else {}
    image_id = sdk_backend.make_image(unique, **visibility)
    owner, consumer = connect(sdk_backend), connect(sdk_backend, consumer=True)
    member_id = consumer.current_project_id
    added = owner.image.add_member(image_id, member_id=member_id)
    assert (added.member_id, added.image_id, added.status) == (member_id, image_id, "pending")
    assert [(member.member_id, member.status) for member in owner.image.members(image_id)] == [(member_id, "pending")]
    assert image_id in {image.id for image in consumer.image.images(visibility="shared", member_status="pending")}
    accepted = consumer.image.update_member(member_id, image_id, status="accepted")
    assert accepted.status == "accepted"
    assert image_id in {image.id for image in consumer.image.images()}
    assert [member.member_id for member in consumer.image.members(image_id)] == [member_id]  # a member sees itself
    owner.image.remove_member(member_id, image_id)
    assert list(owner.image.members(image_id)) == []
    with pytest.raises(exceptions.NotFoundException):
        consumer.image.get_image(image_id)


def test_tasks_list_and_get(sdk_backend):
    """Both list only the caller's tasks, as stubs, and answer 404 for an unknown one (the peers open tasks to members by
    policy, as Rackspace does; the export test below lists a task it made)."""
    conn = connect(sdk_backend)
    for task in conn.image.tasks():
        assert (task.owner_id, task.input, task.result) == (sdk_backend.owner, None, None)
    with pytest.raises(exceptions.NotFoundException) as not_found:
        conn.image.get_task(str(uuid.uuid4()))
    assert not_found.value.request_id.startswith("req-")


def test_export_then_import_task_through_the_sdk(fast_cloud, unique):
    """Rackspace's export and import tasks (upstream has no export): create, wait, get, list, and the image they make."""
    conn = local_connection(fast_cloud)
    source = requests.post(fast_cloud.url + "/_localcloud/images", timeout=10,
                           json={"region": "DFW", "owner": "100001", "name": unique, "status": "active"}).json()["id"]
    token = conn.session.get_token()
    files = conn.endpoint_for("object-store", interface="public", region_name="DFW")
    requests.put(f"{files}/{unique}", headers={"X-Auth-Token": token}, timeout=10).raise_for_status()
    export = conn.image.create_task(type="export", input={"image_uuid": source, "receiving_swift_container": unique})
    assert (export.type, export.status) == ("export", "pending")
    export = conn.image.wait_for_task(export, interval=0.1, wait=10)
    assert export.message == "None" and export.result["export_location"].startswith(f"{unique}/")
    listed = {task.id: task for task in conn.image.tasks(type="export", status="success")}
    assert (listed[export.id].input, listed[export.id].result, listed[export.id].owner_id) == (None, None, "100001")  # a stub
    imported = conn.image.create_task(type="import", input={"import_from": export.result["export_location"], "import_from_format": "vhd",
                                                            "image_properties": {"name": f"{unique}-imported"}})
    imported = conn.image.wait_for_task(imported, interval=0.1, wait=10)
    image = conn.image.get_image(imported.result["image_id"])
    assert (image.name, image.status, image.visibility, image.owner) == (f"{unique}-imported", "active", "private", "100001")
    assert conn.image.get_task(imported.id).input["image_properties"] == {"name": f"{unique}-imported"}


# compute (the local cloud only: the peers have no Nova)

def test_servers_and_flavors_through_the_sdk(fast_cloud):
    conn = local_connection(fast_cloud)
    assert conn.compute.get_api_major_version() == (2, 0)
    assert conn.compute.get_endpoint_data().max_microversion is None  # legacy v2: no microversions, no OpenStack-API-Version
    servers = {server.name: server for server in conn.compute.servers()}
    assert {"web01", "db01", "bfv01"} <= set(servers)
    web = conn.compute.get_server(servers["web01"].id)
    assert (web.status, web.flavor["id"], web.image["id"]) == ("ACTIVE", "general1-2", servers["web01"].image["id"])
    assert conn.compute.find_server("web01", ignore_missing=False).id == web.id
    flavors = {flavor.id: flavor for flavor in conn.compute.flavors()}
    assert set(flavors) == set(FLAVORS)
    assert (flavors["general1-2"].ram, flavors["general1-2"].vcpus, flavors["general1-2"].disk) == (2048, 2, 40)
    assert conn.compute.get_flavor("compute1-4").name == "3.75 GB Compute v1"
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.get_server(str(uuid.uuid4()))


def test_create_server_image_and_wait_through_the_sdk(fast_cloud, unique):
    conn = local_connection(fast_cloud)
    server = requests.post(fast_cloud.url + "/_localcloud/servers", timeout=10,
                           json={"region": "DFW", "owner": "100001", "name": unique}).json()
    image = conn.compute.create_server_image(server["id"], unique, metadata={PROPERTY: "snapshot"}, wait=True, timeout=20)
    assert (image.name, image.status, image.owner) == (unique, "active", "100001")
    assert image.properties[PROPERTY] == "snapshot"
    assert conn.image.get_image(image.id).instance_uuid == server["id"]
    assert conn.compute.get_server(server["id"]).status == "ACTIVE"
