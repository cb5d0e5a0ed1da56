# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud Servers (Nova v2, no microversion): servers, the createImage action and image progress."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.opencloud.images.plugins.module_utils.cloud import ServiceClient
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, NotFound, ServiceError
from ansible_collections.opencloud.images.plugins.module_utils.images import looks_like_id

TASK_STATE = "OS-EXT-STS:task_state"
# While a server is in one of these, Nova refuses another createImage with 409 conflictingRequest.
IMAGE_TASK_STATES = ("image_snapshot", "image_pending_upload", "image_uploading")
IMAGEABLE_STATUSES = ("ACTIVE", "SHUTOFF")
# Nova's image statuses in Glance's terms (Nova shows queued and saving alike as SAVING; progress tells them apart).
NOVA_IMAGE_STATUS = {"SAVING": "saving", "ACTIVE": "active", "ERROR": "killed", "DELETED": "deleted"}


class ComputeService(ServiceClient):
    service_type = "compute"

    def get_server(self, server_id):
        return self.session.json("GET", "%s/servers/%s" % (self.root, server_id))["server"]

    def find_server(self, name_or_id):
        """The one server with this id or exact name; an unknown or ambiguous name names the option to fix."""
        if looks_like_id(name_or_id):
            try:
                return self.get_server(name_or_id)
            except NotFound:
                pass
        # Nova's name filter is a regular expression search: anchor it, and compare exactly here.
        found = self.session.json("GET", self.root + "/servers/detail",
                                  params={"name": "^%s$" % re.escape(name_or_id)})["servers"]
        matches = [s for s in found if s.get("name") == name_or_id]
        if not matches:
            raise ConfigError("No server with id or name '%s' in region %s. Check server and region."
                              % (name_or_id, self.session.region), option="server")
        if len(matches) > 1:
            raise ConfigError("Several servers are named '%s': %s. Give server as one of these ids." % (
                name_or_id, ", ".join("%s (%s)" % (s["id"], s.get("status")) for s in matches)), option="server")
        return matches[0]

    def create_image(self, server_id, name, metadata):
        """Ask for an image of the server; return its id. A limit (413/429) is raised at once: the caller paces.

        Rackspace (and Nova before 2.45) answers 202 with the image URL in ``Location``; newer Nova
        answers with ``{"image_id": ...}`` in the body.
        """
        response = self.session.request("POST", "%s/servers/%s/action" % (self.root, server_id),
                                        json_body={"createImage": {"name": name, "metadata": metadata}}, pace_limits=False)
        location = response.headers.get("Location")
        if location:
            return location.rstrip("/").rsplit("/", 1)[-1]
        body = self.session.http.decode(response, "POST", response.url) or {}
        if body.get("image_id"):
            return body["image_id"]
        raise ServiceError("createImage for server %s answered %d without a Location header or an image_id: "
                           "cannot tell which image was created." % (server_id, response.status_code))

    def image_state(self, image_id):
        """(status in Glance's terms, progress phase 0/25/50/100) of an image being made, in one request.

        Nova's image API carries both, where Glance has no progress. None when Nova does not answer
        for the image (it is gone, or a newer Nova no longer offers the API).
        """
        try:
            image = self.session.json("GET", "%s/images/%s" % (self.root, image_id))["image"]
        except NotFound:
            return None
        return NOVA_IMAGE_STATUS.get(image.get("status"), "queued"), image.get("progress")


def boots_from_volume(server):
    """A boot-from-volume server has no image (``"image": ""``); server images do not include volumes."""
    return not server.get("image")
