"""Fixtures of the functional tests: a local cloud for the session and a playbook runner per test."""

import pytest

from localcloud.server import LocalCloud
from playbook_support import control, playbook_runner

PHASES = ("image_snapshot", "image_pending_upload", "image_uploading")


@pytest.fixture(scope="session")
def localcloud():
    with LocalCloud() as cloud:
        yield cloud


@pytest.fixture
def playbook(tmp_path):
    return playbook_runner(tmp_path)


@pytest.fixture
def slow_images(localcloud):
    """Images that take 4.5 s, so that a later task (or a killed run) finds them still being made."""
    control(localcloud, "POST", "config", json={"image_phase_seconds": dict.fromkeys(PHASES, 1.5)})
    yield
    control(localcloud, "POST", "config", json={"image_phase_seconds": dict.fromkeys(PHASES, 0.3)})
