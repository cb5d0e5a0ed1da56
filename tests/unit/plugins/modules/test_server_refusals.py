# -*- coding: utf-8 -*-
"""server, server_rebuild and image_verify refuse bad options before any request (no session is opened), naming the
option; a rebuild without confirm sends nothing."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.opencloud.images.plugins.modules.image_verify import ImageVerifyModule
from ansible_collections.opencloud.images.plugins.modules.server import ServerModule
from ansible_collections.opencloud.images.plugins.modules.server_rebuild import ServerRebuildModule


@pytest.mark.parametrize("module_class, args, option", [
    (ServerModule, {"name": "web", "count": -1, "image": "img"}, "count"),
    (ServerModule, {"deployment": "db", "names": ["db01", "db01"], "image": "img"}, "names"),
    (ServerModule, {"name": "web", "count": 1, "image": "img", "timeout": 0}, "timeout"),
    (ServerRebuildModule, {"server": "web01", "image": "img"}, "confirm"),
    (ServerRebuildModule, {"server": "web01", "image": "img", "confirm": True, "timeout": -5}, "timeout"),
    (ImageVerifyModule, {"image": "img", "port": 0}, "port"),
    (ImageVerifyModule, {"image": "img", "check_timeout": 0}, "check_timeout"),
])
def test_refused_before_any_request_naming_the_option(run_module, module_class, args, option):
    result = run_module(module_class, args)
    assert result["failed"] is True
    assert result["option"] == option, result["msg"]


def test_a_rebuild_without_confirm_says_what_it_would_erase(run_module):
    result = run_module(ServerRebuildModule, {"server": "web01", "image": "golden"})
    assert "erases server web01's root disk" in result["msg"] and "nothing was sent" in result["msg"]


@pytest.mark.parametrize("module_class, args, words", [
    (ServerModule, {"name": "web", "image": "img"}, "count, names"),
    (ServerModule, {"name": "web", "count": 1, "names": ["a"], "image": "img"}, "mutually exclusive"),
    (ServerModule, {"name": "web", "count": 1}, "image"),
    (ImageVerifyModule, {"image": "img", "ssh_command": "true"}, "ssh_private_key"),
])
def test_missing_or_contradictory_options_are_refused_by_name(run_module, module_class, args, words):
    result = run_module(module_class, args)
    assert result["failed"] is True and words in result["msg"]
