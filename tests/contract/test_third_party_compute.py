"""The local cloud's server lifecycle read by a client we did not write: openstacksdk (the dev venv's, the peers' version).

If openstacksdk parses our create, get, list, rebuild, stop/start, delete, flavor, console, instance-action and key pair
answers into the fields it documents, and its waiters see the states it waits for, the shapes are the ones real clients
expect. The guests' sshd is checked with nothing but a socket: the banner is OpenSSH's own.
"""

import socket
import subprocess
import uuid

import pytest
import requests
from openstack import exceptions

from contract.conftest import LocalCloudBackend
from contract.test_third_party_openstacksdk import connect
from localcloud.compute_servers import PUBLIC_NET, SERVICE_NET
from localcloud.seed import CENTOS, UBUNTU, stable_id
from localcloud.server import LocalCloud

# The sdk's warnings about its own internals (tests/CONVENTIONS.md): nothing for these tests to act on.
pytestmark = [pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
              pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning")]

UBUNTU_ID = stable_id("image", "DFW", UBUNTU)
CENTOS_ID = stable_id("image", "DFW", CENTOS)
WAIT = {"interval": 0.1, "wait": 30}


def sdk(cloud, region="DFW"):
    """The openstacksdk connection of test_third_party_openstacksdk (explicit arguments only), as demo in that region."""
    return connect(LocalCloudBackend(cloud, "3"), region=region)


@pytest.fixture(scope="module")
def conn(localcloud):
    return sdk(localcloud)


@pytest.fixture
def name():
    return f"ct-{uuid.uuid4().hex[:8]}"


def image_that_boots(cloud, behaviour, name):
    """A new public image (a copy of the Ubuntu base image's fields) whose servers boot as ``behaviour`` says."""
    response = requests.post(cloud.url + "/_localcloud/images", timeout=10, json={
        "region": "DFW", "owner": "rackspace", "name": name, "visibility": "public", "min_disk": 20, "min_ram": 512, "vm_mode": "hvm",
        "auto_disk_config": "disabled", "localcloud_boot": behaviour})
    response.raise_for_status()
    return response.json()["id"]


def ssh_banner(address, port):
    with socket.create_connection((address, port), timeout=5) as connection:
        return connection.recv(256).decode("ascii", "replace")


def guests(cloud):
    return requests.get(cloud.url + "/_localcloud/state", timeout=10).json()["guests"]


def test_flavors(conn):
    flavors = {flavor.id: flavor for flavor in conn.compute.flavors(details=True)}
    general = flavors["general1-1"]
    assert (general.name, general.ram, general.vcpus, general.disk, general.ephemeral, general.rxtx_factor) == (
        "1 GB General Purpose v1", 1024, 1, 20, 0, 200.0)
    assert flavors["io1-15"].ephemeral == 150 and flavors["compute1-4"].disk == 0
    assert conn.compute.fetch_flavor_extra_specs("memory1-15").extra_specs["class"] == "memory1"
    assert conn.compute.get_flavor("general1-8").ram == 8192


def test_server_lists_page_through_servers_links(conn):
    everything = [server.id for server in conn.compute.servers()]
    assert len(everything) > 3
    assert [server.id for server in conn.compute.servers(details=False, limit=2)] == everything


def test_key_pairs(conn, name):
    made = conn.compute.create_keypair(name=name)
    assert made.private_key.startswith("-----BEGIN") and made.fingerprint and made.public_key.startswith("ssh-rsa ")
    imported = conn.compute.create_keypair(name=name + "-imported", public_key=made.public_key)
    assert imported.fingerprint == made.fingerprint and imported.private_key is None
    assert {name, name + "-imported"} <= {keypair.name for keypair in conn.compute.keypairs()}
    assert conn.compute.get_keypair(name).public_key == made.public_key
    with pytest.raises(exceptions.ConflictException):
        conn.compute.create_keypair(name=name)
    conn.compute.delete_keypair(name)
    conn.compute.delete_keypair(name + "-imported")
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.get_keypair(name)


def ssh(cloud, address, key_file, command):
    """Log in to a guest with OpenSSH's client, as the user its sshd allows."""
    guest = guests(cloud)
    return subprocess.run(["ssh", "-i", str(key_file), "-p", str(guest["ssh_port"]), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                           "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
                           f"{guest['ssh_user']}@{address}", command], capture_output=True, text=True, timeout=30, check=False)


def test_create_wait_console_rebuild_stop_start_delete(conn, localcloud, name, tmp_path):
    key = conn.compute.create_keypair(name=name)
    key_file = tmp_path / "id_rsa"
    key_file.write_text(key.private_key)
    key_file.chmod(0o600)
    server = conn.compute.create_server(name=name, image_id=UBUNTU_ID, flavor_id="general1-1", key_name=name,
                                        networks=[{"uuid": PUBLIC_NET}, {"uuid": SERVICE_NET}], metadata={"opencloud.images:verify": name})
    assert server.admin_password and server.disk_config == "MANUAL"
    server = conn.compute.wait_for_server(server, status="ACTIVE", **WAIT)
    assert server.name == name and server.image.id == UBUNTU_ID and server.flavor.id == "general1-1" and server.key_name == name
    assert server.vm_state == "active" and server.task_state is None and server.power_state == 1 and server.progress == 100
    assert server.metadata == {"opencloud.images:verify": name}
    address = server.access_ipv4
    assert address.startswith("127.0.0.") and server.addresses["public"][0]["addr"] == address
    assert server.addresses["private"][0]["version"] == 4
    assert [found.id for found in conn.compute.servers(name=f"^{name}$")] == [server.id]
    port = guests(localcloud)["ssh_port"]
    assert ssh_banner(address, port).startswith("SSH-2.0-OpenSSH_")
    login = ssh(localcloud, address, key_file, "echo $OPENCLOUD_SERVER_ID $OPENCLOUD_IMAGE_ID")
    assert login.stdout.split() == [server.id, UBUNTU_ID], login.stderr
    output = conn.compute.get_server_console_output(server, length=50)["output"]
    assert f"boots image {UBUNTU_ID}" in output and f"Server listening on {address} port {port}." in output

    rebuilt = conn.compute.rebuild_server(server, CENTOS_ID, name=name + "-r", admin_password="rebuild-SECRET-1")
    assert rebuilt.id == server.id and rebuilt.status == "REBUILD" and rebuilt.image.id == CENTOS_ID
    rebuilt = conn.compute.wait_for_server(rebuilt, status="ACTIVE", **WAIT)
    assert rebuilt.name == name + "-r" and rebuilt.addresses == server.addresses and rebuilt.access_ipv4 == address
    assert ssh(localcloud, address, key_file, "echo $OPENCLOUD_IMAGE_ID").stdout.split() == [CENTOS_ID]  # the key pair stays

    conn.compute.stop_server(server)
    stopped = conn.compute.wait_for_server(server, status="SHUTOFF", **WAIT)
    assert stopped.power_state == 4
    with pytest.raises(OSError):
        ssh_banner(address, port)
    conn.compute.start_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", **WAIT)
    actions = [action.action for action in conn.compute.server_actions(server)]
    assert actions == ["start", "stop", "rebuild", "create"]

    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, **WAIT)
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.find_server(server.id, ignore_missing=False)
    with pytest.raises(OSError):
        ssh_banner(address, port)
    conn.compute.delete_keypair(key)


