"""Object storage and large-object copies: the same tests against the local cloud and a real Swift.

Each backend gives two object stores standing for two regions: DFW and ORD of the local cloud's demo
account, or two accounts of the real Swift (tempauth). Everything above the session is the
collection's own code.
"""

import hashlib
import os

import pytest

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.errors import BadRequest
from ansible_collections.opencloud.images.plugins.module_utils.large_objects import (
    copy_large_object, delete_large_object, upload_file,
)
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import ObjectStorageService, manifest_etag
from swift_session import TempAuthSession

DEMO_API_KEY = "demo-api-key-SECRET-1a2b3c"

MIB = 1024 * 1024


def no_sleep(seconds):
    """Segment repeats wait a little between tries; the tests do not."""


class Stores:
    def __init__(self, name, source, target):
        self.name = name
        self.source = ObjectStorageService(source)
        self.target = ObjectStorageService(target)
        self.containers = []

    def container(self, store, name):
        self.containers.append((store, name))
        store.ensure_container(name)
        return name

    def cleanup(self):
        for store, container in self.containers + [(self.target, c + "_segments") for _s, c in self.containers]:
            for entry in list(store.list_objects(container)):
                store.delete(container, entry["name"])
            store.delete_container(container)


@pytest.fixture(params=["localcloud", "swift"])
def stores(request, unique):
    if request.param == "localcloud":
        cloud = request.getfixturevalue("localcloud")
        session = CloudSession(auth.resolve({"auth_url": cloud.url + "/identity/v2.0", "username": "demo",
                                             "api_key": DEMO_API_KEY, "region": "DFW"}, environ={}, cloud_files=([], [])))
        found = Stores("localcloud", session, session.in_region("ORD"))
    else:
        swift = request.getfixturevalue("peers")["swift"]
        one, two = (swift["accounts"][name] for name in sorted(swift["accounts"])[:2])
        found = Stores("swift", TempAuthSession(swift["auth_url"], one["user"], one["key"]),
                       TempAuthSession(swift["auth_url"], two["user"], two["key"]))
    yield found
    found.cleanup()


def read_all(store, container, name):
    response = store.open(container, name)
    try:
        return response.content
    finally:
        response.close()


def put_dlo(store, container, name, parts):
    """A Dynamic Large Object as an export task leaves it: numbered segments and a zero-byte manifest."""
    for index, data in enumerate(parts, 1):
        store.put(container, "%s-%05d" % (name, index), data, etag=hashlib.md5(data).hexdigest())
    store.put_dlo_manifest(container, name, container, name + "-")


def test_containers_are_made_once_and_deleted_when_empty(stores, unique):
    store = stores.source
    assert store.ensure_container(unique) is True
    stores.containers.append((store, unique))
    assert store.ensure_container(unique) is False
    store.put(unique, "a", b"x")
    assert store.delete_container(unique) is False  # not empty
    store.delete(unique, "a")
    assert store.delete_container(unique) is True
    assert store.container_exists(unique) is False


def test_an_object_round_trips_and_a_wrong_md5_is_refused(stores, unique):
    store = stores.source
    container = stores.container(store, unique)
    data = os.urandom(4096)
    assert store.put(container, "dir/obj", data, etag=hashlib.md5(data).hexdigest()) == hashlib.md5(data).hexdigest()
    info = store.head(container, "dir/obj")
    assert (info.size, info.etag, info.dlo_prefix, info.is_slo) == (4096, hashlib.md5(data).hexdigest(), None, False)
    assert read_all(store, container, "dir/obj") == data
    with pytest.raises(BadRequest) as caught:
        store.put(container, "bad", data, etag=hashlib.md5(b"other").hexdigest())
    assert caught.value.status == 422
    assert store.head(container, "bad") is None
    assert [e["name"] for e in store.list_objects(container)] == ["dir/obj"]


def test_a_dlo_reads_as_its_segments_in_order(stores, unique):
    store = stores.source
    container = stores.container(store, unique)
    parts = [os.urandom(MIB), os.urandom(MIB), os.urandom(1000)]
    put_dlo(store, container, "img.vhd", parts)
    info = store.head(container, "img.vhd")
    assert info.dlo_prefix == "%s/img.vhd-" % container
    assert info.size == 2 * MIB + 1000
    assert info.etag == manifest_etag([hashlib.md5(p).hexdigest() for p in parts])
    assert [s["name"] for s in store.segments(info)] == ["img.vhd-00001", "img.vhd-00002", "img.vhd-00003"]
    assert read_all(store, container, "img.vhd") == b"".join(parts)


