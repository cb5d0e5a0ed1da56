# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud Servers (Nova v2, no microversion): servers and their lifecycle, flavors, the createImage action and image progress.

No microversion header is sent: Rackspace documents none, so both clouds answer with Nova's v2.0/2.1 shapes
(restore-and-verify.md §1.0).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.opencloud.images.plugins.module_utils.cloud import ServiceClient
from ansible_collections.opencloud.images.plugins.module_utils.errors import (
    BadRequest, ConfigError, Conflict, NotFound, PermissionDenied, ServiceError,
)
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

    def list_servers(self, metadata=None, page_size=100):
        """Every server of the account (``GET /servers/detail``, page after page by ``marker``), keeping those whose
        metadata has each of ``metadata``'s items (a value of None: the key is there). Nova has no metadata filter."""
        marker, seen = None, set()
        while True:
            params = [("limit", page_size)] + ([("marker", marker)] if marker else [])
            servers = self.session.json("GET", self.root + "/servers/detail", params=params).get("servers", [])
            new = [server for server in servers if server["id"] not in seen]
            for server in new:
                seen.add(server["id"])
                if has_metadata(server, metadata):
                    yield server
            if len(servers) < page_size or not new:  # a cloud that ignores limit and marker answers the same page
                return
            marker = servers[-1]["id"]

    def create_server(self, body):
        """``POST /servers`` with ``{"server": body}``; the answer holds only id, links, adminPass and diskConfig (202).

        A rate limit (413 overLimit with Retry-After, Rackspace's 1000 creates a day and 100 POSTs a minute) is waited
        out by the transport up to its longest Retry-After, then raised.
        """
        return self.session.json("POST", self.root + "/servers", json_body={"server": body}, ok=(202, 200))["server"]

    def rebuild_server(self, server_id, body):
        """``POST /servers/{id}/action`` ``{"rebuild": body}``; 202 with the server (status REBUILD, the new image)."""
        answer = self.session.json("POST", "%s/servers/%s/action" % (self.root, server_id), json_body={"rebuild": body},
                                   ok=(202, 200))
        return (answer or {}).get("server") or {}

    def delete_server(self, server_id):
        """``DELETE /servers/{id}`` (204; Rackspace's prose says 202). Already gone (404) is no error: a repeat after a
        lost answer, or another run's sweep, finds it gone."""
        self.session.request("DELETE", "%s/servers/%s" % (self.root, server_id), ok=(200, 202, 204, 404))

    def server_or_none(self, server_id):
        """The server, or None once it is gone (404 itemNotFound)."""
        try:
            return self.get_server(server_id)
        except NotFound:
            return None

    def flavors(self):
        """Every flavor with its details (``GET /flavors/detail``): Rackspace adds its class in
        ``OS-FLV-WITH-EXT-SPECS:extra_specs``."""
        return self.session.json("GET", self.root + "/flavors/detail").get("flavors", [])

    def get_flavor(self, flavor_id):
        return self.session.json("GET", "%s/flavors/%s" % (self.root, flavor_id))["flavor"]

    def networks(self):
        """The networks the account may attach, ``[{"id", "label"}]``: Rackspace's ``os-networksv2`` (PublicNet, ServiceNet
        and isolated networks), else Nova's ``os-networks`` proxy; an empty list when neither is offered."""
        for path in ("/os-networksv2", "/os-networks"):
            try:
                return self.session.json("GET", self.root + path).get("networks", [])
            except NotFound:
                continue
        return []

    def console_output(self, server_id, length=50):
        """The last ``length`` lines of the console log, or None where the cloud does not offer it (Rackspace does not
        document ``os-getConsoleOutput``; Nova answers 400/404/409/501 when the driver has none)."""
        try:
            answer = self.session.json("POST", "%s/servers/%s/action" % (self.root, server_id),
                                       json_body={"os-getConsoleOutput": {"length": length}}, ok=(200,))
        except (BadRequest, NotFound, Conflict, ServiceError, PermissionDenied):
            return None
        return (answer or {}).get("output")

    def instance_actions(self, server_id):
        """The server's action log (``os-instance-actions``: create, rebuild, delete... with request ids), or None where
        it is not offered."""
        try:
            answer = self.session.json("GET", "%s/servers/%s/os-instance-actions" % (self.root, server_id))
        except (NotFound, PermissionDenied, BadRequest):
            return None
        return (answer or {}).get("instanceActions")

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


def has_metadata(server, metadata):
    """Whether the server's metadata has each of these items (a value of None: only the key)."""
    mine = server.get("metadata") or {}
    return all(key in mine and (value is None or mine[key] == value) for key, value in (metadata or {}).items())
