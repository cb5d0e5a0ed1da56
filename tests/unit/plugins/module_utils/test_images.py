# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.images import FILTER_ARGUMENTS, _server_side, list_filters, looks_like_id, only_one
from ansible_collections.opencloud.images.plugins.modules.image_info import ImageInfoModule

SERVER = "5f3b6c0e-8a59-4d7b-9b8e-6c1f7f0f2a11"


def test_filters_become_query_pairs_with_repeated_tags_and_properties():
    params = list_filters(name="web", status="active", tags=["a", "b"], server=SERVER,
                          properties={"com.example.image-of": "db3", "keep": True, "generation": 2})
    assert params == [("name", "web"), ("status", "active"), ("tag", "a"), ("tag", "b"),
                      ("com.example.image-of", "db3"), ("generation", "2"), ("instance_uuid", SERVER), ("keep", "true")]


@pytest.mark.parametrize("kwargs,option", [
    ({"status": "bogus"}, "status"),
    ({"visibility": "everyone"}, "visibility"),
    ({"member_status": "maybe"}, "member_status"),
    ({"sort_dir": "sideways"}, "sort_dir"),
    ({"tags": ["ok", ""]}, "tags"),
    ({"server": "web01"}, "server"),
    ({"properties": {"status": "active"}}, "properties"),
    ({"properties": {"nested": {"a": 1}}}, "properties"),
    ({"properties": {"a/b": "x"}}, "properties"),
])
def test_bad_filters_name_the_option(kwargs, option):
    with pytest.raises(ConfigError) as err:
        list_filters(**kwargs)
    assert err.value.option == option


@pytest.mark.parametrize("field,advice", [
    ("tag", "use the tags option"), ("member_status", "use the member_status option"),
    ("os_hidden", "use the os_hidden option"), ("protected", "use the protected option"),
    ("checksum", "use the checksum option"), ("size_min", "use the size_min option"),
    ("created_at", "use the created_at option"), ("disk_format", "use the disk_format option"),
    ("marker", "the module sets it itself"),
])
def test_a_standard_field_as_a_property_points_only_to_options_that_exist(field, advice):
    with pytest.raises(ConfigError) as err:
        list_filters(properties={field: "x"})
    assert err.value.message.endswith(advice + ".") and err.value.option == "properties"


def test_every_option_a_message_points_to_is_an_image_info_option():
    """The advice names options of image_info: each must exist there (issue 14: it advised options that did not)."""
    spec = ImageInfoModule.argument_spec
    assert sorted(option for option in FILTER_ARGUMENTS.values() if option not in spec) == []


def test_standard_field_filters_are_glance_query_parameters():
    params = list_filters(protected=True, os_hidden=False, checksum="9a0364b9e99bb480dd25e1f0284c8555", os_hash_value="ab12",
                          size_min=0, size_max=1024, created_at="gte:2026-11-01T00:00:00Z", updated_at="2026-11-26T05:30:00+01:00",
                          disk_format="vhd", container_format="ovf")
    assert params == [("protected", "true"), ("os_hidden", "false"), ("checksum", "9a0364b9e99bb480dd25e1f0284c8555"),
                      ("os_hash_value", "ab12"), ("size_min", 0), ("size_max", 1024), ("created_at", "gte:2026-11-01T00:00:00Z"),
                      ("updated_at", "eq:2026-11-26T05:30:00+01:00"), ("disk_format", "vhd"), ("container_format", "ovf")]


@pytest.mark.parametrize("operator", ["gt", "gte", "lt", "lte", "eq", "neq"])
def test_every_glance_time_operator_is_taken(operator):
    assert list_filters(created_at="%s:2026-11-26T05:30:00.123Z" % operator) == [("created_at", operator + ":2026-11-26T05:30:00.123Z")]


@pytest.mark.parametrize("kwargs,option,words", [
    ({"created_at": "after:2026-11-01T00:00:00Z"}, "created_at", "unknown operator 'after'"),
    ({"created_at": "in:2026-11-01T00:00:00Z"}, "created_at", "unknown operator 'in'"),
    ({"updated_at": "gte:yesterday"}, "updated_at", "'yesterday' is not an ISO 8601 time"),
    ({"updated_at": "2026-13-01T00:00:00Z"}, "updated_at", "is not an ISO 8601 time"),
    ({"created_at": ""}, "created_at", "is not an ISO 8601 time"),
    ({"size_min": -1}, "size_min", "0 or more"),
    ({"size_min": 10, "size_max": 9}, "size_min", "more than size_max"),
    ({"checksum": ""}, "checksum", "one value"),
    ({"disk_format": "in:vhd,raw"}, "disk_format", "one value"),
    ({"container_format": "ovf bare"}, "container_format", "one value"),
])
def test_bad_standard_field_filters_name_the_option(kwargs, option, words):
    with pytest.raises(ConfigError) as err:
        list_filters(**kwargs)
    assert err.value.option == option and words in err.value.message, err.value.message


def test_looks_like_id():
    assert looks_like_id(SERVER)
    assert not looks_like_id("web01")
    assert not looks_like_id(None)


def test_names_with_a_colon_are_matched_client_side():
    params = list_filters(name="web01-2026-11-26T05:30", status="active")
    assert _server_side(params) == ([("status", "active")], "web01-2026-11-26T05:30")
    assert _server_side(list_filters(name="plain")) == ([("name", "plain")], None)


def test_only_one_image_or_the_ids_to_choose_from():
    assert only_one([], "web") is None
    assert only_one([{"id": "a"}], "web") == {"id": "a"}
    with pytest.raises(ConfigError) as err:
        only_one([{"id": "a", "created_at": "t1"}, {"id": "b", "created_at": "t2"}], "web")
    assert err.value.option == "image" and "a (created t1)" in err.value.message and "b (created t2)" in err.value.message


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_property_is_written_as_it_is_filtered_on(value):
    """issue 14 item 2: the image module wrote "True" where image_info filters on "true"."""
    from ansible_collections.opencloud.images.plugins.module_utils.images import patch_operations
    written = patch_operations({"id": "x"}, properties={"keep": value})
    assert written == [{"op": "add", "path": "/keep", "value": "true" if value else "false"}]
    assert list_filters(properties={"keep": value}) == [("keep", written[0]["value"])]
    # An image that already has the canonical text is left alone.
    assert patch_operations({"id": "x", "keep": written[0]["value"]}, properties={"keep": value}) == []