def test_a_dlo_is_copied_to_the_other_region_as_an_slo_and_a_rerun_sends_nothing(stores, unique):
    source = stores.container(stores.source, unique)
    target = stores.container(stores.target, unique + "-t")
    parts = [os.urandom(MIB), os.urandom(MIB), os.urandom(MIB // 2)]
    put_dlo(stores.source, source, "img.vhd", parts)
    report = copy_large_object(stores.source, stores.target, source, "img.vhd", target, "img.vhd", workers=3, sleep=no_sleep)
    assert (report.manifest, report.segments_sent, report.segments_skipped, report.bytes_sent) == ("slo", 3, 0, len(b"".join(parts)))
    copied = stores.target.head(target, "img.vhd")
    assert copied.is_slo and copied.size == len(b"".join(parts))
    assert read_all(stores.target, target, "img.vhd") == b"".join(parts)
    again = copy_large_object(stores.source, stores.target, source, "img.vhd", target, "img.vhd", sleep=no_sleep)
    assert (again.segments_sent, again.segments_skipped, again.bytes_sent) == (0, 3, 0)


def test_an_interrupted_copy_resends_only_the_missing_segment(stores, unique):
    source = stores.container(stores.source, unique)
    target = stores.container(stores.target, unique + "-t")
    parts = [os.urandom(MIB) for _n in range(4)]
    put_dlo(stores.source, source, "img.vhd", parts)
    first = copy_large_object(stores.source, stores.target, source, "img.vhd", target, "img.vhd", sleep=no_sleep)
    lost = "%s%05d" % (first.segment_prefix, 3)
    stores.target.delete(first.segment_container, lost)
    stores.target.delete(target, "img.vhd")
    report = copy_large_object(stores.source, stores.target, source, "img.vhd", target, "img.vhd", sleep=no_sleep)
    assert (report.segments_sent, report.segments_skipped) == (1, 3)
    assert read_all(stores.target, target, "img.vhd") == b"".join(parts)


def test_segments_too_small_for_an_slo_make_a_dlo(stores, unique):
    source = stores.container(stores.source, unique)
    target = stores.container(stores.target, unique + "-t")
    parts = [b"a" * 1000, b"b" * 2000, b"c" * 10]
    put_dlo(stores.source, source, "small", parts)
    report = copy_large_object(stores.source, stores.target, source, "small", target, "small", sleep=no_sleep)
    assert report.manifest == "dlo"
    assert read_all(stores.target, target, "small") == b"".join(parts)


def test_a_file_uploads_whole_or_in_segments_and_only_once(stores, unique, tmp_path):
    store = stores.target
    container = stores.container(store, unique)
    small = tmp_path / "dump.sql.gz"
    small.write_bytes(os.urandom(5000))
    report = upload_file(store, str(small), container, "db01/dump.sql.gz", MIB, sleep=no_sleep)
    assert report.manifest == "none" and report.etag == hashlib.md5(small.read_bytes()).hexdigest()
    assert upload_file(store, str(small), container, "db01/dump.sql.gz", MIB, sleep=no_sleep) is None
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(2 * MIB + 123))
    report = upload_file(store, str(big), container, "big.bin", MIB, workers=2, sleep=no_sleep)
    assert (report.manifest, report.segments_total) == ("slo", 3)
    assert read_all(store, container, "big.bin") == big.read_bytes()
    assert upload_file(store, str(big), container, "big.bin", MIB, sleep=no_sleep) is None


def test_deleting_a_large_object_takes_its_segments(stores, unique):
    source = stores.container(stores.source, unique)
    target = stores.container(stores.target, unique + "-t")
    put_dlo(stores.source, source, "img.vhd", [os.urandom(MIB), os.urandom(10)])
    report = copy_large_object(stores.source, stores.target, source, "img.vhd", target, "img.vhd", sleep=no_sleep)
    deleted = delete_large_object(stores.target, target, "img.vhd")
    assert len(deleted) == 3
    assert list(stores.target.list_objects(report.segment_container)) == []
    assert sorted(delete_large_object(stores.source, source, "img.vhd")) == sorted(
        "%s/%s" % (source, n) for n in ("img.vhd", "img.vhd-00001", "img.vhd-00002"))
    assert delete_large_object(stores.source, source, "img.vhd") == []
