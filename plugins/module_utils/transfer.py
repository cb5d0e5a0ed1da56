# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Moving an image to another region, and importing a local VHD.

Rackspace path (tasks): export the image to Cloud Files in the source region, copy that object to
Cloud Files in the target region (through this process: there is no cross-region copy), import it
there, then set what an import cannot carry. Generic OpenStack path (image data): stream the image's
data from one image service into a new image of the other.

The copy in the target region is found again by a coordinating property naming the source image
(checksums and ids differ between regions), so a second run returns it instead of a duplicate.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, OpenCloudError, ServiceError, TransferError
from ansible_collections.opencloud.images.plugins.module_utils.images import (
    READ_ONLY, RESERVED_FILTERS, ImageService, check_properties, check_tags, list_filters, only_one, patch_operations,
    property_text,
)
from ansible_collections.opencloud.images.plugins.module_utils.large_objects import (
    CHUNK_BYTES, SegmentStream, copy_large_object, delete_large_object, file_pieces, write_large_object,
)
from ansible_collections.opencloud.images.plugins.module_utils.links import segment_workers
from ansible_collections.opencloud.images.plugins.module_utils.markers import (
    EXPORT_OPTIONS, GONE, IMPORTED_FROM, MARKER_PREFIX, SOURCE_IMAGE, SOURCE_REGION,
)
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import (
    ObjectStorageService, check_container_name, manifest_etag,
)
from ansible_collections.opencloud.images.plugins.module_utils.tasks import TaskService
from ansible_collections.opencloud.images.plugins.module_utils.waiting import wait_for

# Properties the platform sets on an image itself: never copied to the new one.
PLATFORM_PROPERTIES = frozenset(("instance_uuid", "image_type", "base_image_ref", "user_id", "owner_id", "image_location",
                                 "image_state", "disk_format", "container_format", "min_disk", "min_ram", "virtual_size",
                                 "os_hidden", "stores", "os_glance_importing_to_stores", "os_glance_failed_import"))
NOT_EXPORTABLE = ("Image %s cannot be exported (%s): Windows and Red Hat images stay in their region. Share it with "
                  "accounts of that region (opencloud.images.image_share), or build the server anew in the other region.")


def exportable(image):
    """None if the image may leave its region, else the reason it may not."""
    options = image.get(EXPORT_OPTIONS)
    if options is not None and str(options) != "0":
        return "%s is %s" % (EXPORT_OPTIONS, options)
    if (image.get("os_type") or "").lower() == "windows":
        return "os_type is windows"
    return None


def carried_properties(image):
    """The custom properties of ``image`` that a copy should have (not the platform's own, not read-only)."""
    return dict((key, value) for key, value in image.items()
                if isinstance(value, (str, int, float)) and not isinstance(value, bool)
                and key not in READ_ONLY and key not in RESERVED_FILTERS and key not in PLATFORM_PROPERTIES
                and not key.startswith(("com.rackspace", "org.openstack", "os_hash", MARKER_PREFIX)))


class RunLog:
    """What a run did (``steps``, in order) and what it leaves where (leftovers, by key), for the result and for a
    failure message."""

    def __init__(self):
        self.steps = []
        self._leftovers = {}

    def step(self, text):
        self.steps.append(text)

    def leave(self, key, text):
        self._leftovers[key] = text

    def removed(self, *keys):
        for key in keys:
            self._leftovers.pop(key, None)

    @property
    def left(self):
        return list(self._leftovers.values())

    def failure(self, exc):
        """The error of a failed run, extended by what it left behind and that a new run resumes from it."""
        if not self._leftovers:
            return exc
        message = "%s. Left for a new run to resume (or for you to delete): %s." % (exc.message.rstrip("."), "; ".join(self.left))
        if isinstance(exc, TransferError):
            return TransferError(message, exc.report, exc.cause)
        return TransferError(message, cause=exc)

    def as_result(self):
        return dict(steps=list(self.steps), left=self.left)


