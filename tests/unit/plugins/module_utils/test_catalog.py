# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.catalog import ServiceCatalog, image_api_root
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError

V2 = [
    {"name": "cloudServersOpenStack", "type": "compute", "endpoints": [
        {"region": "DFW", "tenantId": "1", "publicURL": "https://dfw.servers/v2/1"},
        {"region": "ORD", "tenantId": "1", "publicURL": "https://ord.servers/v2/1"}]},
    {"name": "cloudImages", "type": "image", "endpoints": [
        {"region": "DFW", "publicURL": "https://dfw.images/v2"}, {"region": "ORD", "publicURL": "https://ord.images/v2"}]},
    {"name": "cloudFiles", "type": "object-store", "endpoints": [
        {"region": "DFW", "tenantId": "MossoCloudFS_1", "publicURL": "https://storage/v1/M", "internalURL": "https://snet/v1/M"}]},
]
V3 = [{"type": "image", "name": "glance", "endpoints": [
    {"interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "http://glance:9292"},
    {"interface": "internal", "region": "RegionOne", "region_id": "RegionOne", "url": "http://glance-int:9292"}]}]


def test_v2_endpoint_by_type_region_case_insensitive_and_interface():
    catalog = ServiceCatalog.from_v2(V2)
    assert catalog.endpoint("image", "ord") == "https://ord.images/v2"
    assert catalog.endpoint("object-store", "DFW", "internal") == "https://snet/v1/M"
    assert catalog.regions() == ["DFW", "ORD"]


def test_v3_single_region_needs_no_region():
    assert ServiceCatalog.from_v3(V3).endpoint("image") == "http://glance:9292"


def test_unknown_region_lists_the_regions_offered():
    with pytest.raises(ConfigError) as err:
        ServiceCatalog.from_v2(V2).endpoint("image", "LON")
    assert err.value.option == "region"
    assert "DFW, ORD" in err.value.message


def test_missing_service_lists_the_services_offered():
    with pytest.raises(ConfigError) as err:
        ServiceCatalog.from_v3(V3).endpoint("compute")
    assert "image (glance)" in err.value.message


def test_several_regions_without_region_is_an_error():
    with pytest.raises(ConfigError) as err:
        ServiceCatalog.from_v2(V2).endpoint("image")
    assert "DFW, ORD" in err.value.message


def test_missing_interface_names_those_present():
    with pytest.raises(ConfigError) as err:
        ServiceCatalog.from_v2(V2).endpoint("image", "DFW", "internal")
    assert "public" in err.value.message


def test_preferred_service_name_wins_over_catalog_order():
    services = [{"name": "cloudServersBehavior", "type": "compute", "endpoints": [{"region": "ORD", "publicURL": "https://mimic"}]}] + V2
    assert ServiceCatalog.from_v2(services).endpoint("compute", "ORD") == "https://ord.servers/v2/1"


@pytest.mark.parametrize("url,root", [
    ("https://iad.images.api.rackspacecloud.com/v2", "https://iad.images.api.rackspacecloud.com/v2"),
    ("https://iad.images.api.rackspacecloud.com/v2/", "https://iad.images.api.rackspacecloud.com/v2"),
    ("http://glance:9292", "http://glance:9292/v2"),
    ("http://glance:9292/", "http://glance:9292/v2"),
    ("https://images/v2/929418", "https://images/v2/929418"),
    ("http://h/regions/DFW/image", "http://h/regions/DFW/image/v2"),
])
def test_image_api_root_normalisation(url, root):
    assert image_api_root(url) == root
