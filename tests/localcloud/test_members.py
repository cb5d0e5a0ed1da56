"""Tests of the local cloud's image members API (run: ``PYTHONPATH=tests python -m pytest tests/localcloud``).

Owner 100001 (demo), member 100002 (consumer), and a third tenant 100003 (stranger) that is neither.
"""

import pytest

from localcloud.app import create_app
from localcloud.seed import default_seed
from localcloud.state import CloudState, isotime
from localcloud.test_compute import START, FakeClock
from localcloud.test_localcloud import CONSUMER, DEMO, IMAGES, PATCH_TYPE, add_image, headers_for, names, seed_image

STRANGER = {"username": "stranger", "user_id": "5e7a9c1b3d2f4a6c8e0b1d3f5a7c9e33", "tenant_id": "100003",
            "api_key": "stranger-api-key-SECRET-7g8h9i", "password": "stranger-password-SECRET", "default_region": "DFW"}
OWNER, MEMBER, OTHER = DEMO["tenant_id"], CONSUMER["tenant_id"], STRANGER["tenant_id"]
MEMBER_KEYS = {"member_id", "image_id", "status", "created_at", "updated_at", "schema"}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def state(clock):
    seed = default_seed()
    seed["accounts"].append(STRANGER)
    return CloudState(seed, clock=clock)


@pytest.fixture
def client(state):
    return create_app(state).test_client()


@pytest.fixture
def tenants(client):
    """Request headers by tenant id."""
    return {account["tenant_id"]: headers_for(client, account) for account in (DEMO, CONSUMER, STRANGER)}


def members_url(image_id, region="DFW"):
    return f"/regions/{region}/image/v2/images/{image_id}/members"


def ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def refused(response, status, message):
    """A Glance error (JSON, as asked for by ``Accept``) with this status and explanation."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["message"] == f"{message}<br /><br />\n\n\n"


def share(client, tenants, image_id, member=MEMBER, region="DFW"):
    return ok(client.post(members_url(image_id, region), headers=tenants[OWNER], json={"member": member}))


def set_status(client, tenants, image_id, status, member=MEMBER):
    return client.put(f"{members_url(image_id)}/{member}", headers=tenants[member], json={"status": status})


def configure(client, switch):
    return client.post("/_localcloud/config", json={"members_need_shared_visibility": switch})


# POST .../members

def test_owner_adds_a_pending_member_to_a_private_image(client, tenants, state):
    image = add_image(client, name="to-share")
    member = share(client, tenants, image["id"])
    now = isotime(START)
    assert member == {"member_id": MEMBER, "image_id": image["id"], "status": "pending", "created_at": now, "updated_at": now,
                      "schema": "/v2/schemas/member"}
    assert state.snapshot()["members"][image["id"]] == {MEMBER: "pending"}
    refused(client.post(members_url(image["id"]), headers=tenants[OWNER], json={"member": MEMBER}), 409,
            f"Member {MEMBER} is duplicated for image {image['id']}")


@pytest.mark.parametrize("data, message", [
    ("", "Body expected in request."),
    ("{", "Malformed JSON in request body."),
    ('"100002"', "Unexpected body type. Expected list/dict."),
    ('["100002"]', 'Expected a member in the form: {"member": "image_id"}'),
    ('{"tenant": "100002"}', "Member to be added not specified"),
    ('{"member": ""}', "Member can't be empty"),
    ('{"member": 100002}', 'Expected a member in the form: {"member": "image_id"}'),
])
def test_add_member_body_errors_come_before_the_image_lookup(client, tenants, data, message):
    image = add_image(client, name="to-share")
    for image_id in (image["id"], "missing"):
        headers = {**tenants[OWNER], "Content-Type": "application/json"}
        refused(client.post(members_url(image_id), headers=headers, data=data), 400, message)
    assert ok(client.get(members_url(image["id"]), headers=tenants[OWNER]))["members"] == []


def test_add_member_refusals(client, tenants):
    private = add_image(client, name="private")
    shared = add_image(client, name="shared", visibility="shared", members={MEMBER: "accepted"})
    own_public = add_image(client, name="own-public", visibility="public")
    base = seed_image(client, tenants[OWNER], "CentOS Stream 9 (PVHVM)")
    body = {"member": OTHER}
    for tenant in (MEMBER, OTHER):
        refused(client.post(members_url(private["id"]), headers=tenants[tenant], json=body), 404, f"Image {private['id']} not found.")
    refused(client.post(members_url("missing"), headers=tenants[OWNER], json=body), 404, "Image missing not found.")
    for image in (own_public, base):
        refused(client.post(members_url(image["id"]), headers=tenants[OWNER], json=body), 403,
                f"Not allowed to create members for image {image['id']}.")
    refused(client.post(members_url(base["id"]), headers=tenants[MEMBER], json=body), 403, f"Not allowed to create members for image {base['id']}.")
    refused(client.post(members_url(shared["id"]), headers=tenants[MEMBER], json=body), 403, "You are not authorized to complete add_member action.")
    refused(client.post(members_url(shared["id"]), headers=tenants[OTHER], json=body), 404, f"Image {shared['id']} not found.")


def test_members_are_per_region_and_need_a_known_region_and_token(client, tenants):
    image = add_image(client, region="ORD", name="ord-image")
    refused(client.post(members_url(image["id"]), headers=tenants[OWNER], json={"member": MEMBER}), 404, f"Image {image['id']} not found.")
    assert share(client, tenants, image["id"], region="ORD")["status"] == "pending"
    assert client.get(members_url(image["id"], "LON"), headers=tenants[OWNER]).status_code == 404
    assert client.get(members_url(image["id"], "ORD")).status_code == 401


# GET .../members and .../members/<member>

def test_owner_lists_every_member_and_a_member_only_itself(client, tenants, clock):
    image = add_image(client, name="to-share")
    first = share(client, tenants, image["id"])
    clock.advance(60)
    second = share(client, tenants, image["id"], member=OTHER)
    assert ok(client.get(members_url(image["id"]), headers=tenants[OWNER])) == {"members": [first, second], "schema": "/v2/schemas/members"}
    assert ok(client.get(members_url(image["id"]), headers=tenants[MEMBER])) == {"members": [first], "schema": "/v2/schemas/members"}
    assert ok(client.get(members_url(image["id"]), headers=tenants[OTHER]))["members"] == [second]


def test_show_member(client, tenants):
    image = add_image(client, name="to-share")
    other_image = add_image(client, name="not-shared")
    member = share(client, tenants, image["id"])
    url = f"{members_url(image['id'])}/{MEMBER}"
    assert ok(client.get(url, headers=tenants[OWNER])) == member
    assert ok(client.get(url, headers=tenants[MEMBER])) == member
    refused(client.get(url, headers=tenants[OTHER]), 404, f"Image {image['id']} not found.")
    share(client, tenants, image["id"], member=OTHER)
    refused(client.get(url, headers=tenants[OTHER]), 404, f"{MEMBER} not found in the member list of the image {image['id']}.")
    refused(client.get(f"{members_url(other_image['id'])}/{MEMBER}", headers=tenants[OWNER]), 404,
            f"{MEMBER} not found in the member list of the image {other_image['id']}.")


def test_public_images_have_no_members(client, tenants):
    public = add_image(client, name="own-public", visibility="public")
    refused(client.get(members_url(public["id"]), headers=tenants[OWNER]), 403,
            f"Not allowed to list members for image {public['id']}: Public images do not have members.")
    refused(client.get(f"{members_url(public['id'])}/{MEMBER}", headers=tenants[OWNER]), 404, "Public images do not have members.")
    refused(client.put(f"{members_url(public['id'])}/{MEMBER}", headers=tenants[MEMBER], json={"status": "accepted"}), 403,
            f"Not allowed to update members for image {public['id']}.")
    refused(client.delete(f"{members_url(public['id'])}/{MEMBER}", headers=tenants[OWNER]), 403,
            f"Not allowed to delete members for image {public['id']}.")


def test_seeded_members_date_from_the_image(client, tenants):
    image = add_image(client, name="seeded", members={MEMBER: "accepted"}, created_at="2026-11-01T00:00:00Z")
    assert ok(client.get(members_url(image["id"]), headers=tenants[OWNER]))["members"] == [
        {"member_id": MEMBER, "image_id": image["id"], "status": "accepted", "created_at": "2026-11-01T00:00:00Z",
         "updated_at": "2026-11-01T00:00:00Z", "schema": "/v2/schemas/member"}]


# PUT .../members/<member>

def test_only_the_member_sets_its_status(client, tenants, clock):
    image = add_image(client, name="to-share")
    created = share(client, tenants, image["id"])
    clock.advance(90)
    accepted = ok(set_status(client, tenants, image["id"], "accepted"))
    assert set(accepted) == MEMBER_KEYS
    assert accepted == {**created, "status": "accepted", "updated_at": isotime(clock())}
    assert ok(client.get(f"{members_url(image['id'])}/{MEMBER}", headers=tenants[OWNER])) == accepted
    url = f"{members_url(image['id'])}/{MEMBER}"
    refused(client.put(url, headers=tenants[OWNER], json={"status": "rejected"}), 403, "You are not authorized to complete modify_member action.")
    refused(client.put(url, headers=tenants[OWNER], json={"status": "bogus"}), 403, "You are not authorized to complete modify_member action.")
    refused(client.put(url, headers=tenants[OTHER], json={"status": "rejected"}), 404, f"Image {image['id']} not found.")
    share(client, tenants, image["id"], member=OTHER)
    refused(client.put(url, headers=tenants[OTHER], json={"status": "rejected"}), 404,
            f"{MEMBER} not found in the member list of the image {image['id']}.")
    refused(client.put(f"{members_url('missing')}/{MEMBER}", headers=tenants[MEMBER], json={"status": "accepted"}), 404, "Image missing not found.")
    assert ok(set_status(client, tenants, image["id"], "pending"))["status"] == "pending"


@pytest.mark.parametrize("data, message", [
    ("", "Body expected in request."),
    ("{", "Malformed JSON in request body."),
    ('["accepted"]', 'Expected a status in the form: {"status": "status"}'),
    ('{"state": "accepted"}', "Status not specified"),
    ('{"status": "all"}', 'Incorrect request: Status must be "pending", "accepted" or "rejected".'),
    ('{"status": null}', 'Incorrect request: Status must be "pending", "accepted" or "rejected".'),
])
def test_update_member_body_errors(client, tenants, data, message):
    image = add_image(client, name="to-share")
    share(client, tenants, image["id"])
    headers = {**tenants[MEMBER], "Content-Type": "application/json"}
    refused(client.put(f"{members_url(image['id'])}/{MEMBER}", headers=headers, data=data), 400, message)
    assert ok(client.get(f"{members_url(image['id'])}/{MEMBER}", headers=tenants[MEMBER]))["status"] == "pending"


# DELETE .../members/<member>

def test_only_the_owner_removes_members(client, tenants, state):
    image = add_image(client, name="to-share")
    share(client, tenants, image["id"])
    share(client, tenants, image["id"], member=OTHER)
    url = f"{members_url(image['id'])}/{MEMBER}"
    refused(client.delete(url, headers=tenants[MEMBER]), 403, "You are not authorized to complete delete_member action.")
    refused(client.delete(url, headers=tenants[OTHER]), 404, f"{MEMBER} not found in the member list of the image {image['id']}.")
    response = client.delete(url, headers=tenants[OWNER])
    assert response.status_code == 204 and response.get_data() == b""
    refused(client.delete(url, headers=tenants[OWNER]), 404, f"{MEMBER} not found in the member list of the image {image['id']}.")
    refused(client.get(url, headers=tenants[MEMBER]), 404, f"Image {image['id']} not found.")
    assert state.snapshot()["members"][image["id"]] == {OTHER: "pending"}
    assert [member["member_id"] for member in ok(client.get(members_url(image["id"]), headers=tenants[OWNER]))["members"]] == [OTHER]


def test_deleting_the_image_drops_its_members(client, tenants, state):
    image = add_image(client, name="to-share")
    share(client, tenants, image["id"])
    assert client.delete(f"{IMAGES}/{image['id']}", headers=tenants[OWNER]).status_code == 204
    assert image["id"] not in state.members and image["id"] not in state.member_times
    refused(client.get(members_url(image["id"]), headers=tenants[OWNER]), 404, f"Image {image['id']} not found.")


# The consumer's view

def listed(client, headers, member_status=None):
    query = "?visibility=shared" + (f"&member_status={member_status}" if member_status else "")
    return names(client.get(IMAGES + query, headers=headers))


def test_consumer_listing_follows_the_members_api(client, tenants):
    image = add_image(client, name="offered")
    consumer = tenants[MEMBER]
    assert "offered" not in names(client.get(f"{IMAGES}?member_status=all", headers=consumer))
    share(client, tenants, image["id"])
    expected = {"pending": ["offered"], "accepted": [], "rejected": [], "all": ["offered"]}
    assert {status: listed(client, consumer, status) for status in expected} == expected
    assert listed(client, consumer) == [] and "offered" not in names(client.get(IMAGES, headers=consumer))
    assert ok(client.get(f"{IMAGES}/{image['id']}", headers=consumer))["owner"] == OWNER

    ok(set_status(client, tenants, image["id"], "accepted"))
    expected = {"pending": [], "accepted": ["offered"], "rejected": [], "all": ["offered"]}
    assert {status: listed(client, consumer, status) for status in expected} == expected
    assert listed(client, consumer) == ["offered"] and "offered" in names(client.get(IMAGES, headers=consumer))

    ok(set_status(client, tenants, image["id"], "rejected"))
    expected = {"pending": [], "accepted": [], "rejected": ["offered"], "all": ["offered"]}
    assert {status: listed(client, consumer, status) for status in expected} == expected
    assert "offered" not in names(client.get(IMAGES, headers=consumer))
    assert client.get(f"{IMAGES}/{image['id']}", headers=consumer).status_code == 200  # rejected members still see it
    assert listed(client, tenants[OTHER], "all") == []

    assert client.delete(f"{members_url(image['id'])}/{MEMBER}", headers=tenants[OWNER]).status_code == 204
    assert listed(client, consumer, "all") == []
    assert client.get(f"{IMAGES}/{image['id']}", headers=consumer).status_code == 404


def test_owner_sees_own_shared_images_with_visibility_shared(client, tenants):
    add_image(client, name="private-with-member", members={MEMBER: "pending"})
    add_image(client, name="shared-without-members", visibility="shared")
    assert listed(client, tenants[OWNER]) == ["shared-without-members"]


# members_need_shared_visibility

def test_members_need_shared_visibility_everywhere(client, tenants):
    private = add_image(client, name="private")
    shared = add_image(client, name="shared", visibility="shared")
    body = {"member": MEMBER}
    assert ok(client.get("/_localcloud/config"))["members_need_shared_visibility"] is False
    assert ok(configure(client, True))["members_need_shared_visibility"] is True
    refused(client.post(members_url(private["id"]), headers=tenants[OWNER], json=body), 403,
            f"Not allowed to create members for image {private['id']}.")
    refused(client.get(members_url(private["id"]), headers=tenants[OWNER]), 403,
            f"Not allowed to list members for image {private['id']}: Only shared images have members.")
    refused(client.get(f"{members_url(private['id'])}/{MEMBER}", headers=tenants[OWNER]), 404, "Only shared images have members.")
    assert share(client, tenants, shared["id"])["status"] == "pending"
    assert ok(set_status(client, tenants, shared["id"], "accepted"))["status"] == "accepted"
    assert listed(client, tenants[MEMBER]) == ["shared"]
    assert client.post("/_localcloud/reset").status_code == 204
    assert ok(client.get("/_localcloud/config"))["members_need_shared_visibility"] is False


def test_members_need_shared_visibility_per_region(client, tenants):
    images = {region: add_image(client, region=region, name=f"private-{region}") for region in ("DFW", "ORD")}
    assert ok(configure(client, {"ord": True}))["members_need_shared_visibility"] == {"ORD": True}
    assert share(client, tenants, images["DFW"]["id"])["status"] == "pending"
    refused(client.post(members_url(images["ORD"]["id"], "ORD"), headers=tenants[OWNER], json={"member": MEMBER}), 403,
            f"Not allowed to create members for image {images['ORD']['id']}.")
    patched = client.patch(f"/regions/ORD/image/v2/images/{images['ORD']['id']}", headers={**tenants[OWNER], "Content-Type": PATCH_TYPE},
                           json=[{"op": "replace", "path": "/visibility", "value": "shared"}])
    assert ok(patched)["visibility"] == "shared"
    assert share(client, tenants, images["ORD"]["id"], region="ORD")["status"] == "pending"


@pytest.mark.parametrize("switch", ["yes", 1, None, {"DFW": "true"}, ["DFW"]])
def test_members_need_shared_visibility_is_validated(client, switch):
    response = configure(client, switch)
    assert response.status_code == 400 and "members_need_shared_visibility" in response.get_json()["error"]
    assert ok(client.get("/_localcloud/config"))["members_need_shared_visibility"] is False


# Wire details

def test_members_routes_are_part_of_the_image_service(client, tenants):
    image = add_image(client, name="to-share")
    assert client.delete("/_localcloud/requests").status_code == 204
    wrong_method = client.patch(members_url(image["id"]), headers=tenants[OWNER])
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "GET, POST"
    assert client.post(f"{members_url(image['id'])}/{MEMBER}", headers=tenants[OWNER]).headers["Allow"] == "GET, PUT, DELETE"
    assert wrong_method.get_json()["code"] == "405 Method Not Allowed"
    assert client.get(f"{members_url(image['id'])}/{MEMBER}/extra", headers=tenants[OWNER]).status_code == 404
    for method in ("GET", "DELETE"):
        refused(client.open(f"{members_url(image['id'])}/{MEMBER}", method=method, headers=tenants[OWNER], json={}), 400,
                "A body is not expected with this request.")
    log = ok(client.get("/_localcloud/requests"))["requests"]
    assert [(entry["service"], entry["status"]) for entry in log if entry["service"] != "control"] == [("image", code) for code in (405, 405, 404, 400, 400)]
    forbidden = client.post(members_url(image["id"]), headers=tenants[MEMBER], json={"member": OTHER})
    assert forbidden.get_json() == {"message": f"Image {image['id']} not found.<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}
    as_text = client.post(members_url(image["id"]), headers={"X-Auth-Token": tenants[MEMBER]["X-Auth-Token"]}, json={"member": OTHER})
    assert as_text.mimetype == "text/plain" and as_text.get_data(as_text=True).startswith(f"404 Not Found\n\nImage {image['id']} not found.")


def test_faults_can_target_members(client, tenants):
    image = add_image(client, name="to-share")
    client.post("/_localcloud/faults", json={"path_regex": "/members$", "method": "POST", "status": 503})
    assert client.post(members_url(image["id"]), headers=tenants[OWNER], json={"member": MEMBER}).status_code == 503
    assert share(client, tenants, image["id"])["status"] == "pending"