class ImageMover:
    """Common ground of transfer and import: waiting for tasks and finishing the new image."""

    def __init__(self, timeout=21600, task_interval=30, workers=None, cleanup=True, sleep=time.sleep):
        self.timeout = timeout
        self.task_interval = task_interval
        self.workers = workers
        self.cleanup = cleanup
        self.sleep = sleep
        self.log = RunLog()

    def run_import(self, tasks, images, location, name):
        """The id of the image imported from ``location`` (container/object): an import started or finished for
        it by an earlier run is taken over rather than started again."""
        task = tasks.latest("import", ("pending", "processing", "success"),
                            lambda i: i.get("import_from") == location
                            and (i.get("image_properties") or {}).get("name") == name)
        if task is not None and task.get("status") == "success" and \
                images.status_or_gone((task.get("result") or {}).get("image_id")) in GONE:
            task = None  # its image has been deleted since
        if task is None:
            task = tasks.create("import", {"import_from": location, "import_from_format": "vhd",
                                           "image_properties": {"name": name}})
            self.log.step("import task %s started from %s" % (task.get("id"), location))
        else:
            self.log.step("import task %s (%s) of an earlier run taken over" % (task.get("id"), task.get("status")))
        if task.get("status") != "success":
            task = tasks.wait(task, self.timeout, interval=self.task_interval, sleep=self.sleep)
        image_id = (task.get("result") or {}).get("image_id")
        if not image_id:
            raise ServiceError("Import task %s succeeded without result.image_id: cannot tell which image it made."
                               % task.get("id"))
        return image_id

    @staticmethod
    def finish(images, image_id, properties, tags):
        """Set the properties and tags an import cannot carry; the image as it is then."""
        image = images.get(image_id)
        operations = patch_operations(image, tags=tags, properties=properties)
        return images.update(image_id, operations) if operations else image


def check_copy_request(target_region, properties, tags):
    """The checks of a transfer's own options that need no request; each error names its option."""
    if not target_region.strip():
        raise ConfigError("target_region must name a region, for example ORD.", option="target_region")
    check_properties(properties)
    check_tags(tags)


def target_session(source, target_region):
    """A session of the same account in ``target_region``, which must be another region that the catalog offers."""
    if source.region and source.region.lower() == target_region.lower():
        raise ConfigError("target_region is the image's own region (%s): a copy there is not needed; share the image "
                          "with opencloud.images.image_share instead." % source.region, option="target_region")
    target = source.in_region(target_region)
    try:
        target.endpoint("image")  # an unknown region fails here
    except ConfigError as error:
        if error.option != "region":
            raise
        raise ConfigError("target_region %s is not a region of this account's image service; set target_region to one of "
                          "%s." % (target_region, ", ".join(target.auth.catalog.regions("image"))),
                          option="target_region") from None
    return target


def choose_method(source, target):
    """The tasks path where both regions have an object store and the source lets this account run tasks, else image data."""
    for session in (source, target):
        try:
            session.endpoint("object-store")
        except ConfigError:
            return "image_data"
    return "tasks" if TaskService(source).available() else "image_data"


