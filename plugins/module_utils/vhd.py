# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks a local disk image before it is uploaded for import: the platform takes one VHD file, nothing else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import struct

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError

FOOTER_BYTES = 512
COOKIE = b"conectix"
DISK_TYPES = {2: "fixed", 3: "dynamic", 4: "differencing"}
# Rackspace's import limit (raised from 40 GB in 2019); the task fails with code 413/609 above it.
MAX_VIRTUAL_BYTES = 160 * 1024 ** 3
ACCEPTS = ("The platform imports a single-file VHD (fixed or dynamic, at most 160 GB virtual size), as made by "
           "'qemu-img convert -O vpc' and 'vhd-util coalesce' (see the Rackspace guide 'Prepare an image for import').")
# (offset, magic, what it is) of formats people try instead.
OTHER_FORMATS = ((32769, b"CD001", "an ISO 9660 CD/DVD image: ISO files cannot be imported; install from it onto a server "
                                   "and image that server, or build a VHD"),
                 (0, b"QFI\xfb", "a qcow2 image: convert it with 'qemu-img convert -O vpc'"),
                 (0, b"KDMV", "a VMDK image: convert it with 'qemu-img convert -O vpc'"),
                 (0, b"vhdxfile", "a VHDX image: convert it to VHD with 'qemu-img convert -O vpc'"))


class VhdInfo:
    def __init__(self, path, size, disk_type, virtual_size, unique_id):
        self.path = path
        self.size = size
        self.disk_type = disk_type
        self.virtual_size = virtual_size
        self.unique_id = unique_id

    def as_dict(self):
        return dict(path=self.path, file_bytes=self.size, disk_type=self.disk_type, virtual_size=self.virtual_size,
                    unique_id=self.unique_id)


def validate_vhd(path, option="path", max_virtual_bytes=MAX_VIRTUAL_BYTES):
    """The :class:`VhdInfo` of a VHD the platform can import; otherwise a ConfigError saying what it is and what to do."""
    if not os.path.isfile(path):
        raise ConfigError("%s: %s is not a file." % (option, path), option=option)
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        if size < FOOTER_BYTES:
            raise ConfigError("%s: %s has %d bytes, too few for a VHD (its footer alone is 512). %s" % (
                option, path, size, ACCEPTS), option=option)
        handle.seek(size - FOOTER_BYTES)
        footer = handle.read(FOOTER_BYTES)
        if footer[:8] != COOKIE:
            handle.seek(0)
            head = handle.read(FOOTER_BYTES)
            what = _other_format(handle)
            if head[:8] == COOKIE:
                what = "a VHD whose footer is missing at the end (a truncated or partly copied file)"
            raise ConfigError("%s: %s is not a VHD%s. %s" % (
                option, path, " but %s" % what if what else " (no 'conectix' footer)", ACCEPTS), option=option)
    if _checksum(footer) != struct.unpack(">I", footer[64:68])[0]:
        raise ConfigError("%s: %s has a damaged VHD footer (checksum mismatch): the file is corrupt. %s" % (
            option, path, ACCEPTS), option=option)
    disk_type = struct.unpack(">I", footer[60:64])[0]
    virtual_size = struct.unpack(">Q", footer[48:56])[0]
    unique_id = footer[68:84]
    kind = DISK_TYPES.get(disk_type)
    if kind == "differencing":
        raise ConfigError("%s: %s is a differencing VHD (it needs its parent disk): merge it first with 'vhd-util coalesce' "
                          "or 'qemu-img convert -O vpc'. %s" % (option, path, ACCEPTS), option=option)
    if kind is None:
        raise ConfigError("%s: %s has VHD disk type %d; only fixed (2) and dynamic (3) disks can be imported." % (
            option, path, disk_type), option=option)
    if kind == "fixed" and size != virtual_size + FOOTER_BYTES:
        raise ConfigError("%s: %s is a fixed VHD of %d bytes but its footer says %d bytes of data: the file is truncated "
                          "or padded." % (option, path, size, virtual_size), option=option)
    if virtual_size > max_virtual_bytes:
        raise ConfigError("%s: %s has a virtual size of %.1f GB; the platform imports at most %d GB. Shrink the disk "
                          "first." % (option, path, virtual_size / 1024.0 ** 3, max_virtual_bytes // 1024 ** 3), option=option)
    if unique_id == b"\0" * 16:
        raise ConfigError("%s: %s has an all-zero VHD unique id, which the platform refuses; rewrite it with "
                          "'vhd-util set -f uuid' or convert the disk again." % (option, path), option=option)
    return VhdInfo(path, size, kind, virtual_size, unique_id.hex())


def _checksum(footer):
    """The VHD footer checksum: ones' complement of the byte sum, the checksum field counted as zero."""
    return ~sum(bytearray(footer[:64] + b"\0\0\0\0" + footer[68:])) & 0xFFFFFFFF


def _other_format(handle):
    for offset, magic, what in OTHER_FORMATS:
        handle.seek(offset)
        if handle.read(len(magic)) == magic:
            return what
    return None
