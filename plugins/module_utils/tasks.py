# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glance v2 tasks (Rackspace Cloud Images): export an image to Cloud Files, import one from it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.opencloud.images.plugins.module_utils.catalog import image_api_root
from ansible_collections.opencloud.images.plugins.module_utils.cloud import ServiceClient
from ansible_collections.opencloud.images.plugins.module_utils.waiting import wait_for

# Rackspace asks clients not to poll a task more often than every 30 seconds.
TASK_POLL_SECONDS = 30


class TaskService(ServiceClient):
    service_type = "image"
    normalise = staticmethod(image_api_root)

    def create(self, task_type, task_input):
        return self.session.json("POST", self.root + "/tasks", json_body={"type": task_type, "input": task_input})

    def get(self, task_id):
        return self.session.json("GET", "%s/tasks/%s" % (self.root, task_id))

    def available(self):
        """Whether this account may use tasks here (Rackspace: yes; upstream Glance: admins only, 403)."""
        response = self.session.request("GET", self.root + "/tasks", params={"limit": 1}, ok=(200, 403, 404, 405))
        return response.status_code == 200

    def latest(self, task_type, statuses, matches):
        """The newest task of this type, in one of ``statuses``, whose input ``matches(input)``; else None.

        A run that was interrupted while a task ran finds it here and waits for it (or takes its
        result) instead of starting a second export or import of the same thing.
        """
        found = []
        for status in statuses:
            listed = self.session.json("GET", self.root + "/tasks", params={"type": task_type, "status": status})
            found.extend(t for t in (listed or {}).get("tasks", []) if t.get("type") == task_type and t.get("status") == status)
        found = [t for t in found if matches(self._input(t))]
        found.sort(key=lambda t: t.get("created_at") or "", reverse=True)
        return self.get(found[0]["id"]) if found else None

    def _input(self, task):
        """A listed task may leave out its input (upstream Glance does): fetch the task then."""
        if task.get("input") is None:
            task = self.get(task["id"])
        return task.get("input") or {}

    def wait(self, task, timeout, interval=TASK_POLL_SECONDS, on_poll=None, sleep=None):
        """Wait until the task succeeds (its final form is returned) or fails (WaitFailed with its message)."""
        extra = {} if sleep is None else {"sleep": sleep}
        return wait_for(lambda: self.get(task["id"]), done=lambda t: t.get("status") == "success",
                        failed=_failure, timeout=timeout, interval=interval, max_interval=max(interval, 120),
                        describe=lambda t: "%s task %s (%s)" % (t.get("type"), t.get("id"), t.get("status")),
                        on_poll=on_poll, **extra).state


def _failure(task):
    if task.get("status") == "failure":
        return task.get("message") or "the task failed without a message"
    return None
