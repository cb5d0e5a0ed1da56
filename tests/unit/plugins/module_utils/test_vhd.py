# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VHD check run before an import: real files in a temporary directory, in each shape people try."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import struct

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.vhd import MAX_VIRTUAL_BYTES, validate_vhd

UNIQUE = bytes(range(1, 17))


def footer(disk_type=2, virtual_size=4096, unique_id=UNIQUE, damage=False):
    """A VHD footer as the specification lays it out, with its checksum."""
    body = bytearray(512)
    body[0:8] = b"conectix"
    body[8:12] = struct.pack(">I", 2)  # features
    body[12:16] = struct.pack(">I", 0x00010000)  # format version
    body[16:24] = struct.pack(">Q", 512 if disk_type != 2 else 0xFFFFFFFFFFFFFFFF)
    body[28:32] = b"tap\0"
    body[40:48] = struct.pack(">Q", virtual_size)
    body[48:56] = struct.pack(">Q", virtual_size)
    body[60:64] = struct.pack(">I", disk_type)
    body[68:84] = unique_id
    checksum = ~sum(body) & 0xFFFFFFFF
    body[64:68] = struct.pack(">I", checksum ^ (1 if damage else 0))
    return bytes(body)


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_fixed_vhd_passes_with_its_facts(tmp_path):
    path = write(tmp_path, "disk.vhd", b"\x5a" * 4096 + footer())
    info = validate_vhd(path)
    assert info.as_dict() == {"path": path, "file_bytes": 4608, "disk_type": "fixed", "virtual_size": 4096,
                              "unique_id": UNIQUE.hex()}


def test_dynamic_vhd_passes(tmp_path):
    tail = footer(disk_type=3, virtual_size=10 * 1024 ** 3)
    path = write(tmp_path, "dyn.vhd", tail + b"\0" * 2048 + tail)
    assert validate_vhd(path).disk_type == "dynamic"


@pytest.mark.parametrize("name, content, words", [
    ("tiny.vhd", b"abc", "too few for a VHD"),
    ("plain.img", b"\0" * 8192, "no 'conectix' footer"),
    ("disk.qcow2", b"QFI\xfb" + b"\0" * 8192, "qcow2 image: convert it"),
    ("disk.vmdk", b"KDMV" + b"\0" * 8192, "VMDK image"),
    ("disk.vhdx", b"vhdxfile" + b"\0" * 8192, "VHDX image"),
    ("truncated.vhd", footer(disk_type=3) + b"\0" * 4096, "footer is missing at the end"),
])
def test_files_that_are_not_vhds_are_named_for_what_they_are(tmp_path, name, content, words):
    path = write(tmp_path, name, content)
    with pytest.raises(ConfigError) as caught:
        validate_vhd(path)
    assert words in caught.value.message
    assert caught.value.option == "path"
    assert "single-file VHD" in caught.value.message


def test_an_iso_is_refused_with_the_way_out(tmp_path):
    iso = bytearray(40000)
    iso[32769:32774] = b"CD001"
    path = write(tmp_path, "install.iso", bytes(iso))
    with pytest.raises(ConfigError) as caught:
        validate_vhd(path)
    assert "ISO files cannot be imported" in caught.value.message


@pytest.mark.parametrize("content, words", [
    (b"\0" * 4096 + footer(disk_type=4), "differencing VHD"),
    (b"\0" * 4096 + footer(disk_type=5), "disk type 5"),
    (b"\0" * 4096 + footer(damage=True), "damaged VHD footer"),
    (b"\0" * 1024 + footer(), "truncated or padded"),
    (b"\0" * 4096 + footer(unique_id=b"\0" * 16), "all-zero VHD unique id"),
    (footer(disk_type=3, virtual_size=MAX_VIRTUAL_BYTES + 1) * 2, "at most 160 GB"),
])
def test_vhds_the_platform_refuses_are_refused_before_upload(tmp_path, content, words):
    path = write(tmp_path, "disk.vhd", content)
    with pytest.raises(ConfigError) as caught:
        validate_vhd(path)
    assert words in caught.value.message


def test_a_missing_file_names_the_option(tmp_path):
    with pytest.raises(ConfigError) as caught:
        validate_vhd(str(tmp_path / "nope.vhd"), option="path")
    assert caught.value.option == "path" and "is not a file" in caught.value.message
