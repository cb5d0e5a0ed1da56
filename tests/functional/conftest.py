"""Fixtures of the functional tests: a local cloud for the session and a playbook runner per test."""

import pytest

from localcloud.server import LocalCloud
from playbook_support import playbook_runner


@pytest.fixture(scope="session")
def localcloud():
    with LocalCloud() as cloud:
        yield cloud


@pytest.fixture
def playbook(tmp_path):
    return playbook_runner(tmp_path)
