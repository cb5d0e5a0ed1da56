# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of a transfer that need no cloud: which images may leave their region, what a copy carries."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from types import SimpleNamespace

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.base import check_mover_options
from ansible_collections.opencloud.images.plugins.module_utils.catalog import ServiceCatalog
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.transfer import (
    RegionTransfer, carried_properties, exportable, target_session,
)


CATALOG = ServiceCatalog.from_dicts([
    {"type": "image", "name": "cloudImages", "region": region, "interface": "public",
     "url": "https://%s.images.example/v2" % region.lower()} for region in ("DFW", "ORD")])


class CatalogSession:
    """The region handling of CloudSession over CATALOG."""

    def __init__(self, region="DFW"):
        self.region = region
        self.auth = SimpleNamespace(catalog=CATALOG)

    def in_region(self, region):
        return CatalogSession(region)

    def endpoint(self, service_type):
        return CATALOG.endpoint(service_type, self.region)


def test_an_unknown_target_region_names_target_region_and_the_regions_there_are():
    with pytest.raises(ConfigError) as err:
        target_session(CatalogSession(), "SYD")
    assert err.value.option == "target_region"
    assert err.value.message == "target_region SYD is not a region of this account's image service; set target_region to one of DFW, ORD."
    assert target_session(CatalogSession(), "ORD").region == "ORD"


@pytest.mark.parametrize("image, reason", [
    ({"com.rackspace__1__options": "0", "os_type": "linux"}, None),
    ({}, None),
    ({"com.rackspace__1__options": "1", "os_type": "linux"}, "com.rackspace__1__options is 1"),
    ({"com.rackspace__1__options": "0", "os_type": "windows"}, "os_type is windows"),
])
def test_only_images_without_export_restrictions_may_leave(image, reason):
    assert exportable(image) == reason


def test_a_windows_image_is_refused_with_the_way_out():
    with pytest.raises(ConfigError) as caught:
        RegionTransfer.check_exportable({"id": "abc", "com.rackspace__1__options": "2"})
    assert caught.value.option == "image"
    assert "stay in their region" in caught.value.message and "image_share" in caught.value.message


def test_a_copy_carries_custom_properties_but_not_the_platform_s_own():
    image = {"id": "x", "name": "web", "status": "active", "checksum": "abc", "size": 10, "tags": ["a"],
             "instance_uuid": "srv", "image_type": "snapshot", "com.rackspace__1__options": "0",
             "org.openstack__1__os_distro": "ubuntu", "os_distro": "ubuntu", "app": "shop", "min_disk": 20,
             "opencloud.images.request": "r1", "protected": False, "owner": "100001"}
    assert carried_properties(image) == {"os_distro": "ubuntu", "app": "shop"}


@pytest.mark.parametrize("params, option", [
    ({"workers": 0, "timeout": 10, "task_poll_interval": 30, "cleanup": True}, "workers"),
    ({"workers": 33, "timeout": 10, "task_poll_interval": 30, "cleanup": True}, "workers"),
    ({"workers": 4, "timeout": 0, "task_poll_interval": 30, "cleanup": True}, "timeout"),
    ({"workers": 4, "timeout": 10, "task_poll_interval": 0, "cleanup": True}, "task_poll_interval"),
])
def test_option_bounds_name_the_option(params, option):
    with pytest.raises(ConfigError) as caught:
        check_mover_options(params)
    assert caught.value.option == option


@pytest.mark.parametrize("container", ["with.dot", "a/b", "what?", ""])
def test_export_container_names_the_export_task_refuses_are_refused_first(container):
    with pytest.raises(ConfigError) as caught:
        RegionTransfer(None, None, container)
    assert caught.value.option == "export_container"


def test_unset_workers_are_left_to_the_link():
    params = {"workers": None, "timeout": 10, "task_poll_interval": 30, "cleanup": True}
    assert check_mover_options(params)["workers"] is None
