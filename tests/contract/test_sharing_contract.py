"""Sharing between two accounts: owner adds, consumer answers, exact and absent; against the local cloud,
upstream Glance behind Keystone, and upstream Glance in its header-trusted mode. The members to add are checked with the
identity service first: the local cloud's (Rackspace v2.0, Keystone v3) and the real Keystone, as a member and as admin.

On upstream Glance a private image refuses members (403) until it is made ``shared``: the sharer
must notice and do that; the local cloud answers as Rackspace does, taking members on private images.
"""

import functools
import uuid

import pytest
import requests

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.projects import (
    KEYSTONE_CANNOT_CHECK, RACKSPACE_CANNOT_CHECK, check_new_members,
)
from ansible_collections.opencloud.images.plugins.module_utils.sharing import Sharer, answer_share, find_shared_image


def test_share_accept_reject_and_remove(sharing_backend, unique):
    backend = sharing_backend
    owner = backend.images()
    consumer = backend.consumer_images()
    consumer_id = consumer.session.auth.project_id
    image = owner.get(backend.make_image(unique, visibility="private"))
    sharer = Sharer(owner, backend.owner, backend.region)
    assert sharer.find_own_image(image["id"])["id"] == image["id"]
    plan = sharer.plan(image, [consumer_id], "present")
    assert (plan.before, plan.add, plan.remove, plan.after) == ({}, [consumer_id], [], {consumer_id: "pending"})
    made_shared = sharer.apply(image, plan)
    assert made_shared == backend.members_need_shared, "upstream wants visibility shared first, Rackspace does not"
    assert [(m["member_id"], m["status"]) for m in owner.members(image["id"])] == [(consumer_id, "pending")]

    assert find_shared_image(consumer, unique)["id"] == image["id"]
    before, after = answer_share(consumer, image["id"], consumer_id, "accepted")
    assert (before["status"], after["status"]) == ("pending", "accepted")
    with pytest.raises(ConfigError) as err:
        answer_share(owner, image["id"], consumer_id, "rejected")
    assert "only the member account" in err.value.message
    answer_share(consumer, image["id"], consumer_id, "rejected")

    plan = sharer.plan(owner.get(image["id"]), [], "exact")
    assert plan.remove == [consumer_id], "a rejected member still counts as a member"
    sharer.apply(image, plan)
    assert owner.members(image["id"]) == []


def test_the_owner_cannot_share_what_it_does_not_own(sharing_backend, unique):
    backend = sharing_backend
    consumer = backend.consumer_images()
    image_id = backend.share_with_me(unique)
    sharer = Sharer(backend.images(), backend.owner, backend.region)
    with pytest.raises(ConfigError) as err:
        sharer.find_own_image(image_id)
    assert "only its owner can share it" in err.value.message
    assert consumer.get(image_id)["id"] == image_id


def test_members_are_checked_as_far_as_the_identity_service_tells(identity_backend, unique):
    """issue 14: members that are no account were added (and kept pending). Keystone answers a member 403 for any project
    it has no role on, existing or not (cannot be checked), the admin 404 for one that does not exist; Rackspace lets no
    account look another up, and its account numbers are numeric. The local cloud answers as each does."""
    backend = identity_backend
    images = backend.images()
    session = images.session
    other, nobody = backend.other_project, uuid.uuid4().hex
    if backend.project_lookup == "any":
        assert check_new_members(session, [other]) == {"confirmed": [other], "unverified": [], "reason": None}
        unknown = [nobody]
    elif backend.project_lookup == "own":
        assert check_new_members(session, [other, nobody]) == {"confirmed": [], "unverified": [other, nobody],
                                                               "reason": KEYSTONE_CANNOT_CHECK}
        unknown = []
    else:
        assert check_new_members(session, [other, "999999"]) == {"confirmed": [], "unverified": [other, "999999"],
                                                                 "reason": RACKSPACE_CANNOT_CHECK}
        unknown = [nobody]
    image = images.get(backend.make_image(unique, visibility="private"))
    sharer = Sharer(images, backend.owner, backend.region)
    validate = functools.partial(check_new_members, session, mode="always")
    with pytest.raises(ConfigError) as err:
        sharer.plan(image, [other] + unknown, "present", validate=validate)
    if unknown:
        assert err.value.option == "members" and nobody in err.value.message and "nothing was shared" in err.value.message
    else:
        assert err.value.option == "validate_members" and other in err.value.message
    assert images.members(image["id"]) == []
    plan = sharer.plan(image, [other], "present", validate=functools.partial(check_new_members, session, confirmed=[other]))
    assert plan.validation == {"confirmed": [other], "unverified": [], "reason": None}, "a consumer's login confirms it"


KEYSTONE_403 = {"error": {"code": 403, "message": "You are not authorized to perform the requested action: identity:get_project.",
                          "title": "Forbidden"}}
KEYSTONE_401 = {"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}


def test_project_lookups_get_keystones_answers(identity_backend):
    """GET /v3/projects/{id} of the own project, another one, one that does not exist, and with a bad token: the local
    cloud's Keystone answers a member as the real one does (the bodies are the real Keystone's)."""
    backend = identity_backend
    session = backend.images().session
    if backend.project_lookup == "none":
        pytest.skip("Rackspace Identity v2.0 has no project lookup")
    own = session.auth.project_id
    expected = {"own": [200, 403, 403, 401], "any": [200, 200, 404, 401]}[backend.project_lookup]
    answers = []
    for project, token in ((own, session.auth.token), (backend.other_project, session.auth.token),
                           (uuid.uuid4().hex, session.auth.token), (own, "not-a-token")):
        response = requests.get("%s/projects/%s" % (session.config.auth_url, project), headers={"X-Auth-Token": token}, timeout=30)
        body = response.json()
        assert response.status_code != 403 or body == KEYSTONE_403
        assert response.status_code != 401 or body == KEYSTONE_401
        if response.ok:
            assert sorted(body["project"]) == ["description", "domain_id", "enabled", "id", "is_domain", "links", "name",
                                               "options", "parent_id", "tags"] and body["project"]["id"] == project
        answers.append(response.status_code)
    assert answers == expected, backend.name
