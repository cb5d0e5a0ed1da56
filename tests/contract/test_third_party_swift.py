"""The local cloud's Cloud Files as a client we did not write sees it: python-swiftclient (``swiftclient.client`` and
``SwiftService``) and its ``swift`` command, against the local cloud and the real Swift peer, with the same assertions.

The local cloud is logged in to through its identity (Rackspace v2.0, API key) and handed to swiftclient as a storage URL
and a token, the way ``swift --os-storage-url --os-auth-token`` works; the peer through tempauth. Both run with
``min_segment_size`` 1 (the peer's slo default since Swift 2.7; the local cloud's ``slo_min_segment_bytes`` set to match) so
that segments of a few hundred bytes make real SLOs. A difference between the two fails a test here.
"""

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from swiftclient import client as swift
from swiftclient.exceptions import ClientException
from swiftclient.service import SwiftService, SwiftUploadObject

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from localcloud.server import LocalCloud

DEMO_API_KEY = "demo-api-key-SECRET-1a2b3c"
SWIFT_CLI = os.path.join(os.path.dirname(sys.executable), "swift")
SEGMENT = 300  # bytes: segments of a few hundred bytes keep every upload tiny
TRANSPORT_HEADERS = {"date", "server", "connection", "x-trans-id", "x-openstack-request-id"}  # not Swift's own


