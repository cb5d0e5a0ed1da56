# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Imaging a server, seen through: idempotent requests, the platform's one-at-a-time and rate rules, retries.

Glance does not enforce unique names, so every image this collection asks for carries marker
properties (through createImage metadata): the source server, a key of the request (server, name,
metadata) and the collection's name. A re-run finds its image by the request key instead of
creating a second one.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import time

from ansible_collections.opencloud.images.plugins.module_utils.compute import (
    IMAGE_TASK_STATES, IMAGEABLE_STATUSES, TASK_STATE, boots_from_volume,
)
from ansible_collections.opencloud.images.plugins.module_utils.errors import (
    ConfigError, Conflict, NotFound, OverLimit, WaitFailed, WaitTimeout,
)
from ansible_collections.opencloud.images.plugins.module_utils.images import check_length, list_filters
from ansible_collections.opencloud.images.plugins.module_utils.markers import (
    COLLECTION, MARKER_CREATED_BY, MARKER_PREFIX, MARKER_REQUEST, MARKER_SERVER, UNUSABLE,
)
from ansible_collections.opencloud.images.plugins.module_utils.retries import RetryPolicy
from ansible_collections.opencloud.images.plugins.module_utils.waiting import wait_for

MAX_IMAGE_METADATA = 40  # Rackspace's absolute limit maxImageMeta
USER_METADATA_LIMIT = MAX_IMAGE_METADATA - 3
# Rackspace reports the creation phase in Nova's image progress.
PHASES = {0: "queued", 25: "creating", 50: "uploading", 100: "done"}


