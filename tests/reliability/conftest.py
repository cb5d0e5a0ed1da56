"""Fixtures of the fault matrix: a fast local cloud per pytest worker, and the collection on ANSIBLE_COLLECTIONS_PATH."""

import os

import pytest

from fault_matrix import FAST_CLOUD, collections_path
from localcloud.server import LocalCloud


@pytest.fixture(scope="session")
def matrix_cloud(tmp_path_factory):
    """The local cloud of this worker, with short image and task phases; each cell resets it."""
    if not os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        os.environ["ANSIBLE_COLLECTIONS_PATH"] = collections_path(tmp_path_factory.mktemp("collections"))
    with LocalCloud(config=FAST_CLOUD) as cloud:
        yield cloud
