#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: server_info
short_description: A cloud server, its base image, and what the platform's rules say about imaging it
version_added: 0.1.0
description:
  - Looks a server up by id or name and returns it with the image it was built from and a pre-imaging assessment, for
    the checks that come before M(opencloud.images.image_create) (the C(opencloud.images.server_image) role uses it).
  - The assessment lists the problems that forbid imaging (boot from volume, a server that is not ACTIVE) and notes
    that need attention (a turnkey appliance, which cannot be de-cloned; a Windows server, whose image can be shared in
    its region but never exported).
  - Read-only.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
attributes:
  check_mode:
    support: full
    description: Nothing is changed either way.
options:
  server:
    description:
      - Id or name of the server. A name shared by several servers is an error that lists them with their ids.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: What would stop an image of web01
  opencloud.images.server_info:
    server: web01
  register: web01

- name: Refuse early
  ansible.builtin.assert:
    that: web01.assessment.problems | length == 0
    fail_msg: "web01 cannot be imaged: {{ web01.assessment.problems | join('; ') }}"
'''

RETURN = r'''
server:
  description: The server as Cloud Servers (Nova) returns it.
  returned: always
  type: dict
  sample: {"id": "5f3b6c0e-8a59-4d7b-9b8e-6c1f7f0f2a11", "name": "web01", "status": "ACTIVE", "OS-EXT-STS:task_state": null}
base_image:
  description: The image the server was built from, or null (boot from volume, or an image that is gone or not visible).
  returned: always
  type: dict
assessment:
  description: What the platform's rules say about imaging this server.
  returned: always
  type: dict
  contains:
    boots_from_volume:
      description: The server boots from a volume (server images never include volumes).
      type: bool
    status:
      description: Server status.
      type: str
    task_state:
      description: The server's task state (C(image_snapshot) and the like while an image is being made).
      type: str
    base_image_id:
      description: Id of the base image.
      type: str
    is_windows:
      description: The base image is Windows (C(os_type) property).
      type: bool
    appliance:
      description: Why the server looks like a turnkey appliance (server metadata C(appliance) or
        C(opencloud.images.appliance), the same base image properties, or a vendor in the base image's name), or null.
      type: str
    exportable:
      description: Whether its images can be exported to another region (Rackspace C(com.rackspace__1__options) is 0), or
        null when unknown.
      type: bool
    problems:
      description: Reasons that forbid imaging, each with the way out. Empty when it can be imaged.
      type: list
      elements: str
    notes:
      description: Things to know or acknowledge before imaging (appliance, Windows).
      type: list
      elements: str
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.compute import ComputeService
from ansible_collections.opencloud.images.plugins.module_utils.errors import NotFound
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.preflight import assess


class ServerInfoModule(OpenCloudModule):
    argument_spec = dict(server=dict(type="str", required=True))

    def run(self):
        server = ComputeService(self.cloud).find_server(self.params["server"])
        base_image = None
        if isinstance(server.get("image"), dict) and server["image"].get("id"):
            try:
                base_image = ImageService(self.cloud).get(server["image"]["id"])
            except NotFound:
                base_image = None
        return dict(changed=False, server=server, base_image=base_image, assessment=assess(server, base_image))


def main():
    ServerInfoModule.main()


if __name__ == "__main__":
    main()
