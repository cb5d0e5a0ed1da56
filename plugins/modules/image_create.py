#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: image_create
short_description: Create an image of a server and see it through
version_added: 0.1.0
description:
  - Creates an image of a server with the Cloud Servers (Nova) C(createImage) action and waits until it is active, for
    hours if need be, reporting the platform's progress phases (0 queued, 25 creating, 50 uploading, 100 done).
  - B(Idempotent.) Image names are not unique, so each image carries marker properties (C(opencloud.images.server),
    C(opencloud.images.request), C(opencloud.images.created_by)). A re-run with the same O(server), O(name) and O(metadata)
    returns the image already made (or waits for it while it is being made) instead of creating another. Set
    O(force_new) for one image per run under the same name.
  - Image lists are eventually consistent, so the id of each image asked for is also kept on the controller (a small
    0600 file per request under C(~/.cache/opencloud.images/requests), ids only); a re-run on the same controller finds
    the image by that id while the list does not show it yet.
  - B(One image at a time per server.) While the server's C(OS-EXT-STS:task_state) is C(image_snapshot),
    C(image_pending_upload) or C(image_uploading), it waits for the running image before asking for a new one.
  - B(Limits.) A request refused with 413 C(overLimit) or 429 (too many concurrent images in the host group, or the rate
    limit) is repeated no sooner than the platform's C(Retry-After) says, until O(timeout). The forks of one controller
    take turns (one pacing budget in the user's cache), in one lane per host (the server's C(hostId)), so that a full
    host holds back the requests for its own servers only (the account's rate limit, C(overLimit) with C(retryAt),
    holds back all of them); while their own images are in progress on that host, a
    refused request is asked again when one of them finishes (at most five O(max_poll_interval) later).
  - B(Failed images.) An image that ends C(killed) is deleted and asked for again, up to O(retries) times (the platform
    reclaims disk space when imaging starts, so a retry can succeed).
  - Boot-from-volume servers cannot be imaged (an image never includes volumes); they are refused before any request,
    and so are servers that are not ACTIVE or SHUTOFF.
  - Images are not backups and do not capture a live database reliably, so take a database dump first.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
attributes:
  check_mode:
    support: full
    description: Reports whether it would create, reuse or wait for an image, or refuse; never calls C(createImage).
options:
  server:
    description:
      - Id or name of the server. A name shared by several servers is an error that lists them with their ids.
    type: str
    required: true
  name:
    description:
      - Name of the image.
    type: str
    required: true
  metadata:
    description:
      - Metadata to store on the image (as image properties). The platform allows 40 items; this collection uses 3 for
        its markers, so at most 37. Values are stored as text.
    type: dict
    default: {}
  wait:
    description:
      - Wait until the image is active. With V(false) the module returns once the image is requested, with its id;
        a later task with the same arguments (or O(wait=true)) picks it up and waits.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait in all (for a busy server, for rate limits and for the image). Large disks take hours. On timeout
        the module fails with the image id, its last status and progress; the image goes on in the cloud and a re-run
        picks it up.
    type: int
    default: 14400
  poll_interval:
    description:
      - Seconds between the first status checks; the interval grows by half each time up to O(max_poll_interval).
    type: float
    default: 10
  max_poll_interval:
    description:
      - Longest interval between status checks.
    type: float
    default: 60
  retries:
    description:
      - How many times a failed image is deleted and asked for again.
    type: int
    default: 2
  force_new:
    description:
      - Create a new image even if one from the same request exists.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Nightly image of web01, one per day
  opencloud.images.image_create:
    server: web01
    name: "web01-{{ ansible_date_time.date }}"
    metadata:
      purpose: nightly
  register: nightly

- name: Retention for the nightly images, a week of them
  opencloud.images.image_prune:
    server: web01
    keep: 7

- name: Ask for the image now, wait for it later (AWX-friendly long jobs)
  opencloud.images.image_create:
    server: db01
    name: db01-before-upgrade
    wait: false
  register: requested

- name: Later in the play, the same task with wait picks the image up
  opencloud.images.image_create:
    server: db01
    name: db01-before-upgrade
    timeout: 21600

