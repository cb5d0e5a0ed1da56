"""A small fleet imaged by six processes at once, as six forks of one controller, against the local cloud's host-group
limit and Rackspace's rate limits: the shared pacing budget keeps the refused createImage POSTs to a few per wave.

Real processes, real clock, images of 1.2 s: the forks share nothing but the pacing file in one cache directory.
"""

import multiprocessing

import pytest
import requests

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.compute import ComputeService
from ansible_collections.opencloud.images.plugins.module_utils.errors import OverLimit
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.imaging import ServerImager
from ansible_collections.opencloud.images.plugins.module_utils.pacing import SharedPacer
from ansible_collections.opencloud.images.plugins.module_utils.transport import HttpClient
from localcloud.rate_limits import RACKSPACE_RATE_LIMITS
from localcloud.server import LocalCloud

DEMO = {"username": "demo", "api_key": "demo-api-key-SECRET-1a2b3c", "region": "DFW"}
FORKS = 6
PER_HOST_GROUP = 2
POLL = 0.2  # the modules' first poll interval, scaled like the images


def image_one(url, server_id, pacing_dir, results):
    """One fork: image one server, through its own session, with the account's shared pacer."""
    config = auth.resolve(dict(DEMO, auth_url=url + "/identity/v2.0"), environ={}, cloud_files=([], []))
    session = CloudSession(config, http=HttpClient())
    server = ComputeService(session).get_server(server_id)
    pacer = SharedPacer("account", lane=server["hostId"], max_wait=1.0, directory=pacing_dir)  # as image_create does
    imager = ServerImager(ComputeService(session), ImageService(session), pacer, timeout=60, poll_interval=POLL, max_poll_interval=1.0)
    result = imager.run(server, "fleet-%s" % server_id[:8], {})
    results.put((server_id, result["image"]["status"], result["attempts"]))


@pytest.mark.parametrize("host_groups", [1, 2])
def test_six_forks_two_at_a_time_per_host_group_send_few_refused_posts(tmp_path, host_groups):
    config = {"images_per_host_group": PER_HOST_GROUP, "overlimit_retry_after": 0, "rate_limits": RACKSPACE_RATE_LIMITS,
              "image_phase_seconds": {"image_snapshot": 0.4, "image_pending_upload": 0.4, "image_uploading": 0.4}}
    with LocalCloud(config=config) as cloud:
        servers = [requests.post(cloud.url + "/_localcloud/servers", json={"region": "DFW", "owner": "100001", "name": "fleet%d" % n,
                                                                           "host_group": "fleet%d" % (n % host_groups)},
                                 timeout=10).json()["id"]
                   for n in range(FORKS)]
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        forks = [context.Process(target=image_one, args=(cloud.url, server_id, str(tmp_path / "pacing"), results)) for server_id in servers]
        for fork in forks:
            fork.start()
        done = sorted(results.get(timeout=60) for _fork in forks)
        for fork in forks:
            fork.join(10)
        posts = [entry["status"] for entry in cloud.state.request_log if entry["path"].endswith("/action")]
        lanes = {requests.get("%s/_localcloud/state" % cloud.url, timeout=10).json()["servers"]["DFW"][server_id]["host_id"]
                 for server_id in servers}
    assert len(lanes) == host_groups
    assert done == [(server_id, "active", 1) for server_id in sorted(servers)]
    # Three waves of two: each of the queued forks on its own would ask again every poll interval (0.2 s: the full host
    # group's Retry-After is 0 here) for as long as it waits, about 36 refusals; paced, the queue asks one at a time, at
    # growing intervals and when an image of the controller has finished: 5 or 6. With two host groups each has a lane
    # of its own (the server's hostId): a full group does not hold back the other's requests, and queues half as long.
    assert posts.count(202) == FORKS
    assert posts.count(413) <= 3 * FORKS // (PER_HOST_GROUP * host_groups), posts


def test_a_refusal_says_whether_the_accounts_rate_limit_or_a_full_host_group_refused_it():
    """What the pacing holds back on it: every lane for the account's limit (overLimit with retryAt), one host's for
    the other."""
    config = {"images_per_host_group": 1, "rate_limits": [{"method": "POST", "uri": "*", "regex": ".*", "value": 2, "unit": "MINUTE"}]}
    with LocalCloud(config=config) as cloud:
        servers = [requests.post(cloud.url + "/_localcloud/servers", json={"region": "DFW", "owner": "100001", "name": "limit%d" % n,
                                                                           "host_group": "one"}, timeout=10).json()["id"]
                   for n in range(3)]
        config = auth.resolve(dict(DEMO, auth_url=cloud.url + "/identity/v2.0"), environ={}, cloud_files=([], []))
        compute = ComputeService(CloudSession(config, http=HttpClient()))
        compute.create_image(servers[0], "first", {})
        refusals = []
        for server_id in servers[1:]:
            with pytest.raises(OverLimit) as refused:
                compute.create_image(server_id, "next", {})
            refusals.append((refused.value.status, refused.value.account_limit))
    assert refusals == [(413, False), (413, True)], "the host group's one slot is taken, then the account's second POST"
