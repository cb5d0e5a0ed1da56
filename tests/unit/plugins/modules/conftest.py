# -*- coding: utf-8 -*-
"""Running a module's ``main()`` in-process: its arguments in, its result (or failure) out, no server.

A refusal must come before any session is opened; a test that needs the cloud gives a fake
session (or patches the module_utils class the module uses).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.opencloud.images.plugins.module_utils.base import OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.redaction import Redactor

AUTH = {"auth_url": "http://127.0.0.1:9/identity/v2.0", "username": "demo", "api_key": "unit-api-key-SECRET",
        "region": "DFW", "token_cache": False}


class FakeAuth:
    project_id = "100001"
    default_region = "DFW"


class FakeConfig:
    """The resolved credentials: Rackspace Identity v2.0, which looks no other account up (so no request is sent)."""
    version = "2.0"
    auth_url = AUTH["auth_url"]


class FakeHttp:
    def __init__(self):
        self.redact = Redactor()


class FakeSession:
    """What modules and module_utils read of a session, without a cloud: region, account, credentials, endpoints."""

    def __init__(self, region="DFW", endpoint=None):
        self.http = FakeHttp()
        self.region = region
        self.auth = FakeAuth()
        self.config = FakeConfig()
        self._endpoint = endpoint or (lambda service_type, interface: "http://127.0.0.1:9/%s" % service_type)

    def endpoint(self, service_type, interface="public"):
        return self._endpoint(service_type, interface)

    def in_region(self, region):
        return FakeSession(region, self._endpoint)

    def request(self, method, url, **kwargs):
        raise AssertionError("a unit test sent %s %s" % (method, url))

    json = request


@pytest.fixture
def run_module(monkeypatch, capsys):
    """``run_module(module_class, args, check_mode=False, session=None)``: the result dict of one run."""
    def run(module_class, args, check_mode=False, session=None):
        def open_session(module, params, environ=None):
            if session is None:
                raise AssertionError("%s opened a session; it should have refused first" % module_class.__name__)
            return session
        monkeypatch.setattr(OpenCloudModule, "open_session", open_session)
        module_args = dict(AUTH, **args)
        if check_mode:
            module_args["_ansible_check_mode"] = True
        with patch_module_args(module_args):
            with pytest.raises(SystemExit):
                module_class.main()
        return json.loads(capsys.readouterr().out)
    return run