def test_a_build_that_fails_is_a_resource_failure_with_the_fault(conn, localcloud, name):
    image_id = image_that_boots(localcloud, "fail", name)
    server = conn.compute.create_server(name=name, image_id=image_id, flavor_id="general1-1")
    with pytest.raises(exceptions.ResourceFailure):
        conn.compute.wait_for_server(server, status="ACTIVE", **WAIT)
    failed = conn.compute.get_server(server.id)
    assert failed.status == "ERROR" and failed.fault["code"] == 500 and "Failed to boot the guest" in failed.fault["message"]
    assert "Kernel panic" in conn.compute.get_server_console_output(failed)["output"]
    conn.compute.delete_server(failed)
    conn.compute.wait_for_delete(failed, **WAIT)


def test_an_image_that_boots_without_ssh_is_active_but_nothing_answers(conn, localcloud, name):
    server = conn.compute.create_server(name=name, image_id=image_that_boots(localcloud, "no-ssh", name), flavor_id="general1-1")
    server = conn.compute.wait_for_server(server, status="ACTIVE", **WAIT)
    with pytest.raises(OSError):
        ssh_banner(server.access_ipv4, guests(localcloud)["ssh_port"])
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, **WAIT)


def test_bad_requests_are_sdk_bad_requests_with_novas_message(conn, name):
    with pytest.raises(exceptions.BadRequestException) as err:
        conn.compute.create_server(name=name, image_id=UBUNTU_ID, flavor_id="general1-1", disk_config="AUTO")
    assert f"Requested image {UBUNTU_ID} has automatic disk resize disabled." in str(err.value)
    with pytest.raises(exceptions.ForbiddenException) as err:
        conn.compute.create_server(name=name, image_id=UBUNTU_ID, flavor_id="compute1-4")
    assert "Only volume-backed servers are allowed for flavors with zero disk." in str(err.value)
    assert not list(conn.compute.servers(name=f"^{name}$"))


def test_rate_limits_reach_the_sdk_as_413_with_retry_after(name):
    with LocalCloud(config={"rate_limits": [{"method": "POST", "uri": "/servers *", "regex": "^/servers$", "value": 1, "unit": "DAY"}],
                            "guest_sshd": False}) as cloud:
        connection = sdk(cloud)
        connection.compute.create_server(name=name, image_id=UBUNTU_ID, flavor_id="general1-1")
        with pytest.raises(exceptions.HttpException) as err:
            connection.compute.create_server(name=name + "-2", image_id=UBUNTU_ID, flavor_id="general1-1")
        assert err.value.status_code == 413 and int(err.value.response.headers["Retry-After"]) > 86000
        assert err.value.response.json()["overLimit"]["details"] == "Only 1 POST request(s) can be made to /servers * every DAY."
        assert connection.compute.get_flavor("2").ram == 512  # GETs are not limited by that rule


def test_iad_has_flavors_and_builds_servers(localcloud, name):
    connection = sdk(localcloud, "IAD")
    assert "general1-1" in {flavor.id for flavor in connection.compute.flavors()}
    server = connection.compute.create_server(name=name, image_id=stable_id("image", "IAD", UBUNTU), flavor_id="general1-1")
    assert connection.compute.wait_for_server(server, status="ACTIVE", **WAIT).image.id == stable_id("image", "IAD", UBUNTU)
    assert [found.name for found in connection.compute.servers()] == [name]
    connection.compute.delete_server(server)
    connection.compute.wait_for_delete(server, **WAIT)
