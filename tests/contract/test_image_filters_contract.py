"""Glance's list filters on standard fields (image_info's protected, os_hidden, checksum, os_hash_value, size_min/size_max,
created_at/updated_at and the formats), sent by list_filters and applied by the image service: the local cloud must
select exactly what the real Glance behind Keystone selects, and refuse the same bad values with the same answer.

Real Glance keeps fractions of a second it does not show (``created_at`` 17:14:16.52 is shown as 17:14:16Z), so a time
filter at the very second an image was made is left out here: the thresholds are far from it.
"""

import hashlib

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.errors import BadRequest
from ansible_collections.opencloud.images.plugins.module_utils.images import list_filters

PAST, FUTURE = "2000-01-01T00:00:00Z", "2100-01-01T00:00:00+01:00"
IMAGE_DATA = b"opencloud" * 10  # what the backends upload as an image's data (conftest: make_image)
FILTERS = [
    ({}, ["plain", "with-data"]),  # hidden images are left out unless asked for
    ({"protected": True}, ["with-data"]),
    ({"protected": False}, ["plain"]),
    ({"os_hidden": True}, ["hidden"]),
    ({"os_hidden": False}, ["plain", "with-data"]),
    ({"checksum": hashlib.md5(IMAGE_DATA).hexdigest()}, ["with-data"]),
    ({"os_hash_value": hashlib.sha512(IMAGE_DATA).hexdigest()}, ["with-data"]),
    ({"size_min": len(IMAGE_DATA)}, ["with-data"]),
    ({"size_max": len(IMAGE_DATA) - 1}, []),
    ({"size_min": 0, "size_max": len(IMAGE_DATA)}, ["with-data"]),
    ({"created_at": "gt:" + PAST}, ["plain", "with-data"]),
    ({"created_at": "gte:" + PAST, "os_hidden": True}, ["hidden"]),
    ({"created_at": "lt:" + PAST}, []),
    ({"created_at": "lte:" + FUTURE}, ["plain", "with-data"]),
    ({"created_at": "neq:" + PAST}, ["plain", "with-data"]),
    ({"created_at": PAST}, []),
    ({"updated_at": "eq:" + FUTURE}, []),
    ({"updated_at": "lt:" + FUTURE}, ["plain", "with-data"]),
    ({"updated_at": "gte:" + FUTURE}, []),
    ({"disk_format": "raw"}, ["with-data"]),
    ({"disk_format": "qcow2"}, ["plain"]),
    ({"container_format": "bare"}, ["plain", "with-data"]),
    ({"container_format": "ovf"}, []),
]


@pytest.fixture
def filtered(backend, unique):
    """Three images of one test, tagged with its name: 'with-data' (raw, protected, data uploaded), 'plain' (qcow2, no
    data) and 'hidden' (qcow2, os_hidden, no data). Glance checks uploaded data against a qcow2 format, hence raw."""
    backend.make_image(unique + "-with-data", tags=[unique], disk_format="raw", container_format="bare", protected=True)
    backend.make_image(unique + "-plain", tags=[unique], data=False, disk_format="qcow2", container_format="bare")
    backend.make_image(unique + "-hidden", tags=[unique], data=False, disk_format="qcow2", container_format="bare", os_hidden=True)
    return backend.images()


def test_standard_field_filters_select_what_glance_selects(backend, filtered, unique):
    for filters, expected in FILTERS:
        found = filtered.list(list_filters(tags=[unique], **filters))
        assert sorted(image["name"][len(unique) + 1:] for image in found) == expected, (backend.name, filters)


@pytest.mark.parametrize("query,message", [
    ([("created_at", "foo:2026-01-01T00:00:00Z")], "Unable to filter on a unknown operator."),
    ([("created_at", "in:2026-01-01T00:00:00Z")], "Unable to filter on a unknown operator."),
    ([("updated_at", "gt:yesterday")], 'Bad "updated_at" query filter format. Use ISO 8601 DateTime notation.'),
    ([("os_hidden", "maybe")], "Invalid value 'maybe' for 'os_hidden' filter. Valid values are 'true' or 'false'."),
    ([("protected", "True")], "Invalid value 'True' for 'protected' filter. Valid values are 'true' or 'false'."),
    ([("size_min", "big")], "Unable to filter on a range with a non-numeric value."),
])
def test_bad_filter_values_get_glances_answer(backend, query, message):
    """What list_filters refuses before sending, the image service refuses the same way on both."""
    images = backend.images()
    with pytest.raises(BadRequest) as err:
        images.session.json("GET", images.url("images"), params=query)
    assert err.value.status == 400 and message in err.value.message, (backend.name, err.value.message)


def test_os_hidden_true_in_any_case_is_glances(backend, filtered, unique):
    """Glance lowercases os_hidden (not protected) before reading it."""
    page = filtered.session.json("GET", filtered.url("images"), params=[("tag", unique), ("os_hidden", "True")])
    assert [image["name"] for image in page["images"]] == [unique + "-hidden"]