class Account:
    """One object-store account: its storage URL and token, a swiftclient connection and the ``swift`` command on it."""

    def __init__(self, storage_url, token):
        self.storage_url = storage_url
        self.token = token
        self.conn = swift.Connection(preauthurl=storage_url, preauthtoken=token, retries=0)
        self.containers = []

    def container(self):
        name = "tp-%s" % uuid.uuid4().hex[:10]
        self.conn.put_container(name)
        self.containers.append(name)
        return name

    def service(self):
        return SwiftService({"os_storage_url": self.storage_url, "os_auth_token": self.token, "retries": 0})

    def cli(self, tmp_path, *args):
        """Run ``swift ARGS`` on this account; its stdout. The environment holds no OS_* variables and HOME is tmp_path."""
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"}
        done = subprocess.run([SWIFT_CLI, "--os-storage-url", self.storage_url, "--os-auth-token", self.token, *args],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def cleanup(self):
        """Delete the containers made and their ``_segments`` ones (an expired object may still be listed: 404 is fine)."""
        for name in self.containers:
            for container in self.conn.get_account(prefix=name)[1]:
                for entry in self.conn.get_container(container["name"])[1]:
                    try:
                        self.conn.delete_object(container["name"], entry["name"])
                    except ClientException as exc:
                        if exc.http_status != 404:
                            raise
                self.conn.delete_container(container["name"])


@pytest.fixture(scope="module")
def small_segment_cloud():
    """A local cloud that takes SLO segments of any size, as the peer does."""
    with LocalCloud(config={"slo_min_segment_bytes": 1}) as cloud:
        yield cloud


@pytest.fixture(params=["localcloud", "swift"])
def account(request):
    if request.param == "localcloud":
        cloud = request.getfixturevalue("small_segment_cloud")
        session = CloudSession(auth.resolve({"auth_url": cloud.url + "/identity/v2.0", "username": "demo", "api_key": DEMO_API_KEY,
                                             "region": "DFW"}, environ={}, cloud_files=([], [])))
        found = Account(session.endpoint("object-store"), session.auth.token)
    else:
        peer = request.getfixturevalue("peers")["swift"]
        user = peer["accounts"]["test"]
        found = Account(*swift.get_auth(peer["auth_url"], user["user"], user["key"]))
    yield found
    found.cleanup()


def md5(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def body(conn, container, name, **kwargs):
    return conn.get_object(container, name, **kwargs)[1]


def status_of(call, *args, **kwargs):
    """The HTTP status and body of a swiftclient call that must fail."""
    with pytest.raises(ClientException) as caught:
        call(*args, **kwargs)
    return caught.value.http_status, caught.value.http_response_content


# /info

EXPECTED_INFO = {
    "swift": {"max_file_size": 5368709122, "max_meta_name_length": 128, "max_meta_value_length": 256, "max_meta_count": 90,
              "max_meta_overall_size": 4096, "max_object_name_length": 1024, "max_container_name_length": 256,
              "container_listing_limit": 10000, "account_listing_limit": 10000},
    "slo": {"max_manifest_segments": 1000, "max_manifest_size": 8388608, "min_segment_size": 1},
    "bulk_delete": {"max_deletes_per_request": 10000},
}


def test_info_reports_the_limits_and_large_objects(account):
    capabilities = account.conn.get_capabilities()
    for section, expected in EXPECTED_INFO.items():
        assert {key: capabilities[section][key] for key in expected} == expected, section
    assert "dlo" not in capabilities  # the dlo middleware registers nothing in /info


def test_info_says_nothing_the_real_swift_does_not(peers, small_segment_cloud):
    """Every section and key of the local cloud's /info is one the real Swift has, with a value of the same type."""
    real = requests.get(urlsplit(peers["swift"]["auth_url"])._replace(path="/info").geturl(), timeout=10).json()
    local = requests.get(small_segment_cloud.url + "/regions/DFW/object-store/info", timeout=10).json()
    for section, values in local.items():
        assert section in real
        assert {key: type(value) for key, value in values.items()} == {key: type(real[section][key]) for key in values}, section


# segmented uploads


def test_swift_upload_use_slo_download_and_delete(account, tmp_path):
    """``swift upload --use-slo`` makes an SLO of the segments, ``swift download`` gets it back whole (checking its ETag),
    ``swift delete`` takes the segments too."""
    container = account.container()
    data = os.urandom(2 * SEGMENT + 1)
    (tmp_path / "f.bin").write_bytes(data)
    account.cli(tmp_path, "upload", "--use-slo", "--segment-size", str(SEGMENT), "--object-name", "big", container, "f.bin")
    account.cli(tmp_path, "download", container, "big", "--output", "big.out")
    assert (tmp_path / "big.out").read_bytes() == data
    head = account.conn.head_object(container, "big")
    assert (head["x-static-large-object"], head["content-length"]) == ("True", str(len(data)))
    assert head["etag"] == '"%s"' % md5("".join(md5(data[i:i + SEGMENT]) for i in range(0, len(data), SEGMENT)).encode())
    manifest = account.conn.get_object(container, "big", query_string="multipart-manifest=get")
    assert ("x-manifest-etag" in manifest[0], head["x-manifest-etag"], len(json.loads(manifest[1]))) == (False, manifest[0]["etag"], 3)
    assert len(account.conn.get_container(container + "_segments")[1]) == 3
    account.cli(tmp_path, "delete", container, "big")
    assert account.conn.get_container(container + "_segments")[1] == []
    assert status_of(account.conn.head_object, container, "big")[0] == 404


def test_swift_service_picks_an_slo_from_info(account, tmp_path):
    """SwiftService with a segment size and no ``use_slo`` asks /info, and makes an SLO when it lists slo (without /info,
    a DLO); ``use_slo`` False makes a DLO. Both download whole."""
    container = account.container()
    data = os.urandom(3 * SEGMENT + 50)
    (tmp_path / "data.bin").write_bytes(data)
    with account.service() as service:
        results = list(service.upload(container, [SwiftUploadObject(str(tmp_path / "data.bin"), object_name="auto")],
                                      {"segment_size": SEGMENT}))
        results += service.upload(container, [SwiftUploadObject(str(tmp_path / "data.bin"), object_name="dlo")],
                                  {"segment_size": SEGMENT, "use_slo": False})
        results += service.download(container, ["auto", "dlo"], {"out_directory": str(tmp_path / "out")})
    assert all(result["success"] for result in results), results
    auto, dlo = (account.conn.head_object(container, name) for name in ("auto", "dlo"))
    assert (auto.get("x-static-large-object"), "x-object-manifest" in auto) == ("True", False)
    assert dlo.get("x-static-large-object") is None and dlo["x-object-manifest"].startswith("%s_segments/dlo/" % container)
    assert (tmp_path / "out" / "auto").read_bytes() == data == (tmp_path / "out" / "dlo").read_bytes()


# server-side copy


def test_copy_copies_a_plain_object_with_its_metadata(account, tmp_path):
    container = account.container()
    data = os.urandom(700)
    account.conn.put_object(container, "src", data, content_type="text/x-src", headers={"X-Object-Meta-Color": "blue"})
    source = account.conn.head_object(container, "src")
    answer = {}
    account.conn.put_object(container, "by-put", None, headers={"X-Copy-From": "%s/src" % container, "Content-Length": "0"},
                            response_dict=answer)
    headers = answer["headers"]
    assert sorted(set(headers) - TRANSPORT_HEADERS) == ["content-length", "content-type", "etag", "last-modified", "x-copied-from",
                                                        "x-copied-from-account", "x-copied-from-last-modified", "x-object-meta-color"]
    assert (answer["status"], headers["etag"], headers["x-copied-from"], headers["x-copied-from-account"] != "") == (
        201, md5(data), "%s/src" % container, True)
    assert (headers["x-copied-from-last-modified"], headers["x-object-meta-color"]) == (source["last-modified"], "blue")
    account.cli(tmp_path, "copy", "--destination", "/%s/by-cli" % container, "-m", "Shape:round", container, "src")
    account.conn.copy_object(container, "src", "/%s/fresh" % container, headers={"X-Object-Meta-Size": "L"}, fresh_metadata=True)
    for name, metadata in (("by-put", {"x-object-meta-color": "blue"}),
                           ("by-cli", {"x-object-meta-color": "blue", "x-object-meta-shape": "round"}),
                           ("fresh", {"x-object-meta-size": "L"})):
        head, got = account.conn.get_object(container, name)
        assert got == data, name
        assert (head["etag"], head["content-type"]) == (md5(data), "text/x-src"), name
        assert {key: value for key, value in head.items() if key.startswith("x-object-meta-")} == metadata, name


def put_large_objects(account, container, parts):
    """A DLO ``dlo`` and an SLO ``slo`` over the same segments ``seg/1``, ``seg/2``..."""
    for index, part in enumerate(parts, 1):
        account.conn.put_object(container, "seg/%d" % index, part)
    account.conn.put_object(container, "dlo", b"", headers={"X-Object-Manifest": "%s/seg/" % container, "X-Object-Meta-Kind": "dlo"})
    manifest = [{"path": "/%s/seg/%d" % (container, index)} for index in range(1, len(parts) + 1)]
    account.conn.put_object(container, "slo", json.dumps(manifest), query_string="multipart-manifest=put",
                            headers={"X-Object-Meta-Kind": "slo"})


def test_copying_a_large_object_copies_its_content(account):
    container = account.container()
    parts = [os.urandom(SEGMENT), os.urandom(SEGMENT), os.urandom(10)]
    put_large_objects(account, container, parts)
    for kind in ("dlo", "slo"):
        answer = {}
        account.conn.copy_object(container, kind, "/%s/%s-copy" % (container, kind), response_dict=answer)
        assert (answer["status"], answer["headers"]["etag"]) == (201, md5(b"".join(parts))), kind
        head, got = account.conn.get_object(container, kind + "-copy")
        assert got == b"".join(parts), kind
        assert ("x-static-large-object" in head, "x-object-manifest" in head, head["x-object-meta-kind"]) == (False, False, kind)
        account.conn.delete_object(container, kind + "-copy")  # a plain object: the segments stay
    assert body(account.conn, container, "seg/1") == parts[0]


def test_copying_a_manifest_with_multipart_manifest_get_copies_the_manifest(account):
    container = account.container()
    parts = [os.urandom(SEGMENT), os.urandom(20)]
    put_large_objects(account, container, parts)
    dlo_answer = {}
    account.conn.put_object(container, "dlo-manifest", None, query_string="multipart-manifest=get", response_dict=dlo_answer,
                            headers={"X-Copy-From": "%s/dlo" % container, "Content-Length": "0"})
    copied = requests.request("COPY", "%s/%s/slo" % (account.storage_url, container), params={"multipart-manifest": "get"},
                              headers={"X-Auth-Token": account.token, "Destination": "%s/slo-manifest" % container}, timeout=10)
    slo_etag = '"%s"' % md5((md5(parts[0]) + md5(parts[1])).encode())
    assert (dlo_answer["status"], dlo_answer["headers"]["etag"]) == (201, md5(b""))
    assert (copied.status_code, copied.headers["etag"]) == (201, slo_etag)
    dlo = account.conn.head_object(container, "dlo-manifest")
    slo = account.conn.head_object(container, "slo-manifest")
    assert (dlo["x-object-manifest"], dlo["x-object-meta-kind"]) == ("%s/seg/" % container, "dlo")
    assert (slo["x-static-large-object"], slo["etag"], slo["x-object-meta-kind"]) == ("True", slo_etag, "slo")
    for name in ("dlo-manifest", "slo-manifest"):
        assert body(account.conn, container, name) == b"".join(parts), name


def test_copy_refusals(account):
    container = account.container()
    account.conn.put_object(container, "src", b"data")
    copy_from = {"X-Copy-From": "%s/src" % container}
    assert status_of(account.conn.put_object, container, "x", b"zz", headers=copy_from) == (
        400, b"Copy requests require a zero byte body")
    assert status_of(account.conn.put_object, container, "x", None, headers={"X-Copy-From": "nope", "Content-Length": "0"}) == (
        412, b"X-Copy-From header must be of the form <container name>/<object name>")
    assert status_of(account.conn.copy_object, container, "src", "nope")[0] == 412  # swiftclient quotes "/nope"
    assert status_of(account.conn.copy_object, container, "missing", "/%s/x" % container)[0] == 404
    assert status_of(account.conn.copy_object, container, "src", "/no-such-container-%s/x" % uuid.uuid4().hex)[0] == 404
    assert [entry["name"] for entry in account.conn.get_container(container)[1]] == ["src"]


# metadata


def test_a_post_without_the_manifest_header_leaves_a_plain_object(account):
    """Swift keeps a DLO's X-Object-Manifest only if the POST sends it again (an SLO stays one)."""
    container = account.container()
    put_large_objects(account, container, [b"abc", b"de"])
    account.conn.post_object(container, "dlo", {"X-Object-Meta-Kind": "was a dlo"})
    account.conn.post_object(container, "slo", {"X-Object-Meta-Kind": "still an slo"})
    dlo, slo = (account.conn.head_object(container, name) for name in ("dlo", "slo"))
    assert ("x-object-manifest" in dlo, dlo["content-length"], dlo["etag"]) == (False, "0", md5(b""))
    assert (slo["x-static-large-object"], slo["content-length"]) == ("True", "5")
    account.conn.post_object(container, "dlo", {"X-Object-Manifest": "%s/seg/" % container})
    assert body(account.conn, container, "dlo") == b"abcde"


def test_post_sets_metadata_of_objects_containers_and_the_account(account, tmp_path):
    container = account.container()
    account.conn.put_object(container, "obj", b"data", content_type="text/plain", headers={"X-Object-Meta-Old": "1"})
    account.cli(tmp_path, "post", "-m", "Color:blue", container, "obj")
    assert "Meta Color: blue" in [line.strip() for line in account.cli(tmp_path, "stat", container, "obj").splitlines()]
    head = account.conn.head_object(container, "obj")
    assert ({key: value for key, value in head.items() if key.startswith("x-object-meta-")}, head["etag"]) == (
        {"x-object-meta-color": "blue"}, md5(b"data"))  # a POST replaces the object's metadata
    answer = {}
    account.conn.post_object(container, "obj", {"Content-Type": "text/x-new"}, response_dict=answer)
    assert answer["status"] == 202
    assert (account.conn.head_object(container, "obj")["content-type"], body(account.conn, container, "obj")) == ("text/x-new", b"data")
    account.conn.post_container(container, {"X-Container-Meta-A": "1", "X-Container-Meta-B": "2"})
    account.conn.post_container(container, {"X-Remove-Container-Meta-A": "x", "X-Container-Meta-C": "3"}, response_dict=answer)
    assert answer["status"] == 204
    head = account.conn.head_container(container)
    assert {key: value for key, value in head.items() if key.startswith("x-container-meta-")} == {
        "x-container-meta-b": "2", "x-container-meta-c": "3"}
    key = "X-Account-Meta-Tp-%s" % uuid.uuid4().hex[:8]  # the peer's account is shared: a name of this test only
    account.conn.post_account({key: "yes"}, response_dict=answer)
    assert (answer["status"], account.conn.head_account()[key.lower()]) == (204, "yes")
    account.conn.post_account({key: ""})
    assert key.lower() not in account.conn.head_account()
    assert status_of(account.conn.post_object, container, "missing", {})[0] == 404
    too_long = status_of(account.conn.post_object, container, "obj", {"X-Object-Meta-" + "n" * 129: "v"})
    assert too_long == (400, ("Metadata name too long: x-object-meta-N" + "n" * 128).encode())


# expiry


def test_objects_expire(account):
    container = account.container()
    account.conn.put_object(container, "short", b"gone soon", headers={"X-Delete-After": "2"})  # 1 to 2 s from now
    delete_at = int(account.conn.head_object(container, "short")["x-delete-at"])
    assert 0 < delete_at - time.time() <= 2
    account.conn.put_object(container, "kept", b"stays", headers={"X-Delete-At": str(delete_at)})
    account.conn.post_object(container, "kept", {"X-Object-Meta-Still": "here"})  # a POST without X-Delete-At removes it
    assert "x-delete-at" not in account.conn.head_object(container, "kept")
    time.sleep(max(delete_at - time.time(), 0) + 0.1)
    for call in (account.conn.head_object, account.conn.get_object):
        assert status_of(call, container, "short")[0] == 404
    assert body(account.conn, container, "kept") == b"stays"


def test_bad_expiry_headers_are_400(account):
    container = account.container()
    account.conn.put_object(container, "obj", b"x")
    for header, value, message in (("X-Delete-After", "soon", b"Non-integer X-Delete-After"),
                                   ("X-Delete-After", "0", b"X-Delete-After in past"),
                                   ("X-Delete-At", "1000", b"X-Delete-At in past"),
                                   ("X-Delete-At", "tomorrow", b"Non-integer X-Delete-At")):
        assert status_of(account.conn.put_object, container, "new", b"x", headers={header: value}) == (400, message)
        assert status_of(account.conn.post_object, container, "obj", {header: value}) == (400, message)
    assert [entry["name"] for entry in account.conn.get_container(container)[1]] == ["obj"]


# the wire


def test_a_malformed_chunked_body_is_a_client_disconnect(account):
    """Swift answers 499 when the chunked encoding of a PUT body is broken, and stores nothing."""
    container = account.container()
    url = urlsplit(account.storage_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(("PUT %s/%s/obj HTTP/1.1\r\nHost: %s\r\nX-Auth-Token: %s\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Type: text/plain\r\n\r\nzz\r\nhello\r\n0\r\n\r\n" % (url.path, container, url.netloc, account.token)).encode())
        sock.shutdown(socket.SHUT_WR)
        answer = sock.makefile("rb").readline()
    assert answer.split(b" ", 2)[1] == b"499"
    assert status_of(account.conn.head_object, container, "obj")[0] == 404
