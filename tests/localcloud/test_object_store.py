"""Tests of the local cloud's Cloud Files (Swift) and of stream faults, over real HTTP (run: ``PYTHONPATH=tests python -m pytest
tests/localcloud``)."""

import hashlib
import http.client
import json
import os
import socket
import time
import tracemalloc
from urllib.parse import urlsplit

import pytest
import requests

from localcloud.server import LocalCloud
from localcloud.test_compute import FakeClock
from localcloud.test_localcloud import CONSUMER, DEMO, apikey_auth

MIB = 1 << 20
UNAUTHORIZED = ("<html><h1>Unauthorized</h1><p>This server could not verify that you are authorized to access the document you requested."
                "</p></html>")
CONFLICT = "<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request.</p></html>"
NOT_FOUND = "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>"
UNPROCESSABLE = "<html><h1>Unprocessable Entity</h1><p>Unable to process the contained instructions</p></html>"
TOO_LARGE = "<html><h1>Request Entity Too Large</h1><p>The body of your request was too large for this server.</p></html>"


def md5(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def token_for(url, account):
    response = requests.post(f"{url}/identity/v2.0/tokens", json=apikey_auth(account), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access"]["token"]["id"]


class Files:
    """Requests to one Cloud Files account: ``files("PUT", "/container/object", data=...)``."""

    def __init__(self, url, token, tenant="100001", region="DFW", network="object-store"):
        self.url = url
        self.base = f"{url}/regions/{region}/{network}/v1/MossoCloudFS_{tenant}"
        self.session = requests.Session()
        self.session.headers["X-Auth-Token"] = token

    def __call__(self, method, path="", **kwargs):
        return self.session.request(method, self.base + path, timeout=30, **kwargs)

    def put(self, path, data=b"", **headers):
        response = self("PUT", path, data=data, headers=headers)
        assert response.status_code in (201, 202), response.text
        return response

    def listing(self, path="", **params):
        response = self("GET", path, params={"format": "json", **params})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def clock():
    return FakeClock()


@pytest.fixture(scope="module")
def cloud(clock):
    with LocalCloud(clock=clock) as running:
        yield running


def control(cloud, method, path, **kwargs):
    response = requests.request(method, f"{cloud.url}/_localcloud/{path}", timeout=10, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture
def lc(cloud):
    """The running local cloud, reset (seed, config, no objects, tasks or faults)."""
    control(cloud, "POST", "reset")
    return cloud


@pytest.fixture
def files(lc):
    return Files(lc.url, token_for(lc.url, DEMO))


def names(files, path="", **params):
    return [entry.get("name", entry.get("subdir")) for entry in files.listing(path, **params)]


# containers and the account

def test_container_lifecycle(files):
    assert files("HEAD", "/box").status_code == 404
    created = files("PUT", "/box")
    assert (created.status_code, created.text, created.headers["X-Trans-Id"][:2]) == (201, "", "tx")
    again = files("PUT", "/box")
    assert (again.status_code, again.text) == (202, "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>")
    files.put("/box/a", b"12345")
    head = files("HEAD", "/box")
    assert (head.status_code, head.headers["X-Container-Object-Count"], head.headers["X-Container-Bytes-Used"]) == (204, "1", "5")
    refused = files("DELETE", "/box")
    assert (refused.status_code, refused.text) == (409, CONFLICT)
    assert files("DELETE", "/box/a").status_code == 204
    assert files("DELETE", "/box").status_code == 204
    missing = files("DELETE", "/box")
    assert (missing.status_code, missing.text) == (404, NOT_FOUND)
    assert files("GET", "/box").status_code == 404


def test_container_names_are_at_most_256_bytes(files):
    refused = files("PUT", "/" + "é" * 129)
    assert (refused.status_code, refused.text) == (400, "Container name length of 258 longer than 256")
    assert files("PUT", "/" + "c" * 256).status_code == 201


def test_account_listing_and_totals(files):
    empty = files("GET")
    assert (empty.status_code, empty.text, empty.headers["X-Account-Container-Count"]) == (204, "", "0")
    assert files.listing() == []
    for container in ("b", "a"):
        files.put(f"/{container}")
    files.put("/a/one", b"1")
    files.put("/a/two", b"22")
    listing = files("GET")
    assert (listing.status_code, listing.text, listing.headers["Content-Type"]) == (200, "a\nb\n", "text/plain; charset=utf-8")
    as_json = files("GET", headers={"Accept": "application/json"})
    assert as_json.headers["Content-Type"] == "application/json; charset=utf-8"
    assert [{key: entry[key] for key in ("name", "count", "bytes")} for entry in as_json.json()] == [
        {"name": "a", "count": 2, "bytes": 3}, {"name": "b", "count": 0, "bytes": 0}]
    head = files("HEAD")
    assert head.status_code == 204
    assert [head.headers[f"X-Account-{key}"] for key in ("Container-Count", "Object-Count", "Bytes-Used")] == ["2", "2", "3"]


def test_container_listing_paging(files):
    files.put("/box")
    for name in ("a/1", "a/2", "b", "c/x/1", "d"):
        files.put(f"/box/{name}", name.encode())
    assert names(files, "/box") == ["a/1", "a/2", "b", "c/x/1", "d"]
    assert names(files, "/box", limit=2) == ["a/1", "a/2"]
    assert names(files, "/box", limit=2, marker="a/2") == ["b", "c/x/1"]
    assert names(files, "/box", marker="b", end_marker="d") == ["c/x/1"]
    assert names(files, "/box", prefix="a/") == ["a/1", "a/2"]
    assert names(files, "/box", delimiter="/") == ["a/", "b", "c/", "d"]
    assert names(files, "/box", prefix="c/", delimiter="/") == ["c/x/"]
    entry = files.listing("/box", prefix="b")[0]
    assert entry == {"name": "b", "bytes": 1, "content_type": "application/octet-stream", "hash": md5(b"b"),
                     "last_modified": entry["last_modified"]}
    plain = files("GET", "/box", params={"prefix": "a"})
    assert (plain.status_code, plain.text) == (200, "a/1\na/2\n")
    empty = files("GET", "/box", params={"prefix": "z"})
    assert (empty.status_code, empty.text) == (204, "")
    assert files.listing("/box", prefix="z") == []
    too_many = files("GET", "/box", params={"limit": "10001"})
    assert (too_many.status_code, too_many.text) == (412, "Maximum limit is 10000")


# objects

def test_object_round_trip(files, clock):
    files.put("/box")
    created = files.put("/box/notes.txt", b"hello swift", **{"X-Object-Meta-Color": "blue", "Content-Type": "text/x-notes"})
    assert (created.status_code, created.headers["Etag"], created.text) == (201, md5(b"hello swift"), "")
    got = files("GET", "/box/notes.txt")
    assert (got.status_code, got.content) == (200, b"hello swift")
    assert {key: got.headers[key] for key in ("Etag", "Content-Type", "Content-Length", "X-Object-Meta-Color", "Accept-Ranges")} == {
        "Etag": md5(b"hello swift"), "Content-Type": "text/x-notes", "Content-Length": "11", "X-Object-Meta-Color": "blue",
        "Accept-Ranges": "bytes"}
    assert got.headers["X-Timestamp"] == f"{clock.now.timestamp():016.5f}"
    assert got.headers["Last-Modified"] == "Thu, 26 Nov 2026 12:00:00 GMT"
    head = files("HEAD", "/box/notes.txt")
    assert (head.status_code, head.content, head.headers["Content-Length"]) == (200, b"", "11")
    files.put("/box/notes.txt", b"replaced")
    assert files("GET", "/box/notes.txt").content == b"replaced"
    assert files("DELETE", "/box/notes.txt").status_code == 204
    assert (files("HEAD", "/box/notes.txt").status_code, files("HEAD", "/box/notes.txt").content) == (404, b"")
    missing = files("GET", "/box/notes.txt")
    assert (missing.status_code, missing.text) == (404, NOT_FOUND)
    assert files("DELETE", "/box/notes.txt").status_code == 404
    assert files("PUT", "/nobox/x", data=b"x").status_code == 404


def test_object_names_are_at_most_1024_bytes(files):
    files.put("/box")
    refused = files("PUT", "/box/" + "o" * 1025, data=b"x")
    assert (refused.status_code, refused.text) == (400, "Object name length of 1025 longer than 1024")


def test_the_internal_url_serves_the_same_data(lc, files):
    internal = Files(lc.url, files.session.headers["X-Auth-Token"], network="snet-object-store")
    files.put("/box")
    internal.put("/box/from-snet", b"private network")
    assert files("GET", "/box/from-snet").content == b"private network"
    assert names(internal, "/box") == ["from-snet"]


def test_etag_header_must_match_the_body(files):
    files.put("/box")
    assert files.put("/box/good", b"data", ETag=md5(b"data")).status_code == 201
    assert files.put("/box/quoted", b"data", ETag=f'"{md5(b"data")}"').status_code == 201
    refused = files("PUT", "/box/bad", data=b"data", headers={"ETag": md5(b"other")})
    assert (refused.status_code, refused.text) == (422, UNPROCESSABLE)
    assert files("HEAD", "/box/bad").status_code == 404
    assert names(files, "/box") == ["good", "quoted"]


def _raw_put(files, path, body, headers):
    """A PUT sent by hand, so that it can go without Content-Length (requests always sets one)."""
    url = urlsplit(files.base + path)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest("PUT", f"{url.path}?{url.query}" if url.query else url.path, skip_accept_encoding=True)
        for key, value in {"X-Auth-Token": files.session.headers["X-Auth-Token"], **headers}.items():
            connection.putheader(key, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_a_put_needs_a_length_or_chunks(files):
    files.put("/box")
    status, body = _raw_put(files, "/box/nolength", b"", {})
    assert (status, body) == (411, "<html><h1>Length Required</h1><p>Content-Length header required.</p></html>")
    chunked = files("PUT", "/box/chunked", data=iter([b"abc", b"def"]))
    assert chunked.status_code == 201 and chunked.request.headers["Transfer-Encoding"] == "chunked"
    assert files("GET", "/box/chunked").content == b"abcdef"


def test_objects_over_the_size_limit_are_413(lc, files):
    control(lc, "POST", "config", json={"object_max_bytes": 10})
    files.put("/box")
    assert files.put("/box/fits", b"0123456789").status_code == 201
    declared = files("PUT", "/box/declared", data=b"0123456789A")
    assert (declared.status_code, declared.text) == (413, TOO_LARGE)
    streamed = files("PUT", "/box/streamed", data=iter([b"012345", b"6789AB"]))
    assert (streamed.status_code, streamed.text) == (413, TOO_LARGE)
    assert names(files, "/box") == ["fits"]
    assert control(lc, "GET", "config")["object_max_bytes"] == 10


def test_big_objects_stream_through_without_being_held_in_memory(files):
    """64 MiB up and down while the server (same process) allocates far less: bodies go to and from disk in chunks."""
    files.put("/box")
    chunk = os.urandom(MIB)
    tracemalloc.start()
    try:
        assert files.put("/box/big", iter([chunk] * 64)).status_code == 201
        digest = hashlib.md5(usedforsecurity=False)
        with files("GET", "/box/big", stream=True) as response:
            for part in response.iter_content(MIB):
                digest.update(part)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == md5(chunk * 64) == response.headers["Etag"]
    assert peak < 24 * MIB, peak


@pytest.mark.parametrize("header, status, body, content_range", [
    ("bytes=2-5", 206, b"2345", "bytes 2-5/10"),
    ("bytes=7-", 206, b"789", "bytes 7-9/10"),
    ("bytes=-3", 206, b"789", "bytes 7-9/10"),
    ("bytes=8-100", 206, b"89", "bytes 8-9/10"),
    ("bytes=5-2", 200, b"0123456789", None),
    ("bytes=0-1,4-5", 200, b"0123456789", None),
])
def test_byte_ranges(files, header, status, body, content_range):
    files.put("/box")
    files.put("/box/digits", b"0123456789")
    response = files("GET", "/box/digits", headers={"Range": header})
    assert (response.status_code, response.content, response.headers.get("Content-Range")) == (status, body, content_range)
    assert response.headers["Etag"] == md5(b"0123456789")


def test_a_range_past_the_end_is_416(files):
    files.put("/box")
    files.put("/box/digits", b"0123456789")
    response = files("GET", "/box/digits", headers={"Range": "bytes=10-"})
    assert (response.status_code, response.headers["Content-Range"]) == (416, "bytes */10")
    assert response.text == "<html><h1>Requested Range Not Satisfiable</h1><p>The Range requested is not available.</p></html>"


# dynamic large objects

def test_dlo_reads_its_segments_in_name_order(files):
    files.put("/segs")
    files.put("/box")
    segments = {"part/002": b"BB", "part/001": b"AAA", "part/010": b"C", "other": b"not mine"}
    for name, data in segments.items():
        files.put(f"/segs/{name}", data)
    created = files.put("/box/big", b"", **{"X-Object-Manifest": "segs/part%2F0"})
    assert created.headers["Etag"] == md5(b"")
    got = files("GET", "/box/big")
    etags = md5(b"AAA") + md5(b"BB") + md5(b"C")
    assert (got.status_code, got.content) == (200, b"AAABBC")
    assert (got.headers["Etag"], got.headers["X-Object-Manifest"]) == (f'"{md5(etags.encode())}"', "segs/part%2F0")
    head = files("HEAD", "/box/big")
    assert (head.headers["Content-Length"], head.headers["Etag"]) == ("6", got.headers["Etag"])
    assert files("GET", "/box/big", headers={"Range": "bytes=2-4"}).content == b"ABB"
    assert files.listing("/box")[0]["bytes"] == 0
    raw = files("GET", "/box/big", params={"multipart-manifest": "get"})
    assert (raw.content, raw.headers["Etag"]) == (b"", md5(b""))
    files("DELETE", "/segs/part/002")  # deleting a segment silently shortens the object
    assert files("GET", "/box/big").content == b"AAAC"
    assert files("DELETE", "/box/big").status_code == 204
    assert names(files, "/segs") == ["other", "part/001", "part/010"]


@pytest.mark.parametrize("manifest", ["segs", "segs/", "/prefix", "segs//x", "segs/a?b"])
def test_dlo_manifest_header_is_checked(files, manifest):
    files.put("/box")
    refused = files("PUT", "/box/big", data=b"", headers={"X-Object-Manifest": manifest})
    assert (refused.status_code, refused.text) == (400, "X-Object-Manifest must be in the format container/prefix")


def test_dlo_of_a_missing_container_is_404(files):
    files.put("/box")
    files.put("/box/big", b"", **{"X-Object-Manifest": "gone/x"})
    assert files("GET", "/box/big").status_code == 404


# static large objects

def _slo_segments(files, sizes):
    """Upload segments of the given sizes to /segs; their manifest entries, and the data they make together."""
    files.put("/segs")
    entries, data = [], b""
    for number, size in enumerate(sizes):
        part = bytes([65 + number]) * size
        files.put(f"/segs/s{number}", part)
        entries.append({"path": f"/segs/s{number}", "etag": md5(part), "size_bytes": size})
        data += part
    return entries, data


def test_slo_put_and_read(files):
    entries, data = _slo_segments(files, [MIB, MIB, 10])
    entries[2] = {"path": "segs/s2", "etag": None, "size_bytes": None}  # null: not checked; the leading slash is optional
    files.put("/box")
    created = files("PUT", "/box/big", params={"multipart-manifest": "put"}, data=json.dumps(entries))
    slo_etag = md5((md5(b"A" * MIB) + md5(b"B" * MIB) + md5(b"C" * 10)).encode())
    assert (created.status_code, created.headers["Etag"]) == (201, f'"{slo_etag}"')
    head = files("HEAD", "/box/big")
    assert (head.headers["X-Static-Large-Object"], head.headers["Etag"]) == ("True", f'"{slo_etag}"')
    assert head.headers["Content-Length"] == str(2 * MIB + 10)
    got = files("GET", "/box/big")
    assert (got.status_code, md5(got.content)) == (200, md5(data))
    across = files("GET", "/box/big", headers={"Range": f"bytes={MIB - 2}-{MIB + 1}"})
    assert (across.status_code, across.content) == (206, b"AABB")
    manifest = files("GET", "/box/big", params={"multipart-manifest": "get"})
    assert manifest.headers["Content-Type"] == "application/json; charset=utf-8"
    stored = manifest.json()
    assert [(entry["name"], entry["bytes"], entry["hash"]) for entry in stored] == [
        ("/segs/s0", MIB, md5(b"A" * MIB)), ("/segs/s1", MIB, md5(b"B" * MIB)), ("/segs/s2", 10, md5(b"C" * 10))]
    assert set(stored[0]) == {"name", "bytes", "hash", "content_type", "last_modified"}
    raw = files("GET", "/box/big", params={"multipart-manifest": "get", "format": "raw"})
    assert raw.json() == [{"path": entry["name"], "etag": entry["hash"], "size_bytes": entry["bytes"]} for entry in stored]
    assert files("PUT", "/box/copy", params={"multipart-manifest": "put"}, data=raw.content).headers["Etag"] == f'"{slo_etag}"'
    listed = files.listing("/box")[0]
    assert (listed["bytes"], listed["slo_etag"], listed["hash"]) == (2 * MIB + 10, f'"{slo_etag}"', md5(manifest.content))


def test_slo_segments_must_exist_and_match(files):
    entries, _data = _slo_segments(files, [MIB, 100, 10])
    files.put("/box")
    bad = [{**entries[0], "etag": md5(b"nope"), "size_bytes": MIB + 1}, {**entries[1], "size_bytes": None},
           {"path": "/segs/missing", "etag": None, "size_bytes": None}, entries[2]]
    refused = files("PUT", "/box/big", params={"multipart-manifest": "put"}, data=json.dumps(bad))
    assert refused.status_code == 400
    assert refused.text == ("Errors:\n/segs/s0, Size Mismatch\n/segs/s0, Etag Mismatch\n"
                            "/segs/s1, Too small; each segment, except the last, must be at least 1048576 bytes.\n"
                            "/segs/missing, 404 Not Found\n")
    as_json = files("PUT", "/box/big", params={"multipart-manifest": "put"}, data=json.dumps(bad[2:]),
                    headers={"Accept": "application/json"})
    assert as_json.json() == {"Errors": [["/segs/missing", "404 Not Found"]]}
    assert files("HEAD", "/box/big").status_code == 404


@pytest.mark.parametrize("manifest, message", [
    ("not json", "Manifest must be valid JSON.\n"),
    ('{"path": "/segs/s0"}', "Manifest must be a list.\n"),
    ('[1]', "Index 0: not a JSON object\n"),
    ('[{"etag": null}]', "Index 0: expected keys to include one of 'path' or 'data'\n"),
    ('[{"path": "/segs/s0", "range": "1-2"}]', 'Index 0: extraneous keys "range"\n'),
    ('[{"path": "/segs"}]', "Index 0: path does not refer to an object. Path must be of the form /container/object.\n"),
    ('[{"path": "/segs/s0", "size_bytes": "many"}]', "Index 0: invalid size_bytes\n"),
    ('[{"path": "/segs/s0", "size_bytes": 5}, {"path": "/segs/s1"}]',
     "Index 0: too small; each segment, except the last, must be at least 1048576 bytes.\n"),
    ('[{"path": "/box/big"}]', "Index 0: manifest must not include itself as a segment\n"),
])
def test_slo_manifest_is_validated(files, manifest, message):
    files.put("/box")
    refused = files("PUT", "/box/big", params={"multipart-manifest": "put"}, data=manifest)
    assert (refused.status_code, refused.text) == (400, message)


def test_slo_limits_follow_the_config(lc, files):
    control(lc, "POST", "config", json={"slo_max_segments": 2, "slo_min_segment_bytes": 3})
    entries, _data = _slo_segments(files, [3, 3, 1])
    files.put("/box")
    refused = files("PUT", "/box/big", params={"multipart-manifest": "put"}, data=json.dumps(entries))
    assert (refused.status_code, refused.text) == (413, "Number of object-backed segments must be <= 2")
    created = files("PUT", "/box/big", params={"multipart-manifest": "put"}, data=json.dumps(entries[1:]))
    assert created.status_code == 201
    mismatch = files("PUT", "/box/other", params={"multipart-manifest": "put"}, data=json.dumps(entries[1:]), headers={"ETag": md5(b"x")})
    assert (mismatch.status_code, mismatch.text) == (422, UNPROCESSABLE)


def test_slo_deletes(files):
    entries, _data = _slo_segments(files, [MIB, 1])
    files.put("/box")
    manifest = json.dumps(entries)
    files("PUT", "/box/keep-segments", params={"multipart-manifest": "put"}, data=manifest)
    assert files("DELETE", "/box/keep-segments").status_code == 204
    assert names(files, "/segs") == ["s0", "s1"]
    files("PUT", "/box/all", params={"multipart-manifest": "put"}, data=manifest)
    deleted = files("DELETE", "/box/all", params={"multipart-manifest": "delete"}, headers={"Accept": "application/json"})
    assert deleted.status_code == 200
    assert deleted.json() == {"Number Deleted": 3, "Number Not Found": 0, "Response Body": "", "Response Status": "200 OK", "Errors": []}
    assert names(files, "/segs") == [] and names(files, "/box") == []
    files.put("/box/plain", b"x")
    not_slo = files("DELETE", "/box/plain", params={"multipart-manifest": "delete"})
    assert (not_slo.status_code, not_slo.text) == (200, "Number Deleted: 0\nNumber Not Found: 0\nResponse Body: \n"
                                                        "Response Status: 400 Bad Request\nErrors:\n/box/plain, Not an SLO manifest\n")


def test_an_slo_whose_segment_changed_is_409(files):
    entries, _data = _slo_segments(files, [MIB, 1])
    files.put("/box")
    files("PUT", "/box/big", params={"multipart-manifest": "put"}, data=json.dumps(entries))
    files.put("/segs/s1", b"changed")
    assert files("GET", "/box/big").status_code == 409


# server-side copy, metadata, expiry and /info (what both backends do is in tests/contract/test_third_party_swift.py)

def test_copy_takes_only_the_callers_account_and_the_size_limit(lc, files):
    files.put("/box")
    files.put("/box/src", b"0123456789")
    other = files("PUT", "/box/x", headers={"X-Copy-From": "box/src", "X-Copy-From-Account": "MossoCloudFS_100002"})
    assert (other.status_code, other.text) == (401, UNAUTHORIZED)
    elsewhere = files("COPY", "/box/src", headers={"Destination": "box/x", "Destination-Account": "MossoCloudFS_100002"})
    assert elsewhere.status_code == 401
    control(lc, "POST", "config", json={"object_max_bytes": 9})
    too_big = files("COPY", "/box/src", headers={"Destination": "box/x"})
    assert (too_big.status_code, too_big.text) == (413, TOO_LARGE)
    assert names(files, "/box") == ["src"]


def test_a_copied_slo_manifest_is_checked_like_a_manifest_put(files):
    """``?multipart-manifest=get`` copies the segment list, which must still check out; a copy of the content of an SLO
    whose segment changed is refused, as its GET is."""
    entries, data = _slo_segments(files, [MIB, 1])
    files.put("/box")
    files("PUT", "/box/big", params={"multipart-manifest": "put"}, data=json.dumps(entries))
    copied = files("COPY", "/box/big", params={"multipart-manifest": "get"}, headers={"Destination": "/box/manifest"})
    assert (copied.status_code, copied.headers["X-Copied-From"]) == (201, "box/big")
    assert files("GET", "/box/manifest").content == data
    assert files("DELETE", "/segs/s1").status_code == 204
    refused = files("COPY", "/box/big", params={"multipart-manifest": "get"}, headers={"Destination": "/box/again"})
    assert (refused.status_code, refused.text) == (400, "Errors:\n/segs/s1, 404 Not Found\n")
    assert files("COPY", "/box/big", headers={"Destination": "/box/content"}).status_code == 409
    assert names(files, "/box") == ["big", "manifest"]


def test_metadata_limits_and_the_account(files):
    files.put("/box", **{"X-Container-Meta-Made": "at-put"})
    assert files("HEAD", "/box").headers["X-Container-Meta-Made"] == "at-put"
    many = files("POST", "/box", headers={f"X-Container-Meta-M{number}": "v" for number in range(91)})
    assert (many.status_code, many.text) == (400, "Too many metadata items; max 90")
    large = files("POST", "/box", headers={f"X-Container-Meta-M{number}": "v" * 200 for number in range(21)})
    assert (large.status_code, large.text) == (400, "Total metadata too large; max 4096")
    assert files("POST", "/nobox").status_code == 404
    assert files("POST", "", headers={"X-Account-Meta-Owner": "demo"}).status_code == 204
    assert files("HEAD").headers["X-Account-Meta-Owner"] == "demo"
    refused = files("DELETE", "")
    assert (refused.status_code, refused.headers["Allow"]) == (405, "GET, HEAD, POST")


def test_expired_objects_go_at_once(lc, files, clock):
    """The object expirer runs at the next request after X-Delete-At: the object leaves listings and counts too (a real
    Swift keeps listing it until its expirer passes)."""
    files.put("/box")
    at = int(clock.now.timestamp()) + 60
    files.put("/box/short", b"12345", **{"X-Delete-At": str(at)})
    files.put("/box/long", b"1", **{"X-Delete-After": "3600"})
    assert files("HEAD", "/box/short").headers["X-Delete-At"] == str(at)
    clock.advance(59)
    assert files("GET", "/box/short").content == b"12345"
    clock.advance(1)
    assert files("GET", "/box/short").status_code == 404
    assert names(files, "/box") == ["long"]
    assert files("HEAD", "/box").headers["X-Container-Bytes-Used"] == "1"
    files("POST", "/box/long", headers={"X-Delete-At": str(at + 10)})
    clock.advance(10)
    assert control(lc, "GET", "objects", params={"region": "DFW", "account": "MossoCloudFS_100001"})["containers"] == [
        {"name": "box", "objects": []}]


def test_info_follows_the_config(lc):
    control(lc, "POST", "config", json={"object_max_bytes": 1000, "slo_min_segment_bytes": 7, "slo_max_segments": 5})
    for network in ("object-store", "snet-object-store"):
        info = requests.get(f"{lc.url}/regions/dfw/{network}/info", timeout=10)
        assert (info.status_code, info.headers["Content-Type"]) == (200, "application/json; charset=UTF-8")
        assert info.json()["swift"]["max_file_size"] == 1000
        assert info.json()["slo"] == {"max_manifest_segments": 5, "max_manifest_size": 8 << 20, "min_segment_size": 7}
    assert requests.get(f"{lc.url}/regions/LON/object-store/info", timeout=10).status_code == 404
    refused = requests.post(f"{lc.url}/regions/DFW/object-store/info", timeout=10)
    assert (refused.status_code, refused.headers["Allow"]) == (405, "GET, HEAD, OPTIONS")


def _broken_chunked_put(files, path, body):
    """The status line of a chunked PUT of ``body`` sent as is, the connection then closed for writing."""
    url = urlsplit(files.base + path)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: {url.netloc}\r\nTransfer-Encoding: chunked\r\n"
                     f"X-Auth-Token: {files.session.headers['X-Auth-Token']}\r\n\r\n".encode() + body)
        sock.shutdown(socket.SHUT_WR)
        return sock.makefile("rb").read().decode()


def test_a_malformed_chunked_body_is_499(files):
    """werkzeug's dechunking raises a bare OSError, which was a 500 with an empty body: Swift answers 499."""
    files.put("/box")
    for path, body in (("/box/o", b"zz\r\nhello\r\n0\r\n\r\n"), ("/box/o", b"10\r\nhello\r\n0\r\n\r\n"),
                       ("/box/o", b"5\r\nhello\r\n"), ("/box/slo?multipart-manifest=put", b"2\r\n[]XX0\r\n\r\n")):
        answer = _broken_chunked_put(files, path, body)
        assert answer.startswith("HTTP/1.1 499 ") and answer.endswith(
            "\r\n\r\n<html><h1>Client Disconnect</h1><p>The client was disconnected during request.</p></html>"), (body, answer)
    assert names(files, "/box") == []


# bulk delete

def test_bulk_delete(files):
    files.put("/box")
    files.put("/full")
    for name in ("a", "b c", "d"):
        files.put(f"/box/{name}", b"x")
    files.put("/full/x", b"x")
    body = "box/a\nbox/b%20c\nbox/missing\n\nfull\n"
    deleted = files("POST", "/", params={"bulk-delete": ""}, data=body,
                    headers={"Accept": "application/json", "Content-Type": "text/plain"})
    assert deleted.status_code == 200
    assert deleted.json() == {"Number Deleted": 2, "Number Not Found": 1, "Response Body": "", "Response Status": "400 Bad Request",
                              "Errors": [["full", "409 Conflict"]]}
    assert names(files, "/box") == ["d"]
    plain = files("DELETE", "", params={"bulk-delete": "1"}, data="box/d\nbox\n")
    assert plain.text == "Number Deleted: 2\nNumber Not Found: 0\nResponse Body: \nResponse Status: 200 OK\nErrors:\n"
    assert names(files) == ["full"]
    nothing = files("POST", "", params={"bulk-delete": ""}, data="\n", headers={"Accept": "application/json"}).json()
    assert (nothing["Response Status"], nothing["Response Body"]) == ("400 Bad Request", "Invalid bulk delete.")


# access, routing, logging and the control API

def test_tokens_must_belong_to_the_account(lc, files):
    files.put("/box")
    consumer = Files(lc.url, token_for(lc.url, CONSUMER), tenant="100002")
    for other in (Files(lc.url, consumer.session.headers["X-Auth-Token"], tenant="100001"), Files(lc.url, "not-a-token")):
        refused = other("GET", "/box")
        assert (refused.status_code, refused.text) == (401, UNAUTHORIZED)
        assert refused.headers["WWW-Authenticate"] == 'Swift realm="MossoCloudFS_100001"'
    assert consumer("GET").status_code == 204  # its own, empty account
    assert Files(lc.url, files.session.headers["X-Auth-Token"], region="LON")("GET").status_code == 404


def test_routing_errors_are_swift_style(files):
    files.put("/box")
    refused = files("PATCH", "/box/x")
    assert refused.status_code == 405 and "PUT" in refused.headers["Allow"]
    assert refused.text == "<html><h1>Method Not Allowed</h1><p>The method is not allowed for this resource.</p></html>"
    assert files.session.get(files.url + "/regions/DFW/object-store/v2/x").status_code == 404


def test_requests_are_logged_as_object_store(lc, files):
    files.put("/box")
    files("GET", "/box", params={"format": "json"})
    log = control(lc, "GET", "requests")["requests"]
    assert [(entry["service"], entry["method"], entry["status"], entry["query"]) for entry in log[-2:]] == [
        ("object-store", "PUT", 201, []), ("object-store", "GET", 200, ["format"])]


def test_the_control_api_lists_objects(lc, files):
    files.put("/box")
    files.put("/box/plain", b"data")
    files.put("/box/dlo", b"", **{"X-Object-Manifest": "box/pl"})
    described = control(lc, "GET", "objects", params={"region": "dfw", "account": "MossoCloudFS_100001"})
    assert described == {"region": "DFW", "account": "MossoCloudFS_100001", "containers": [{"name": "box", "objects": [
        {"name": "dlo", "bytes": 0, "md5": md5(b""), "kind": "dlo", "content_type": "application/octet-stream", "manifest": "box/pl"},
        {"name": "plain", "bytes": 4, "md5": md5(b"data"), "kind": "plain", "content_type": "application/octet-stream"}]}]}
    assert requests.get(f"{lc.url}/_localcloud/objects", params={"region": "DFW"}, timeout=10).status_code == 400


def test_object_files_go_on_reset_and_on_stop():
    with LocalCloud() as cloud:
        files = Files(cloud.url, token_for(cloud.url, DEMO))
        files.put("/box")
        files.put("/box/x", b"data")
        first = cloud.state.storage_dir()
        assert os.listdir(first)
        control(cloud, "POST", "reset")
        assert not os.path.exists(first)
        files = Files(cloud.url, token_for(cloud.url, DEMO))
        assert files("GET", "/box").status_code == 404
        files.put("/box")
        files.put("/box/x", b"data")
        second = cloud.state.storage_dir()
    assert not os.path.exists(second)


# stream faults

def test_reset_after_bytes_cuts_a_download(lc, files):
    files.put("/box")
    files.put("/box/data", b"x" * 100000)
    fault = control(lc, "POST", "faults", json={"method": "GET", "path_regex": "/box/data$", "reset_after_bytes": 1000})
    assert (fault["reset_after_bytes"], fault["status"]) == (1000, None)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        files("GET", "/box/data")
    control(lc, "POST", "faults", json={"path_regex": "/box/data$", "reset_after_bytes": 1000})
    with files("GET", "/box/data", stream=True) as response:
        assert (response.status_code, response.headers["Content-Length"]) == (200, "100000")
        with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
            response.content  # pylint: disable=pointless-statement
    assert files("GET", "/box/data").content == b"x" * 100000


def dropped_upload_logged(lc, path, timeout=10):
    """The dropped PUT reaches the request log as 499 once its handler has ended, which may be after the client has
    seen the connection go and moved on: wait for it (at most ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(entry["method"] == "PUT" and entry["path"].endswith(path) and entry["status"] == 499
               for entry in control(lc, "GET", "requests")["requests"]):
            return True
        time.sleep(0.1)
    return False


def test_reset_after_bytes_drops_an_upload(lc, files):
    files.put("/box")
    control(lc, "POST", "faults", json={"method": "PUT", "path_regex": "/box/", "reset_after_bytes": 5000})
    with pytest.raises(requests.exceptions.ConnectionError):
        files("PUT", "/box/up", data=b"u" * 200000)
    assert files("HEAD", "/box/up").status_code == 404
    assert dropped_upload_logged(lc, "/box/up")
    assert files.put("/box/up", b"u" * 200000).status_code == 201


def test_corrupt_flips_one_byte(lc, files):
    files.put("/box")
    data = bytes(range(256)) * 10
    files.put("/box/data", data)
    control(lc, "POST", "faults", json={"path_regex": "/box/data$", "corrupt": True, "count": 2})
    for _attempt in range(2):
        damaged = files("GET", "/box/data")
        assert (damaged.status_code, damaged.headers["Etag"], len(damaged.content)) == (200, md5(data), len(data))
        assert [index for index, (got, sent) in enumerate(zip(damaged.content, data)) if got != sent] == [0]
    assert files("GET", "/box/data").content == data


@pytest.mark.parametrize("fault", [
    {"path_regex": ".", "reset_after_bytes": -1},
    {"path_regex": ".", "reset_after_bytes": "10"},
    {"path_regex": ".", "reset_after_bytes": True},
    {"path_regex": ".", "corrupt": False},
    {"path_regex": ".", "corrupt": True, "reset_after_bytes": 10},
    {"path_regex": ".", "corrupt": True, "status": 500},
    {"path_regex": "."},
])
def test_stream_faults_are_validated(lc, fault):
    response = requests.post(f"{lc.url}/_localcloud/faults", json=fault, timeout=10)
    assert response.status_code == 400 and "error" in response.json()