class RegionTransfer(ImageMover):
    """An image of one region copied to another region (or another account's cloud) through Cloud Files or image data."""

    def __init__(self, source, target, export_container, target_container=None, journal=None, **options):
        super(RegionTransfer, self).__init__(**options)
        self.source = source
        self.target = target
        self.journal = journal
        self.source_images = ImageService(source)
        self.target_images = ImageService(target)
        self.export_container = check_container_name(export_container, "export_container")
        if any(c in export_container for c in "/?."):
            raise ConfigError("export_container may not contain '/', '?' or '.' (the export task refuses such names); got %r."
                              % export_container, option="export_container")
        self.target_container = check_container_name(target_container or export_container, "target_container")

    def plan(self, reference, method="auto"):
        """(source image, method, its active copy in the target or None): what a run would do, checked first."""
        image = self.find_source(reference)
        if method == "auto":
            method = choose_method(self.source, self.target)
        if method == "tasks":
            self.check_exportable(image)
        copy = self.find_copy(image)
        if copy is not None and copy.get("status") == "active":
            self.log.step("copy %s already in %s" % (copy["id"], self.target.region))
            return image, method, copy
        return image, method, None

    def run(self, image, method, name=None, properties=None, tags=None):
        """Copy ``image`` by ``method``: the new image and what the copy did. Name and tags default to the source's."""
        name = name or image.get("name")
        tags = tags if tags is not None else image.get("tags")
        copy = self.by_tasks if method == "tasks" else self.by_image_data
        try:
            return copy(image, name, properties, tags)
        except OpenCloudError as exc:
            raise self.log.failure(exc)

    def find_source(self, reference):
        image = only_one(self.source_images.find(reference), reference)
        if image is None:
            raise ConfigError("No image '%s' in region %s." % (reference, self.source.region), option="image")
        if image.get("owner") != self.source.auth.project_id:
            raise ConfigError("Image %s belongs to account %s, not to yours (%s): only images you own can be transferred. "
                              "Ask its owner to transfer it, or to share it and image a server built from it."
                              % (image["id"], image.get("owner"), self.source.auth.project_id), option="image")
        if image.get("status") != "active":
            raise ConfigError("Image %s is %s, not active: wait for it (opencloud.images.image_create with wait) before "
                              "transferring it." % (image["id"], image.get("status")), option="image")
        return image

    def find_copy(self, image):
        """The copy of ``image`` already in the target region (by the coordinating property), or None.

        A copy this controller made that the list does not show yet (lists are eventually
        consistent) is found through the journal.
        """
        def is_copy(candidate):
            return candidate.get(SOURCE_IMAGE) == image["id"] and candidate.get("status") not in GONE

        found = [i for i in self.target_images.list(list_filters(properties={SOURCE_IMAGE: image["id"]})) if is_copy(i)]
        if len(found) > 1:
            raise ConfigError("Region %s already has several copies of image %s: %s. Delete the extra ones first." % (
                self.target.region, image["id"], ", ".join(i["id"] for i in found)), option="image")
        if not found and self.journal is not None:
            recorded = self.journal.recorded_image(self.journal_key(image), self.target_images, is_copy)
            found = [recorded] if recorded else []
        return found[0] if found else None

    def journal_key(self, image):
        return "transfer/%s/%s" % (image["id"], (self.target.region or "").upper())

    def remember(self, image, copy):
        if self.journal is not None:
            self.journal.record(self.journal_key(image), image_id=copy["id"])

    def properties_for(self, image, properties):
        wanted = carried_properties(image)
        wanted.update(properties or {})
        wanted[SOURCE_IMAGE] = image["id"]
        wanted[SOURCE_REGION] = self.source.region
        return wanted

    @staticmethod
    def check_exportable(image):
        reason = exportable(image)
        if reason:
            raise ConfigError(NOT_EXPORTABLE % (image["id"], reason), option="image")

    def by_tasks(self, image, name, properties, tags):
        """Export, copy, import, finish; the new image and what the copy did."""
        self.check_exportable(image)
        source_files = ObjectStorageService(self.source)
        target_files = ObjectStorageService(self.target)
        location = self.export(image, source_files)
        container, _sep, obj = location.partition("/")
        self.log.leave("export", "the export %s in Cloud Files of %s" % (location, self.source.region))
        self.log.leave("copy", "the copy %s/%s and its segments in %s_segments in Cloud Files of %s" % (
            self.target_container, obj, self.target_container, self.target.region))
        # the segment size is not chosen: the copy keeps the export's segments
        workers, workers_reason = segment_workers(self.workers, lambda: target_files.container_exists(self.target_container))
        copied = copy_large_object(source_files, target_files, container, obj, self.target_container, obj,
                                   workers=workers, sleep=self.sleep)
        self.log.step("copied %d of %d segments (%d already there), %d bytes, in %.1f s, %d at a time" % (
            copied.segments_sent, copied.segments_total, copied.segments_skipped, copied.bytes_sent, copied.seconds, workers))
        image_id = self.run_import(TaskService(self.target), self.target_images, "%s/%s" % (self.target_container, obj), name)
        new = self.finish(self.target_images, image_id, self.properties_for(image, properties), tags)
        self.remember(image, new)
        if self.cleanup:
            self.clean(source_files, container, obj, target_files, obj)
        return new, dict(copied.as_dict(), workers=workers, workers_reason=workers_reason)

    def export(self, image, files):
        """``container/object`` of the image's export: one left by an earlier run, or a new export task's."""
        obj = "%s.vhd" % image["id"]
        existing = files.head(self.export_container, obj)
        if existing is not None and existing.size > 0:
            self.log.step("export %s/%s of an earlier run reused" % (self.export_container, obj))
            return "%s/%s" % (self.export_container, obj)
        tasks = TaskService(self.source)
        task = tasks.latest("export", ("pending", "processing"), lambda i: i.get("image_uuid") == image["id"])
        if task is None:
            files.ensure_container(self.export_container)
            task = tasks.create("export", {"image_uuid": image["id"], "receiving_swift_container": self.export_container})
            self.log.step("export task %s started into %s" % (task.get("id"), self.export_container))
        else:
            self.log.step("export task %s (%s) of an earlier run taken over" % (task.get("id"), task.get("status")))
        task = tasks.wait(task, self.timeout, interval=self.task_interval, sleep=self.sleep)
        location = (task.get("result") or {}).get("export_location")
        if not location or "/" not in location:
            raise ServiceError("Export task %s succeeded without result.export_location." % task.get("id"))
        return location

    def clean(self, source_files, container, obj, target_files, target_obj):
        removed = delete_large_object(source_files, container, obj)
        removed += delete_large_object(target_files, self.target_container, target_obj)
        target_files.delete_container(self.target_container + "_segments")
        self.log.removed("export", "copy")
        self.log.step("removed %d objects (export and copy) from Cloud Files" % len(removed))

    def by_image_data(self, image, name, properties, tags):
        """Stream the image's data into a new image of the target (for clouds without export/import tasks)."""
        size = image.get("size")
        if not size:
            raise ConfigError("Image %s has no size: it holds no data to copy." % image["id"], option="image")
        fields = dict((k, image[k]) for k in ("disk_format", "container_format", "min_disk", "min_ram") if image.get(k) is not None)
        fields.update(name=name, visibility="private")
        fields.update((k, property_text(v)) for k, v in self.properties_for(image, properties).items())
        if tags:
            fields["tags"] = list(tags)
        new = self.target_images.create(fields)
        self.log.leave("incomplete image", "the incomplete image %s in %s" % (new["id"], self.target.region))
        try:
            staged = "glance-direct" in self.target_images.import_methods()
            response = self.source_images.download(image["id"])
            stream = SegmentStream(response.iter_content(CHUNK_BYTES), int(size))
            try:
                self.target_images.upload(new["id"], stream, staged=staged)
            finally:
                response.close()
            if stream.sent != int(size):
                raise ServiceError("Sent %d of the %d bytes of image %s." % (stream.sent, size, image["id"]))
            if staged:
                self.target_images.import_staged(new["id"])
            done = wait_for(lambda: self.target_images.get(new["id"]), done=lambda i: i.get("status") == "active",
                            failed=lambda i: "the import failed" if i.get("status") in GONE else None,
                            timeout=self.timeout, interval=2, max_interval=30, sleep=self.sleep,
                            describe=lambda i: "image %s (%s)" % (i.get("id"), i.get("status"))).state
            md5 = stream.md5
            if any(checksum and checksum != md5 for checksum in (image.get("checksum"), done.get("checksum"))):
                raise ServiceError("The copy of image %s was damaged on the way: %d bytes sent with MD5 %s, the source's "
                                   "checksum is %s and the copy's %s. It has been deleted; run again." % (
                                       image["id"], stream.sent, md5, image.get("checksum"), done.get("checksum")))
        except OpenCloudError:
            self.target_images.delete(new["id"])
            self.log.removed("incomplete image")
            raise
        self.log.removed("incomplete image")
        self.remember(image, done)
        self.log.step("streamed %d bytes (%s)" % (stream.sent, "glance-direct import" if staged else "PUT file"))
        return done, {"bytes_sent": stream.sent, "method": "glance-direct" if staged else "upload"}