def request_key(server_id, name, metadata):
    """A stable key for "this image of this server": the same task arguments give the same key."""
    text = json.dumps([server_id, name, metadata or {}], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def check_request(name, metadata, timeout, poll_interval=None, max_poll_interval=None, retries=None):
    """The metadata as text, after the input checks that need no request: each error names its option."""
    if not name or not name.strip():
        raise ConfigError("name must not be empty: give the image a name (for example web01-{{ ansible_date_time.date }}).",
                          option="name")
    check_length("name", name)
    if timeout is not None and timeout <= 0:
        raise ConfigError("timeout must be a positive number of seconds, not %s; large disks take hours." % timeout,
                          option="timeout")
    for option, value in (("poll_interval", poll_interval), ("max_poll_interval", max_poll_interval)):
        if value is not None and value <= 0:
            raise ConfigError("%s must be a positive number of seconds, not %s." % (option, value), option=option)
    if poll_interval and max_poll_interval and max_poll_interval < poll_interval:
        raise ConfigError("max_poll_interval (%s) must not be less than poll_interval (%s)." % (max_poll_interval, poll_interval),
                          option="max_poll_interval")
    if retries is not None and retries < 0:
        raise ConfigError("retries must be 0 or more, not %s." % retries, option="retries")
    metadata = metadata or {}
    if len(metadata) > USER_METADATA_LIMIT:
        raise ConfigError("metadata has %d items; the platform allows %d per image and this collection uses 3 for its "
                          "markers, so at most %d." % (len(metadata), MAX_IMAGE_METADATA, USER_METADATA_LIMIT),
                          option="metadata")
    for key, value in metadata.items():
        if isinstance(value, (dict, list)) or value is None or key.startswith(MARKER_PREFIX):
            raise ConfigError("metadata.%s: values must be text, and the opencloud.images.* keys are the collection's own."
                              % key, option="metadata")
        check_length("metadata", key, "metadata key %r" % key[:40])
        check_length("metadata", str(value), "metadata.%s" % key)
    return dict((key, str(value)) for key, value in metadata.items())


def check_server(server):
    """Refuse a server that cannot be imaged, saying what to do instead."""
    if boots_from_volume(server):
        raise ConfigError("Server %s (%s) boots from a volume: server images do not include volumes, not even the boot "
                          "volume, so it cannot be imaged. Take a snapshot of its volume instead (Cloud Block Storage "
                          "snapshot, or 'openstack volume snapshot create')." % (server.get("name"), server["id"]),
                          option="server")
    if server.get("status") not in IMAGEABLE_STATUSES:
        raise ConfigError("Server %s (%s) is %s: only ACTIVE or SHUTOFF servers can be imaged. Repair or rebuild it first."
                          % (server.get("name"), server["id"], server.get("status")), option="server")


class ServerImager:
    """Creates (or finds) the image of one server and waits for it, within one deadline.

    ``clock`` and ``sleep`` are injectable so that tests of the timing rules run instantly.
    """

    def __init__(self, compute, images, pacer, timeout=7200, poll_interval=10, max_poll_interval=60, retries=2,
                 journal=None, clock=time.monotonic, sleep=time.sleep):
        self.compute = compute
        self.images = images
        self.pacer = pacer  # a pacing.SharedPacer of the account: createImage requests take turns with other processes
        self.journal = journal
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.retries = retries
        self.clock = clock
        self.sleep = sleep
        self.deadline = None
        self.phases = []
        self.attempts = 0  # createImage requests of this run
        self._image_id = None
        self._started = None
        self._glance_only = False

    # -- looking before asking
    def existing(self, key):
        """Images of an earlier run of the same request, newest first, failed ones left out.

        The list is searched by the request marker; an image this controller asked for that the list
        does not show yet (lists are eventually consistent) is found through the journal.
        """
        found = self.images.list(list_filters(properties={MARKER_REQUEST: key}, sort_key="created_at", sort_dir="desc"))
        found = [image for image in found if image.get("status") not in UNUSABLE]
        if not found and self.journal is not None:
            recorded = self.journal.recorded_image(
                key, self.images, lambda image: image.get(MARKER_REQUEST) == key and image.get("status") not in UNUSABLE)
            found = [recorded] if recorded else []
        return found

    def plan(self, server, name, metadata, force_new):
        """(action, image): ``reuse`` an active image, ``wait`` for one being made, or ``create``."""
        check_server(server)
        if not force_new:
            for image in self.existing(request_key(server["id"], name, metadata)):
                return ("reuse" if image.get("status") == "active" else "wait"), image
        return "create", None

    # -- doing
    def run(self, server, name, metadata, force_new=False, wait=True):
        """Image the server and return a result dict (image, action, attempts, waited, phases).

        A failed image is debris: it is removed and asked for again (it may succeed this time), up to
        ``retries`` times.
        """
        self._started = self.clock()
        self.deadline = self._started + self.timeout
        action, image = self.plan(server, name, metadata, force_new)
        self.attempts = 0
        self._image_id = image["id"] if image else None
        if not wait:
            return self._result(self.images.get(self._current(server, name, metadata)), action)
        again = RetryPolicy(attempts=self.retries + (1 if action == "create" else 2), sleep=self.sleep)
        try:
            image = again.run(lambda: self._wait_active(self._current(server, name, metadata)),
                              lambda error: isinstance(error, WaitFailed), on_retry=self._discard,
                              exhausted=self._failed_every_time)
        except WaitFailed:
            self.pacer.freed()
            raise
        self.pacer.freed()  # the platform takes the next queued image request now
        return self._result(image, "create" if self.attempts else action)

    def _current(self, server, name, metadata):
        """The id of the image this run is seeing through: asked for now if there is none."""
        if self._image_id is None:
            self.attempts += 1
            self._image_id = self._request(server, name, metadata)
        return self._image_id

    def _discard(self, failure):
        self.pacer.freed()
        self.images.delete(self._image_id)
        self._image_id = None

    def _failed_every_time(self, failure):
        return WaitFailed("%s after %d attempt(s). The platform frees disk space when imaging starts, so a later run may "
                          "succeed." % (failure.message, max(self.attempts, 1)), last=failure.last, waited=self._waited())

    def _request(self, server, name, metadata):
        """createImage, waiting out a busy server (409) and rate limits (413/429) until the deadline.

        Every request waits for its turn in the account's shared pacing budget: while the account is
        refused, the controller's processes ask one at a time, and a refusal's Retry-After (growing while
        refusals go on, up to the longest poll interval) holds them all back, so that a queue of waiting
        requests does not hammer the API.
        """
        key = request_key(server["id"], name, metadata)
        full_metadata = dict(metadata or {})
        full_metadata.update({MARKER_CREATED_BY: COLLECTION, MARKER_SERVER: server["id"], MARKER_REQUEST: key})

        def create():
            while True:
                self.pacer.acquire(timeout=self._remaining())
                try:
                    image_id = self.compute.create_image(server["id"], name, full_metadata)
                except OverLimit as refusal:
                    self.pacer.refused(refusal.retry_after, at_least=self.poll_interval, account=refusal.account_limit)
                    raise
                except Conflict:
                    self.pacer.accepted()  # not a limit: the server is busy
                    # Another image of this server started between our look and our request: if it is the
                    # same request (a concurrent run of this task), take it; else wait for the server.
                    for image in self.existing(key):
                        return image["id"]
                    self._wait_server_free(server["id"])
                    continue
                self.pacer.accepted(image_started=True)
                if self.journal is not None:
                    self.journal.record(key, image_id=image_id)
                return image_id

        def timed_out(refusal):
            return WaitTimeout("Timed out: the image request was still refused when the timeout ran out: %s"
                               % refusal.message, waited=self._waited())

        self._wait_server_free(server["id"])
        paced = RetryPolicy(timeout=self._remaining(), clock=self.clock, sleep=self.sleep)  # the pacer does the waiting
        return paced.run(create, lambda error: isinstance(error, OverLimit), exhausted=timed_out)

    def _wait_server_free(self, server_id):
        def task_state():
            return self.compute.get_server(server_id).get(TASK_STATE)
        try:
            wait_for(task_state, lambda state: state not in IMAGE_TASK_STATES, timeout=self._remaining(),
                     interval=self.poll_interval, max_interval=self.max_poll_interval,
                     describe=lambda state: "server %s task_state %s (another image of it is being made)" % (server_id, state),
                     clock=self.clock, sleep=self.sleep)
        except WaitTimeout as exc:
            raise WaitTimeout("Timed out waiting for server %s to finish the image it is already making (one image at a time "
                              "per server); last task_state %s." % (server_id, exc.last), last=exc.last, waited=self._waited())

    def _wait_active(self, image_id):
        """Wait for the image, one request per poll, and return it as Glance shows it."""
        def failed(state):
            if state["status"] in UNUSABLE:
                return "the image ended in status %s" % state["status"]
            return None

        try:
            wait_for(lambda: self._image_state(image_id), lambda state: state["status"] == "active", failed=failed,
                     timeout=self._remaining(), interval=self.poll_interval, max_interval=self.max_poll_interval,
                     describe=describe_image, on_poll=self._record_phase, clock=self.clock, sleep=self.sleep)
        except WaitTimeout as exc:
            raise WaitTimeout("Timed out after %d s waiting for %s. It goes on in the cloud: run the same task again "
                              "(or image_info with this id) to pick it up." % (self._waited(), describe_image(exc.last)),
                              last=exc.last, waited=self._waited())
        return self.images.get(image_id)

    def _image_state(self, image_id):
        """{id, status, progress}: from Nova's image API (with the progress phase), else from Glance."""
        state = None if self._glance_only else self.compute.image_state(image_id)
        if state is None:
            try:
                status = self.images.get(image_id)["status"]
                self._glance_only = True  # Glance has it, so Nova does not offer its image API here
            except NotFound:
                status = "deleted"
            state = (status, {"queued": 0, "active": 100}.get(status, 50))
        return {"id": image_id, "status": state[0], "progress": state[1]}

    def _record_phase(self, image):
        phase = PHASES.get(image["progress"], "%s%%" % image["progress"])
        if not self.phases or self.phases[-1]["phase"] != phase:
            self.phases.append({"phase": phase, "progress": image["progress"], "status": image["status"],
                                "after": round(self._waited(), 1)})

    def _remaining(self):
        return self.deadline - self.clock()

    def _waited(self):
        return self.clock() - self._started

    def _result(self, image, action):
        progress = 100 if image.get("status") == "active" else self._image_state(image["id"])["progress"]
        return {"image": dict(image, progress=progress), "action": action, "attempts": self.attempts,
                "waited": round(self._waited(), 1), "phases": self.phases}


def describe_image(image):
    if not isinstance(image, dict):
        return str(image)
    return "image %s (status %s, progress %s: %s)" % (image.get("id"), image.get("status"), image.get("progress"),
                                                      PHASES.get(image.get("progress"), "unknown phase"))
