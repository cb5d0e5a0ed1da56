# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: writes each task's result, by task name, to the JSON file named by RESULT_FILE."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: result_file
type: aggregate
short_description: Task results to a JSON file, for the functional tests
description:
  - Writes every task result, keyed by task name, to the file named by the RESULT_FILE environment variable.
requirements:
  - enabled in the tests with ANSIBLE_CALLBACKS_ENABLED
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "result_file"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.results = {}

    def _record(self, result, failed):
        self.results[result.task_name] = dict(result._result, failed=failed)

    def v2_runner_on_ok(self, result):
        self._record(result, failed=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["RESULT_FILE"], "w") as handle:
            json.dump(self.results, handle, default=str)
