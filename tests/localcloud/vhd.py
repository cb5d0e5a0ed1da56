"""VHD footers (Microsoft's Virtual Hard Disk Image Format Specification), to write exports and check imports.

Every VHD ends with a 512-byte footer; a dynamic disk also keeps a copy of it at offset 0. Big-endian fields:

======  ====  ===========================================================
offset  size  field
======  ====  ===========================================================
0       8     cookie ``conectix``
8       4     features (2: the reserved bit that must be set)
12      4     file format version 1.0
16      8     data offset: 0xFFFFFFFFFFFFFFFF for a fixed disk, else 512
24      4     time stamp: seconds since 2000-01-01 00:00:00 UTC
28      4     creator application (``tap `` for XenServer's tools)
32      4     creator version
36      4     creator host OS
40      8     original size (bytes)
48      8     current size: the virtual size of the disk
56      4     geometry: cylinders (2), heads (1), sectors per track (1)
60      4     disk type: 2 fixed, 3 dynamic, 4 differencing
64      4     checksum: one's complement of the sum of the other bytes
68      16    unique id
84      1     saved state
======  ====  ===========================================================
"""

import random
import struct
import uuid
from dataclasses import dataclass

FOOTER_BYTES = 512
COOKIE = b"conectix"
FIXED, DYNAMIC, DIFFERENCING = 2, 3, 4
_LAYOUT = struct.Struct(">8sIIQI4sI4sQQIII16sB")  # the fields up to the saved state; zeros pad them to 512 bytes
_CHECKSUM_AT = 64
_CHUNK = 1 << 16


@dataclass
class Footer:
    cookie: bytes
    disk_type: int
    current_size: int
    original_size: int
    unique_id: bytes
    checksum: int
    computed_checksum: int

    @property
    def checksum_ok(self):
        return self.checksum == self.computed_checksum


def _checksum(data):
    """One's complement of the byte sum, the checksum field counted as zeros."""
    total = sum(data[:_CHECKSUM_AT]) + sum(data[_CHECKSUM_AT + 4:])
    return ~total & 0xFFFFFFFF


def geometry(size):
    """Cylinders, heads and sectors per track for a disk of ``size`` bytes (the specification's algorithm)."""
    sectors = min(size // 512, 65535 * 16 * 255)
    if sectors >= 65535 * 16 * 63:
        per_track, heads = 255, 16
        cylinders_heads = sectors // per_track
    else:
        per_track = 17
        cylinders_heads = sectors // per_track
        heads = max((cylinders_heads + 1023) // 1024, 4)
        if cylinders_heads >= heads * 1024 or heads > 16:
            per_track, heads = 31, 16
            cylinders_heads = sectors // per_track
        if cylinders_heads >= heads * 1024:
            per_track, heads = 63, 16
            cylinders_heads = sectors // per_track
    return cylinders_heads // heads, heads, per_track


def footer(current_size, disk_type=FIXED, unique_id=None, cookie=COOKIE):
    """A 512-byte footer with a valid checksum, made by XenServer's tools (``tap ``) at time 0, so that the same arguments
    give the same bytes. ``unique_id``: 16 bytes (default random)."""
    unique_id = uuid.uuid4().bytes if unique_id is None else unique_id
    cylinders, heads, per_track = geometry(current_size)
    data_offset = 0xFFFFFFFFFFFFFFFF if disk_type == FIXED else FOOTER_BYTES
    fields = _LAYOUT.pack(cookie, 2, 0x00010000, data_offset, 0, b"tap ", 0x00010003, b"\0\0\0\0", current_size, current_size,
                          (cylinders << 16) | (heads << 8) | per_track, disk_type, 0, unique_id, 0)
    data = bytearray(fields.ljust(FOOTER_BYTES, b"\0"))
    struct.pack_into(">I", data, _CHECKSUM_AT, _checksum(data))
    return bytes(data)


def parse_footer(data):
    """The fields of a 512-byte footer (whatever its cookie says: check ``cookie`` first)."""
    if len(data) != FOOTER_BYTES:
        raise ValueError(f"a VHD footer is {FOOTER_BYTES} bytes, not {len(data)}")
    cookie, _features, _version, _offset, _stamp, _creator, _creator_version, _host, original, current, _geometry, disk_type, checksum, \
        unique_id, _saved = _LAYOUT.unpack_from(data)
    return Footer(cookie=cookie, disk_type=disk_type, current_size=current, original_size=original, unique_id=unique_id,
                  checksum=checksum, computed_checksum=_checksum(data))


def fixed_disk_chunks(seed, virtual_size, unique_id=None):
    """A fixed VHD piece by piece: ``virtual_size`` bytes of pseudo-random data (a generator seeded with ``seed``, so the
    same seed gives the same disk), then its footer. Nothing bigger than 64 KiB is ever held."""
    generator = random.Random(seed)
    remaining = virtual_size
    while remaining:
        size = min(_CHUNK, remaining)
        yield generator.randbytes(size)
        remaining -= size
    yield footer(virtual_size, FIXED, unique_id)
