# -*- coding: utf-8 -*-
"""The rules checked before any POST (flavor, disk config, networks, limits), deployment and rebuild plans, and the
server waits (settled with no task_state, ERROR at once with the fault, no ACTIVE accepted before a rebuild shows)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.opencloud.images.plugins.module_utils import servers
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, WaitFailed, WaitTimeout
from ansible_collections.opencloud.images.tests.unit.plugins.module_utils.conftest import FakeClock

SPECS = servers.FLAVOR_EXTRA_SPECS
FLAVORS = [
    {"id": "2", "name": "512MB Standard Instance", "ram": 512, "disk": 20, "vcpus": 1, SPECS: {"class": "standard1"}},
    {"id": "general1-1", "name": "1 GB General Purpose v1", "ram": 1024, "disk": 20, "vcpus": 1, SPECS: {"class": "general1"}},
    {"id": "general1-2", "name": "2 GB General Purpose v1", "ram": 2048, "disk": 40, "vcpus": 2, SPECS: {"class": "general1"}},
    {"id": "io1-15", "name": "15 GB I/O v1", "ram": 15360, "disk": 40, "vcpus": 4, SPECS: {"class": "io1"}},
    {"id": "compute1-4", "name": "3.75 GB Compute v1", "ram": 3840, "disk": 0, "vcpus": 2, SPECS: {"class": "compute1"}},
    {"id": "old-1", "name": "retired", "ram": 256, "disk": 10, "vcpus": 1, "OS-FLV-DISABLED:disabled": True},
]
IMAGE = {"id": "img-1", "status": "active", "min_disk": 0, "min_ram": 0, "size": 2 * servers.GIB}


def image(**fields):
    return dict(IMAGE, **fields)


def test_the_smallest_fitting_flavor_is_chosen():
    assert servers.choose_flavor(FLAVORS, image())["id"] == "2"
    assert servers.choose_flavor(FLAVORS, image(min_ram=1024))["id"] == "general1-1"
    assert servers.choose_flavor(FLAVORS, image(min_disk=30))["id"] == "general1-2"
    assert servers.choose_flavor(FLAVORS, image(size=25 * servers.GIB))["id"] == "general1-2"
    assert servers.choose_flavor(FLAVORS, image(flavor_classes="*,!standard1"))["id"] == "general1-1"


def test_a_flavor_too_small_is_refused_naming_the_reason_and_the_smallest_that_fits():
    with pytest.raises(ConfigError) as err:
        servers.choose_flavor(FLAVORS, image(min_disk=30, min_ram=1024), wanted="general1-1")
    assert err.value.option == "flavor"
    assert "min_disk (30 GB)" in err.value.message and "general1-2" in err.value.message


def test_a_flavor_given_by_name_that_fits_is_taken():
    assert servers.choose_flavor(FLAVORS, image(), wanted="1 GB General Purpose v1")["id"] == "general1-1"


@pytest.mark.parametrize("wanted, fields, words", [
    ("compute1-4", {}, "0 GB"),
    ("io1-15", {"vm_mode": "xen"}, "PVHVM"),
    ("2", {"flavor_classes": "general1,io1"}, "flavor_classes"),
    ("general1-1", {"min_ram": 2048}, "min_ram"),
    ("old-1", {}, "No flavor with id or name 'old-1'"),
    ("nonesuch", {}, "No flavor with id or name"),
])
def test_flavor_rules_of_the_platform(wanted, fields, words):
    with pytest.raises(ConfigError) as err:
        servers.choose_flavor(FLAVORS, image(**fields), wanted=wanted)
    assert err.value.option == "flavor" and words in err.value.message


def test_no_flavor_fits_is_refused():
    with pytest.raises(ConfigError) as err:
        servers.choose_flavor(FLAVORS, image(min_ram=10 ** 6))
    assert err.value.option == "flavor"


def test_class_rules():
    assert servers.class_allowed("*,!onmetal", "general1")
    assert not servers.class_allowed("*,!onmetal", "onmetal")
    assert not servers.class_allowed("general1", "io1")
    assert servers.class_allowed(None, "io1") and servers.class_allowed("general1", None)


def test_auto_disk_config_is_refused_only_for_images_that_disable_it():
    with pytest.raises(ConfigError) as err:
        servers.check_disk_config("AUTO", image(auto_disk_config="disabled"))
    assert err.value.option == "disk_config"
    servers.check_disk_config("MANUAL", image(auto_disk_config="disabled"))
    servers.check_disk_config("AUTO", image(auto_disk_config="False"))
    servers.check_disk_config(None, image(auto_disk_config="disabled"))


def test_networks_aliases_labels_and_unknown_names():
    available = [{"id": "aaaaaaaa-0000-4000-8000-000000000001", "label": "backend"}]
    nets, warning = servers.resolve_networks(["public", "ServiceNet", "backend"], available)
    assert nets == [{"uuid": servers.PUBLIC_NET}, {"uuid": servers.SERVICE_NET}, {"uuid": available[0]["id"]}]
    assert warning is None
    nets, warning = servers.resolve_networks(["backend"], available)
    assert nets == [{"uuid": available[0]["id"]}] and "neither public nor servicenet" in warning
    assert servers.resolve_networks(None, available) == (None, None)
    with pytest.raises(ConfigError) as err:
        servers.resolve_networks(["public", "frontend"], available)
    assert err.value.option == "networks" and "frontend" in err.value.message and "backend" in err.value.message


def test_user_data_is_base64_within_the_limit():
    assert servers.encode_user_data("#cloud-config\n") == "I2Nsb3VkLWNvbmZpZwo="
    with pytest.raises(ConfigError) as err:
        servers.encode_user_data("x" * 50000)
    assert err.value.option == "user_data"


def test_metadata_limits_count_the_markers():
    assert servers.check_metadata({"role": 1}, reserved=1) == {"role": "1"}
    with pytest.raises(ConfigError) as err:
        servers.check_metadata(dict(("k%d" % i, "v") for i in range(40)), reserved=1)
    assert err.value.option == "metadata" and "at most 39" in err.value.message
    with pytest.raises(ConfigError):
        servers.check_metadata({"opencloud.images.deployment": "x"}, reserved=1)


def member(server_id, name, status="ACTIVE", created="2026-12-01T00:00:00Z"):
    return {"id": server_id, "name": name, "status": status, "created": created}


def test_count_scales_up_with_free_names_and_down_newest_first():
    members = [member("a", "web-1", created="2026-12-01T00:00:00Z"), member("b", "web-3", created="2026-12-02T00:00:00Z")]
    create, delete, keep = servers.plan_deployment(members, count=4, name="web")
    assert create == ["web-2", "web-4"] and delete == [] and [s["id"] for s in keep] == ["a", "b"]
    create, delete, keep = servers.plan_deployment(members, count=1, name="web")
    assert create == [] and [s["id"] for s in delete] == ["b"] and [s["id"] for s in keep] == ["a"]
    create, delete, keep = servers.plan_deployment(members, count=0, name="web")
    assert create == [] and len(delete) == 2 and keep == []


def test_servers_made_in_the_same_second_go_highest_number_first():
    same = "2026-12-01T00:00:00Z"
    members = [member("c", "web-10", created=same), member("a", "web-2", created=same), member("b", "web-1", created=same)]
    create, delete, keep = servers.plan_deployment(members, count=2, name="web")
    assert [s["name"] for s in keep] == ["web-1", "web-2"] and [s["name"] for s in delete] == ["web-10"]


def test_a_server_in_error_is_replaced_and_names_are_exact():
    members = [member("a", "db01", status="ERROR"), member("b", "db02"), member("c", "old")]
    create, delete, keep = servers.plan_deployment(members, names=["db01", "db02"])
    assert create == ["db01"] and sorted(s["id"] for s in delete) == ["a", "c"] and [s["id"] for s in keep] == ["b"]
    create, delete, keep = servers.plan_deployment(members, count=2, name="db")
    assert [s["id"] for s in keep] == ["b", "c"] and [s["id"] for s in delete] == ["a"] and create == []


@pytest.mark.parametrize("count, names, option", [(-1, None, "count"), (None, ["a", "a"], "names"), (None, [""], "names"),
                                                  (None, [], "names")])
def test_bad_deployment_sizes_name_the_option(count, names, option):
    with pytest.raises(ConfigError) as err:
        servers.deployment_names(count, names, "web")
    assert err.value.option == option


def server(**fields):
    base = {"id": "srv-1", "name": "web01", "status": "ACTIVE", servers.TASK_STATE: None, "image": {"id": "img-old"},
            "flavor": {"id": "general1-1"}, "updated": "2026-12-01T00:00:00Z"}
    base.update(fields)
    return base


def test_rebuild_plan_is_idempotent_on_the_current_image_and_refuses_what_nova_would():
    assert servers.plan_rebuild(server(), image(id="img-old")) == "none"
    assert servers.plan_rebuild(server(), image(id="img-old"), force=True) == "rebuild"
    assert servers.plan_rebuild(server(status="ERROR"), image(id="img-old")) == "rebuild"
    assert servers.plan_rebuild(server(status="SHUTOFF"), image(id="img-new")) == "rebuild"
    for broken in (server(status="BUILD"), server(**{servers.TASK_STATE: "image_snapshot"}), server(image="")):
        with pytest.raises(ConfigError) as err:
            servers.plan_rebuild(broken, image(id="img-new"))
        assert err.value.option == "server"


def test_rebuild_body_has_only_the_fields_rackspace_accepts():
    assert servers.rebuild_body("img") == {"imageRef": "img"}
    assert servers.rebuild_body("img", name="n", metadata={}, admin_password="p", disk_config="MANUAL") == {
        "imageRef": "img", "name": "n", "metadata": {}, "adminPass": "p", "OS-DCF:diskConfig": "MANUAL"}
    assert servers.rebuild_target(server(status="SHUTOFF")) == "SHUTOFF"
    assert servers.rebuild_target(server(status="ERROR")) == "ACTIVE"


class SequenceCompute:
    """get_server answers these states in turn (the last one for ever)."""

    def __init__(self, *states):
        self.states = list(states)

    def get_server(self, server_id):
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]


def waiter(*states, timeout=100):
    clock = FakeClock()
    return servers.ServerWaiter(SequenceCompute(*states), timeout=timeout, poll_interval=1, max_poll_interval=1,
                                clock=clock, sleep=clock.sleep), clock


def test_settled_needs_the_task_state_cleared():
    wait, clock = waiter(server(status="BUILD"), server(**{servers.TASK_STATE: "spawning"}), server())
    assert wait.settled("srv-1")["status"] == "ACTIVE" and clock.now == 2


def test_error_fails_at_once_with_the_fault():
    fault = {"code": 500, "message": "Build of instance srv-1 aborted: no bootable device"}
    wait, clock = waiter(server(status="BUILD"), server(status="ERROR", fault=fault))
    with pytest.raises(WaitFailed) as err:
        wait.settled("srv-1")
    assert "no bootable device" in err.value.message and clock.now == 1


def test_an_active_seen_before_the_rebuild_shows_is_not_the_rebuilt_server():
    before = server()
    wait, clock = waiter(server(), server(status="REBUILD", **{servers.TASK_STATE: "rebuilding"}),
                         server(image={"id": "img-new"}, updated="2026-12-02T00:00:00Z"))
    after = wait.settled("srv-1", ready=servers.rebuilt(before, "img-new"))
    assert after["image"]["id"] == "img-new" and clock.now == 2
    wait, clock = waiter(server(), timeout=5)
    with pytest.raises(WaitTimeout):
        wait.settled("srv-1", ready=servers.rebuilt(before, "img-new"))
