# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's marker properties, and the image and member status sets it decides by.

Glance does not enforce unique names and image ids differ between regions, so the images this
collection makes carry properties that find them again (a re-run returns them instead of making
another one).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION = "opencloud.images"
MARKER_PREFIX = COLLECTION + "."
# image_create: who made the image, of which server, for which request (server, name, metadata).
MARKER_CREATED_BY = MARKER_PREFIX + "created_by"
MARKER_SERVER = MARKER_PREFIX + "server"
MARKER_REQUEST = MARKER_PREFIX + "request"
# image_transfer: the image a copy was made from, and its region.
SOURCE_IMAGE = MARKER_PREFIX + "source_image"
SOURCE_REGION = MARKER_PREFIX + "source_region"
# image_import: the ETag (MD5 of segment MD5s) of the file an image was imported from.
IMPORTED_FROM = MARKER_PREFIX + "imported_etag"
# server: the deployment a server belongs to (server metadata): servers are found by it, never by name alone.
DEPLOYMENT = MARKER_PREFIX + "deployment"
# image_verify: the throwaway server's tag (server metadata: the image it boots, the run, when the run's deadline passes),
# and the result recorded on the image (properties) for retention and restore to prefer verified images.
VERIFY_IMAGE = MARKER_PREFIX + "verify"
VERIFY_RUN = MARKER_PREFIX + "verify_run"
VERIFY_EXPIRES = MARKER_PREFIX + "verify_expires"
VERIFIED_AT = MARKER_PREFIX + "verified_at"
VERIFIED_RESULT = MARKER_PREFIX + "verified_result"
VERIFIED_BOOT_SECONDS = MARKER_PREFIX + "verified_boot_seconds"
VERIFY_PASSED = "passed"
VERIFY_FAILED = "failed"
# Rackspace marks images that may not leave their region (Windows and Red Hat, for licensing): anything but "0".
EXPORT_OPTIONS = "com.rackspace__1__options"

# Glance image statuses.
STATUSES = ("queued", "saving", "uploading", "importing", "active", "killed", "deleted", "pending_delete", "deactivated")
IN_PROGRESS = ("queued", "saving", "uploading", "importing")
# An image in one of these has ended: it holds no data, so it is never a copy or an import to keep.
GONE = ("killed", "deleted")
# GONE, and deactivated (it holds data but cannot boot servers): never an image of a request to reuse.
UNUSABLE = GONE + ("deactivated",)

# The answers a member gives to a share, and the member_status filter of image lists (which adds "all").
MEMBER_STATUSES = ("accepted", "pending", "rejected")
MEMBER_STATUS_FILTERS = MEMBER_STATUSES + ("all",)
