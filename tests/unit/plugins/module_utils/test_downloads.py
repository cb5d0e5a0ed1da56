# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts of object_download that need no cloud: local names, which ETag is an MD5, what counts as present."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.downloads import (
    DownloadPlan, check_dest, check_download, find_objects, md5_is_content, relative_path,
)
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, TransferError
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import ObjectInfo, manifest_etag

CONTENT = b"-- a dump\n"
CONTENT_MD5 = hashlib.md5(CONTENT).hexdigest()


def plain(etag=CONTENT_MD5, size=len(CONTENT)):
    return ObjectInfo("backups", "db01/run/a.sql", {"Content-Length": str(size), "ETag": etag})


def static_large(size=len(CONTENT)):
    # Swift quotes a large object's ETag, the MD5 of its segments' MD5s.
    return ObjectInfo("backups", "db01/run/a.sql", {"Content-Length": str(size), "X-Static-Large-Object": "True",
                                                    "ETag": '"%s"' % manifest_etag([CONTENT_MD5])})


@pytest.mark.parametrize("name, prefix, expected", [
    ("db01/run/manifest.json", "db01/run/", "manifest.json"),
    ("db01/run/base/toc.dat", "db01/run/", os.path.join("base", "toc.dat")),
    ("db01/run/manifest.json", "", os.path.join("db01", "run", "manifest.json")),
    ("plain", "", "plain"),
])
def test_an_object_goes_at_its_name_less_the_prefix(name, prefix, expected):
    assert relative_path(name, prefix) == expected


@pytest.mark.parametrize("name, prefix", [("db01/run/", "db01/"), ("db01/run/../../x", "db01/run/"), ("db01//x", ""),
                                          ("db01/run/", "db01/run/"), ("./x", "")])
def test_a_name_that_is_no_file_under_the_destination_is_refused(name, prefix):
    with pytest.raises(ConfigError) as caught:
        relative_path(name, prefix, "prefix")
    assert caught.value.option == "prefix"


def test_only_a_plain_objects_etag_is_its_md5():
    assert md5_is_content(plain())
    assert not md5_is_content(static_large())
    dlo = ObjectInfo("backups", "a", {"Content-Length": "0", "ETag": '"%s"' % CONTENT_MD5,
                                      "X-Object-Manifest": "backups_segments/a/"})
    assert not md5_is_content(dlo)
    assert not md5_is_content(plain(etag="not-an-md5"))


def test_a_file_with_the_objects_md5_is_present(tmp_path):
    path = tmp_path / "a.sql"
    path.write_bytes(CONTENT)
    plan = DownloadPlan(plain(), str(path))
    assert plan.present and plan.verified == "md5" and plan.local_md5 == CONTENT_MD5
    assert not DownloadPlan(plain(), str(path), force=True).present


def test_a_file_of_the_same_size_but_other_content_is_not_present(tmp_path):
    path = tmp_path / "a.sql"
    path.write_bytes(b"-- a dum!\n")
    assert not DownloadPlan(plain(), str(path)).present


def test_a_large_object_is_present_by_size_only(tmp_path):
    path = tmp_path / "a.sql"
    path.write_bytes(CONTENT)
    plan = DownloadPlan(static_large(), str(path))
    assert plan.present and plan.verified == "size"
    assert not DownloadPlan(static_large(size=len(CONTENT) + 1), str(path)).present


def test_a_missing_file_is_not_present(tmp_path):
    plan = DownloadPlan(plain(), str(tmp_path / "a.sql"))
    assert not plan.present and plan.as_dict("download")["md5"] is None


def test_check_download_refuses_a_short_or_damaged_download():
    check_download(plain(), len(CONTENT), CONTENT_MD5)
    check_download(static_large(), len(CONTENT), "anything: only the size of a large object is known")
    with pytest.raises(TransferError, match="received 9 bytes but the object holds 10"):
        check_download(plain(), len(CONTENT) - 1, CONTENT_MD5)
    with pytest.raises(TransferError, match="is not the object's ETag"):
        check_download(plain(), len(CONTENT), "0" * 32)
    with pytest.raises(TransferError, match="received"):
        check_download(static_large(), len(CONTENT) + 1, CONTENT_MD5)


def test_check_dest_refuses_a_file(tmp_path):
    check_dest(str(tmp_path))
    check_dest(str(tmp_path / "new"))
    (tmp_path / "file").write_text("x")
    for dest in (tmp_path / "file", tmp_path / "file" / "below" / "it"):
        with pytest.raises(ConfigError) as caught:
            check_dest(str(dest))
        assert caught.value.option == "dest" and "file is not a directory" in caught.value.message


@pytest.mark.parametrize("objects, words", [([], "objects is empty"), (["../x"], "'..' part"), (["o" * 1025], "1 to 1024 bytes")])
def test_object_names_are_refused_before_the_cloud_is_asked(objects, words):
    # No store: a refusal must come before any request (an empty list would otherwise download the whole prefix).
    with pytest.raises(ConfigError) as caught:
        find_objects(None, "backups", objects, "db01/run/")
    assert caught.value.option == "objects" and words in caught.value.message