- name: Image a fleet, at most 3 at a time (the platform limits concurrent images per host group)
  opencloud.images.image_create:
    server: "{{ item }}"
    name: "{{ item }}-release-42"
  loop: "{{ groups['web'] }}"
  throttle: 3
'''

RETURN = r'''
image:
  description: The image as the image service returns it (standard fields and properties, markers included), plus
    C(progress), the platform's phase (0, 25, 50, 100).
  returned: success, and in check mode when an image from the same request exists
  type: dict
  sample: {"id": "0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10", "name": "web01-2026-11-26", "status": "active",
           "instance_uuid": "5f3b6c0e-8a59-4d7b-9b8e-6c1f7f0f2a11", "size": 2147483648}
image_id:
  description: Id of the image.
  returned: success, and in check mode when an image from the same request exists
  type: str
  sample: 0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10
action:
  description: V(created) (a new image was asked for), V(reused) (an active image from the same request existed),
    V(waited) (one was being made and was waited for); in check mode what would be done (V(create), V(reuse), V(wait)).
  returned: always
  type: str
  sample: created
attempts:
  description: Number of C(createImage) requests this run made (failed images are retried).
  returned: success
  type: int
  sample: 1
waited:
  description: Seconds spent in this run.
  returned: success
  type: float
  sample: 1834.2
phases:
  description: The progress phases seen, with the seconds after which each was first seen.
  returned: success
  type: list
  elements: dict
  sample: [{"phase": "creating", "progress": 25, "status": "saving", "after": 0.0},
           {"phase": "uploading", "progress": 50, "status": "saving", "after": 310.5},
           {"phase": "done", "progress": 100, "status": "active", "after": 1834.2}]
server:
  description: Id and name of the server.
  returned: always
  type: dict
  sample: {"id": "5f3b6c0e-8a59-4d7b-9b8e-6c1f7f0f2a11", "name": "web01"}
last:
  description: On a timeout or a failed image, the image as last seen (id, status, progress), to resume from.
  returned: failure
  type: dict
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.compute import ComputeService
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.imaging import ServerImager, check_request
from ansible_collections.opencloud.images.plugins.module_utils.journal import RequestJournal
from ansible_collections.opencloud.images.plugins.module_utils.pacing import SharedPacer, pacing_key

DONE = {"create": "created", "reuse": "reused", "wait": "waited"}


class ImageCreateModule(OpenCloudModule):
    argument_spec = dict(
        server=dict(type="str", required=True),
        name=dict(type="str", required=True),
        metadata=dict(type="dict", default={}),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=14400),
        poll_interval=dict(type="float", default=10),
        max_poll_interval=dict(type="float", default=60),
        retries=dict(type="int", default=2),
        force_new=dict(type="bool", default=False),
    )

    def run(self):
        p = self.params
        metadata = check_request(p["name"], p["metadata"], p["timeout"], p["poll_interval"], p["max_poll_interval"], p["retries"])
        compute = ComputeService(self.cloud)
        server = compute.find_server(p["server"])
        # The forks of one controller share the account's pacing budget (one file per compute endpoint), a refusal
        # holding back the requests for servers on the same host (hostId) only.
        pacer = SharedPacer(pacing_key(compute.root), lane=server.get("hostId"), max_wait=p["max_poll_interval"])
        imager = ServerImager(compute, ImageService(self.cloud), pacer, timeout=p["timeout"], poll_interval=p["poll_interval"],
                              max_poll_interval=p["max_poll_interval"], retries=p["retries"], journal=RequestJournal())
        summary = {"id": server["id"], "name": server.get("name")}
        if self.check_mode:
            action, image = imager.plan(server, p["name"], metadata, p["force_new"])
            result = dict(changed=action == "create", action=action, server=summary)
            if image:
                result.update(image=image, image_id=image["id"])
            return result
        outcome = imager.run(server, p["name"], metadata, force_new=p["force_new"], wait=p["wait"])
        return dict(changed=outcome["attempts"] > 0, action=DONE[outcome["action"]], image=outcome["image"],
                    image_id=outcome["image"]["id"], attempts=outcome["attempts"], waited=outcome["waited"],
                    phases=outcome["phases"], server=summary)


def main():
    ImageCreateModule.main()


if __name__ == "__main__":
    main()
