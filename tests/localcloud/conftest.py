"""Fixtures shared by the local cloud's tests: an injected clock, and a test client of the module's ``state`` fixture with
the demo account's token."""

import pytest

from localcloud.app import create_app
from localcloud.test_compute import FakeClock
from localcloud.test_localcloud import DEMO, headers_for


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def client(state):
    return create_app(state).test_client()


@pytest.fixture
def demo(client):
    return headers_for(client, DEMO)
