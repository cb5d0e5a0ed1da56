"""Sharing between two accounts: owner adds, consumer answers, exact and absent; against the local cloud,
upstream Glance behind Keystone, and upstream Glance in its header-trusted mode.

On upstream Glance a private image refuses members (403) until it is made ``shared``: the sharer
must notice and do that; the local cloud answers as Rackspace does, taking members on private images.
"""

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
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