class FileImport(ImageMover):
    """A local VHD uploaded to Cloud Files and imported as an image."""

    def __init__(self, session, container, **options):
        super(FileImport, self).__init__(**options)
        self.session = session
        self.images = ImageService(session)
        self.container = check_container_name(container, "container")

    def plan(self, path, name, segment_size):
        """(pieces of the file, their ETag, the active image imported from that file before or None)."""
        pieces = file_pieces(path, segment_size)
        etag = manifest_etag([piece.md5 for piece in pieces])
        found = [i for i in self.images.list(list_filters(name=name, properties={IMPORTED_FROM: etag}))
                 if i.get(IMPORTED_FROM) == etag and i.get("status") not in GONE]
        if found and found[0].get("status") == "active":
            self.log.step("image %s was imported from this file before" % found[0]["id"])
            return pieces, etag, found[0]
        return pieces, etag, None

    def run(self, pieces, name, obj, etag, properties, tags):
        """What :meth:`upload_and_import` does; a failure says what it left behind."""
        try:
            return self.upload_and_import(pieces, name, obj, etag, properties, tags)
        except OpenCloudError as exc:
            raise self.log.failure(exc)

    def upload_and_import(self, pieces, name, obj, etag, properties, tags):
        """Upload the file's ``pieces`` (see large_objects.file_pieces) as ``obj``, import it, finish the image.

        The segments are named after ``etag`` (the file's MD5 of MD5s), so a re-run with the same
        file skips those already uploaded and a changed file starts afresh.
        """
        files = ObjectStorageService(self.session)
        self.log.leave("upload", "the upload %s/%s and its segments in %s_segments in Cloud Files of %s" % (
            self.container, obj, self.container, self.session.region))
        workers, workers_reason = segment_workers(self.workers, lambda: files.container_exists(self.container))
        uploaded = write_large_object(files, pieces, self.container, obj, self.container + "_segments", "%s/%s/" % (obj, etag),
                                      workers=workers, sleep=self.sleep)
        self.log.step("uploaded %d of %d segments (%d already there), %d bytes, in %.1f s, %d at a time" % (
            uploaded.segments_sent, uploaded.segments_total, uploaded.segments_skipped, uploaded.bytes_sent, uploaded.seconds, workers))
        image_id = self.run_import(TaskService(self.session), self.images, "%s/%s" % (self.container, obj), name)
        wanted = dict(properties or {})
        wanted[IMPORTED_FROM] = etag
        image = self.finish(self.images, image_id, wanted, tags)
        if self.cleanup:
            removed = delete_large_object(files, self.container, obj)
            files.delete_container(self.container + "_segments")
            self.log.removed("upload")
            self.log.step("removed %d uploaded objects from Cloud Files" % len(removed))
        return image, dict(uploaded.as_dict(), workers=workers, workers_reason=workers_reason)
