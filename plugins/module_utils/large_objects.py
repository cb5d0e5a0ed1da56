# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Moving large objects into Cloud Files: segments streamed in parallel, verified, resumable.

A copy between regions has no server-side path, so the bytes pass through this process. Each
segment is streamed from its source (another region's object, or part of a local file) straight
into its PUT: memory stays at a few chunks per worker whatever the size. Every segment is sent with
its MD5 in ``ETag`` so that Swift refuses a damaged one (422), and the ETag it stored is checked again
here. A segment whose MD5 is known beforehand (the source's segment ETag, a file's MD5) is not hashed again
on the way: the target's check covers it, and hashing was most of the client's CPU. Segments
already in the target with the right MD5 are skipped, so an interrupted run resumes where it stopped.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.opencloud.images.plugins.module_utils.errors import (
    ApiError, ConfigError, OpenCloudError, OverLimit, ServiceError, TransferError, TransportError,
)
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import (
    MAX_OBJECT_BYTES, MAX_SLO_SEGMENTS, MIN_SLO_SEGMENT_BYTES, check_object_name, manifest_etag,
)
from ansible_collections.opencloud.images.plugins.module_utils.retries import (
    HONOUR, MAX_RETRY_AFTER, Backoff, RetryPolicy,
)

CHUNK_BYTES = 1024 * 1024
MIB = 1024 * 1024
MAX_WORKERS = 32
MAX_SEGMENT_MIB = MAX_OBJECT_BYTES // MIB
# A damaged (422) or interrupted segment is sent again; other errors (403, 404, 413) would fail again.
RETRYABLE_STATUSES = (401, 408, 422, 499)
# Repeats of a segment wait 1, 2, 4 ... up to 30 s, or the Retry-After of a rate limit: one asking for more than
# MAX_RETRY_AFTER fails the segment, and a re-run resumes.
SEGMENT_BACKOFF = Backoff(1, 2, 30)
# Listings are read again after 1, 2, 4, 8 and 15 s until a large object's segments add up.
LISTING_SETTLE = dict(attempts=6, backoff=Backoff(1, 2, 15))


def check_workers(workers):
    """The workers option, in bounds; None (unset: chosen from the link, links.segment_workers) passes."""
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ConfigError("workers must be between 1 and %d; got %d." % (MAX_WORKERS, workers), option="workers")
    return workers


def segment_bytes(segment_size_mib):
    """The bytes of a segment given in MiB, within what one object may hold (5 GiB)."""
    if not 1 <= segment_size_mib <= MAX_SEGMENT_MIB:
        raise ConfigError("segment_size is in MiB and must be between 1 and %d (5 GiB, the largest object); got %d."
                          % (MAX_SEGMENT_MIB, segment_size_mib), option="segment_size")
    return segment_size_mib * MIB


class Piece:
    """One segment to write: where its bytes come from, its size, and its MD5 when known beforehand."""

    def __init__(self, index, size, md5, open_chunks, describe):
        self.index = index
        self.size = size
        self.md5 = md5
        self.open_chunks = open_chunks  # () -> (iterable of bytes, close())
        self.describe = describe
        self.segment = None  # the object it is written to, named when the write is planned


class SegmentStream:
    """A request body that streams chunks from a source, counting them on the way, and hashing them when
    ``md5`` is None (the segment's MD5 is not known beforehand).

    It has a length (so the PUT carries Content-Length, as Swift wants) and no ``read``, so the
    HTTP library sends the chunks as they come instead of re-reading in small blocks.
    """

    def __init__(self, chunks, size, md5=None):
        self._chunks = chunks
        self.size = size
        self.sent = 0
        self.known_md5 = md5
        self.hash = hashlib.md5() if md5 is None else None
        self.source_error = None

    @property
    def md5(self):
        """The MD5 of what was sent: the one known beforehand (the target checked the bytes against it), or the hash."""
        return self.known_md5 or self.hash.hexdigest()

    def __len__(self):
        return self.size

    def __iter__(self):
        try:
            for chunk in self._chunks:
                if not chunk:
                    continue
                if self.hash is not None:
                    self.hash.update(chunk)
                self.sent += len(chunk)
                yield chunk
        except Exception as exc:  # the source broke off: remember why, so the PUT error can say so
            self.source_error = exc
            raise


class CopyReport:
    def __init__(self, target, segment_container, segment_prefix, bytes_total, segments_total):
        self.target = target
        self.segment_container = segment_container
        self.segment_prefix = segment_prefix
        self.bytes_total = bytes_total
        self.segments_total = segments_total
        self.bytes_sent = 0
        self.segments_sent = 0
        self.segments_skipped = 0
        self.repeats = 0
        self.seconds = 0.0
        self.manifest = None
        self.etag = None
        self._lock = threading.Lock()

    def add(self, **counts):
        with self._lock:
            for key, value in counts.items():
                setattr(self, key, getattr(self, key) + value)

    def as_dict(self):
        return dict(target=self.target, manifest=self.manifest, etag=self.etag, bytes_total=self.bytes_total,
                    bytes_sent=self.bytes_sent, segments_total=self.segments_total, segments_sent=self.segments_sent,
                    segments_skipped=self.segments_skipped, repeats=self.repeats, seconds=round(self.seconds, 1),
                    segment_container=self.segment_container, segment_prefix=self.segment_prefix)


class _Unsettled(ServiceError):
    """A large object whose listed segments do not add up to its size (yet)."""


def object_pieces(source, info, sleep=time.sleep):
    """The pieces of an object of ``source``: its segments if it is a large object, else itself.

    Container listings are eventually consistent, so a DLO's segments written a moment ago may not
    all be listed yet: the listing is read again (``LISTING_SETTLE``) until they add up.
    """
    def listed_segments():
        segments = source.segments(info)
        if segments is None:
            segments = [dict(container=info.container, name=info.name, bytes=info.size, hash=info.etag)]
        total = sum(s["bytes"] for s in segments)
        if total != info.size:
            raise _Unsettled("%s reports %d bytes but its segments hold %d: a segment is missing or still being written; "
                             "try again later." % (info.path, info.size, total))
        return segments
    segments = RetryPolicy(sleep=sleep, **LISTING_SETTLE).run(listed_segments, lambda error: isinstance(error, _Unsettled))

    def opener(segment):
        def open_chunks():
            response = source.open(segment["container"], segment["name"])
            return response.iter_content(CHUNK_BYTES), response.close
        return open_chunks
    return [Piece(i, s["bytes"], s["hash"], opener(s), "%s/%s" % (s["container"], s["name"]))
            for i, s in enumerate(segments, 1)]


def file_pieces(path, segment_size):
    """The pieces of a local file, ``segment_size`` bytes each; their MD5s are computed by reading the file once."""
    size = os.path.getsize(path)
    pieces = []
    offset = 0
    index = 1
    while offset < size or index == 1:
        length = min(segment_size, size - offset)
        pieces.append(Piece(index, length, _file_md5(path, offset, length), _file_opener(path, offset, length),
                            "%s bytes %d-%d" % (path, offset, offset + length - 1)))
        offset += length
        index += 1
    return pieces


def stored_etag(pieces):
    """The ETag the object store will give these pieces: a plain object's MD5, or a large object's MD5 of MD5s."""
    return pieces[0].md5 if len(pieces) == 1 else manifest_etag([p.md5 for p in pieces])


def _file_md5(path, offset, length):
    digest = hashlib.md5()
    for chunk in _read_part(path, offset, length):
        digest.update(chunk)
    return digest.hexdigest()


def _read_part(path, offset, length):
    with open(path, "rb") as handle:
        handle.seek(offset)
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                raise IOError("%s ended early (at byte %d): was it changed while being read?" % (path, offset + length - left))
            left -= len(chunk)
            yield chunk


def _file_opener(path, offset, length):
    def open_chunks():
        return _read_part(path, offset, length), lambda: None
    return open_chunks


def write_large_object(target, pieces, container, name, segment_container, segment_prefix, workers=4, attempts=3,
                       on_progress=None, sleep=time.sleep):
    """Write ``pieces`` as the segments of ``container/name`` and put its manifest; return a :class:`CopyReport`.

    Segments are named ``segment_prefix + NNNNN`` in ``segment_container``. The manifest is a
    Static Large Object, or a Dynamic one where an SLO is not allowed (a segment under 1 MiB that is
    not the last, or more than 1000 segments).
    """
    started = time.time()
    target.session.http.widen_pool(workers)
    report = CopyReport("%s/%s" % (container, name), segment_container, segment_prefix,
                        sum(p.size for p in pieces), len(pieces))
    too_big = [p for p in pieces if p.size > MAX_OBJECT_BYTES]
    if too_big:
        raise TransferError("%s is %d bytes: a segment can hold at most %d bytes (5 GiB)." % (
            too_big[0].describe, too_big[0].size, MAX_OBJECT_BYTES), report.as_dict())
    target.ensure_container(container)
    target.ensure_container(segment_container)
    present = dict((entry["name"], entry) for entry in target.list_objects(segment_container, segment_prefix))
    todo = []
    for piece in pieces:
        piece.segment = "%s%05d" % (segment_prefix, piece.index)
        have = present.get(piece.segment)
        if have is not None and piece.md5 and have.get("hash") == piece.md5 and have.get("bytes") == piece.size:
            report.add(segments_skipped=1)
        else:
            todo.append(piece)

    def send(piece):
        _send_piece(target, segment_container, piece, attempts, report, sleep)
        if on_progress is not None:
            on_progress(report)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        failures = []
        for future in [pool.submit(send, piece) for piece in todo]:
            try:
                future.result()
            except OpenCloudError as exc:
                failures.append(exc)
    if failures:
        report.seconds = time.time() - started
        raise TransferError("%d of %d segments could not be written to %s (the %d written stay there, so a new run "
                            "resumes): %s" % (len(failures), len(pieces), segment_container, report.segments_sent
                                              + report.segments_skipped, failures[0].message), report.as_dict())
    _put_manifest(target, pieces, container, name, segment_container, segment_prefix, report)
    report.seconds = time.time() - started
    return report


class _SegmentFailed(OpenCloudError):
    """One try of a segment that went wrong in a way another try can mend (broken off, damaged, refused token)."""


def _send_piece(target, segment_container, piece, attempts, report, sleep):
    """Stream one piece into its segment; repeat a broken, damaged or rate-limited one up to ``attempts`` times."""
    def retryable(error):
        if isinstance(error, OverLimit):
            return error.retry_after is not None  # a rate limit: wait as long as it says
        return isinstance(error, _SegmentFailed)

    def failed_every_time(error):
        return TransferError("Segment %d (%s) failed %d times; last: %s" % (piece.index, piece.describe, attempts, error.message))

    policy = RetryPolicy(attempts=attempts, backoff=SEGMENT_BACKOFF, retry_after=HONOUR, max_retry_after=MAX_RETRY_AFTER,
                         sleep=sleep)
    policy.run(lambda: _put_piece(target, segment_container, piece), retryable,
               on_retry=lambda error: report.add(repeats=1), exhausted=failed_every_time)
    report.add(bytes_sent=piece.size, segments_sent=1)


def _put_piece(target, segment_container, piece):
    """One try: stream the piece into its segment and check what was stored; :class:`_SegmentFailed` if another may help."""
    chunks, close = piece.open_chunks()
    stream = SegmentStream(chunks, piece.size, piece.md5)
    try:
        etag = target.put(segment_container, piece.segment, stream, etag=piece.md5)
    except (TransportError, ServiceError) as exc:
        raise _SegmentFailed(_source_or(stream, exc))
    except ApiError as exc:
        if exc.status not in RETRYABLE_STATUSES:
            raise
        raise _SegmentFailed("the MD5 of what arrived did not match (422)" if exc.status == 422 else _source_or(stream, exc))
    finally:
        close()
    sent = stream.md5
    if stream.sent != piece.size or etag != sent:
        raise _SegmentFailed("sent %d of %d bytes with MD5 %s; the source says %s and the target stored %s" % (
            stream.sent, piece.size, sent, piece.md5 or "nothing", etag))
    piece.md5 = sent


def _source_or(stream, exc):
    if stream.source_error is not None:
        return "reading the source broke off after %d bytes (%s)" % (stream.sent, type(stream.source_error).__name__)
    return exc.message


def _put_manifest(target, pieces, container, name, segment_container, segment_prefix, report):
    small = [p for p in pieces[:-1] if p.size < MIN_SLO_SEGMENT_BYTES]
    if small or len(pieces) > MAX_SLO_SEGMENTS:
        target.put_dlo_manifest(container, name, segment_container, segment_prefix)
        report.manifest = "dlo"
    else:
        target.put_slo_manifest(container, name, [
            {"path": "/%s/%s" % (segment_container, p.segment), "etag": p.md5, "size_bytes": p.size} for p in pieces])
        report.manifest = "slo"
    written = target.require(container, name)
    expected = manifest_etag([p.md5 for p in pieces])
    if written.size != report.bytes_total or written.etag != expected:
        raise TransferError("%s was written but reads back as %d bytes with ETag %s, not %d bytes with ETag %s: a segment "
                            "is not visible yet or was changed. Run again to check and repair it." % (
                                report.target, written.size, written.etag, report.bytes_total, expected), report.as_dict())
    report.etag = expected


def copy_large_object(source, target, source_container, source_name, target_container, target_name,
                      segment_container=None, workers=4, attempts=3, on_progress=None, sleep=time.sleep):
    """Copy an object (plain, DLO or SLO) of ``source`` into ``target`` (another region or account) as a large object.

    The target's segments are named after the source's ETag, so a re-run finds the segments of the
    same source and skips them, while a changed source starts afresh.
    """
    source.session.http.widen_pool(workers)
    info = source.require(source_container, source_name)
    pieces = object_pieces(source, info, sleep=sleep)
    segment_container = segment_container or target_container + "_segments"
    prefix = "%s/%s/" % (target_name, info.etag or "unknown")
    return write_large_object(target, pieces, target_container, target_name, segment_container, prefix,
                              workers=workers, attempts=attempts, on_progress=on_progress, sleep=sleep)


class UploadPlan:
    """A local file to upload as ``container/name``: its pieces, size and ETag, and whether the store has it already."""

    def __init__(self, path, container, name, pieces, existing):
        self.path = path
        self.container = container
        self.name = name
        self.pieces = pieces
        self.size = sum(p.size for p in pieces)
        self.etag = stored_etag(pieces)
        # The stored object has the file's ETag (its MD5, or MD5 of segment MD5s) and size: not sent again.
        self.present = existing is not None and existing.etag == self.etag and existing.size == self.size


def plan_upload(target, path, container, name, segment_size):
    """The :class:`UploadPlan` of a file, for check mode and for :func:`send_upload` alike."""
    return UploadPlan(path, container, name, file_pieces(path, segment_size), target.head(container, name))


def upload_names(paths, prefix):
    """[(path, object name)] of files to upload: each must be a file, and no two may get one name."""
    if not paths:
        raise ConfigError("paths is empty: give at least one file.", option="paths")
    named = {}
    for path in paths:
        if not os.path.isfile(path):
            raise ConfigError("paths: %s is not a file." % path, option="paths")
        name = check_object_name(prefix + os.path.basename(path), "prefix")
        if name in named:
            raise ConfigError("paths: %s and %s would both be uploaded as %s (objects are named after the file name): "
                              "upload them in separate tasks with different prefixes." % (named[name], path, name),
                              option="paths")
        named[name] = path
    return [(path, name) for name, path in named.items()]


def upload_file(target, path, container, name, segment_size, workers=4, attempts=3, sleep=time.sleep):
    """Upload a local file: one object when it fits in one segment, else a large object. None when it is already there."""
    plan = plan_upload(target, path, container, name, segment_size)
    return None if plan.present else send_upload(target, plan, workers=workers, attempts=attempts, sleep=sleep)


def send_upload(target, plan, workers=4, attempts=3, sleep=time.sleep):
    """Send a planned upload and return its :class:`CopyReport`; a segmented upload resumes like a copy."""
    pieces, container, name = plan.pieces, plan.container, plan.name
    if len(pieces) > 1:
        return write_large_object(target, pieces, container, name, container + "_segments", "%s/%s/" % (name, plan.etag),
                                  workers=workers, attempts=attempts, sleep=sleep)
    started = time.time()
    report = CopyReport("%s/%s" % (container, name), None, None, plan.size, 1)
    target.ensure_container(container)
    pieces[0].segment = name
    _send_piece(target, container, pieces[0], attempts, report, sleep)
    report.manifest = "none"
    report.etag = plan.etag
    report.seconds = time.time() - started
    return report


def delete_large_object(store, container, name):
    """Delete an object and, if it is a large object, its segments; the names of what was deleted."""
    info = store.head(container, name)
    if info is None:
        return []
    segments = store.segments(info) or []
    deleted = []
    if store.delete(container, name):
        deleted.append("%s/%s" % (container, name))
    for segment in segments:
        if store.delete(segment["container"], segment["name"]):
            deleted.append("%s/%s" % (segment["container"], segment["name"]))
    return deleted
