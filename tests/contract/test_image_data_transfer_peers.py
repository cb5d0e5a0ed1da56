"""The generic transfer path (image data streamed between image services) between two real upstream Glance.

Keystone's catalog lists the keystone-flavour Glance as RegionOne and a second, independent Glance (its
own database and store) as RegionTwo; userA logs in once and the transfer uses both regions.
"""

import hashlib
import os

import pytest
import requests

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.markers import SOURCE_IMAGE, SOURCE_REGION
from ansible_collections.opencloud.images.plugins.module_utils.transfer import RegionTransfer, choose_method


@pytest.fixture
def regions(peers):
    user = peers["users"]["userA"]
    source_region, target_region = peers["regions"][:2]
    session = CloudSession(auth.resolve({"auth_url": peers["keystone_url"], "username": user["name"], "password": user["password"],
                                         "project_name": user["project"], "region": source_region},
                                        environ={}, cloud_files=([], [])))
    target = session.in_region(target_region)
    made = []
    yield session, target, made
    for where, image_id in made:
        ImageService(where).delete(image_id)


def image_with_data(session, name, data, made):
    images = ImageService(session)
    image = images.create({"name": name, "disk_format": "raw", "container_format": "bare", "app": "shop"})
    made.append((session, image["id"]))
    requests.put("%s/images/%s/file" % (images.root, image["id"]), data=data, timeout=60,
                 headers={"X-Auth-Token": session.auth.token, "Content-Type": "application/octet-stream"}).raise_for_status()
    return images.get(image["id"])


def test_auto_takes_the_image_data_path_where_there_is_no_object_store(regions):
    session, target, _made = regions
    assert choose_method(session, target) == "image_data"


def test_an_image_is_streamed_to_the_other_glance_once(regions, unique):
    session, target, made = regions
    data = os.urandom(3 * 1024 * 1024 + 17)
    image = image_with_data(session, unique, data, made)
    mover = RegionTransfer(session, target, "unused", timeout=120)
    assert mover.find_copy(image) is None
    new, copied = mover.by_image_data(mover.find_source(image["id"]), unique + "-copy", {"tier": "gold"}, ["web"])
    made.append((target, new["id"]))
    assert copied["bytes_sent"] == len(data) and copied["method"] in ("glance-direct", "upload")
    assert new["status"] == "active" and new["checksum"] == hashlib.md5(data).hexdigest()
    assert (new[SOURCE_IMAGE], new[SOURCE_REGION], new["app"], new["tier"]) == (image["id"], session.region, "shop", "gold")
    assert new["tags"] == ["web"]
    response = ImageService(target).download(new["id"])
    assert response.content == data
    again = RegionTransfer(session, target, "unused")
    assert again.find_copy(image)["id"] == new["id"], "the coordinating property finds the copy: no second one"


def test_an_image_of_another_project_is_not_found_for_transfer(regions, peers, unique):
    session, target, made = regions
    other = peers["users"]["userB"]
    theirs = CloudSession(auth.resolve({"auth_url": peers["keystone_url"], "username": other["name"],
                                        "password": other["password"], "project_name": other["project"],
                                        "region": session.region}, environ={}, cloud_files=([], [])))
    image = image_with_data(theirs, unique, b"x" * 1000, made)
    with pytest.raises(ConfigError) as caught:
        RegionTransfer(session, target, "unused").find_source(image["id"])
    assert caught.value.option == "image"
