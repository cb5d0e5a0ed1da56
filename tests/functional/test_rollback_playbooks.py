"""The pipeline's way back through ansible-playbook against the local cloud: the pre-deploy hook per host (image and
MySQL backup recorded), restore_server (rebuild, then a real MariaDB restore over the guest's sshd), verify_images and
adopt_shared_image.

The "server" is a local cloud guest: its own 127.0.0.N with a real sshd that takes the server's key pair and logs in
as the user running the tests (tests/CONVENTIONS.md), so the backup and restore roles run on it over SSH, against
one private MariaDB for the file (tests/mariadb/start.sh).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
import yaml

from playbook_support import (
    CONSUMER, CONSUMER_API_KEY, DEMO_API_KEY, compute_api, control, guests, key_pair, own_image, play, resources,
)

HERE = os.path.dirname(os.path.abspath(__file__))
MARIADB = os.path.join(os.path.dirname(HERE), "mariadb")
FAST_IMAGES = {"image_poll_interval": 0.2, "image_max_poll_interval": 0.5}


def playbook_of(name):
    return "- ansible.builtin.import_playbook: opencloud.images.%s\n" % name


def account_env(cloud, username="demo", api_key=DEMO_API_KEY):
    return {"RAX_AUTH_URL": cloud.url + "/identity/v2.0", "RAX_USERNAME": username, "RAX_API_KEY": api_key,
            "RAX_REGION": "DFW"}


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("mariadb")
    subprocess.run(["bash", os.path.join(MARIADB, "start.sh"), str(run_dir)], check=True, capture_output=True)
    try:
        yield json.loads((run_dir / "mariadb.json").read_text())
    finally:
        subprocess.run(["bash", os.path.join(MARIADB, "stop.sh"), str(run_dir)], check=False, capture_output=True)


def sql(mariadb, statements):
    return subprocess.run(["mariadb", "--no-defaults", "--socket=" + mariadb["socket"], "--user=" + mariadb["socket_user"],
                           "--batch", "--skip-column-names", "--execute=" + statements],
                          check=True, capture_output=True, text=True).stdout


def guest_server(cloud, tmp_path):
    """A server built by POST /servers with a new key pair, once its sshd listens: {id, name, address, key, image}."""
    image = own_image(cloud)
    key_name, key = key_pair(cloud, tmp_path)
    name = "app-%s" % uuid.uuid4().hex[:8]
    server = compute_api(cloud, "POST", "/servers", json={"server": {
        "name": name, "imageRef": image["id"], "flavorRef": "general1-1", "key_name": key_name}})["server"]
    listening(cloud, server["id"])
    return {"id": server["id"], "name": name, "key": key, "key_name": key_name, "image": image["id"],
            "address": guests(cloud)["servers"][server["id"]]["address"]}


def listening(cloud, server_id):
    """The guest's entry once its sshd listens."""
    deadline = time.monotonic() + 30
    while not guests(cloud)["servers"].get(server_id, {}).get("listening"):
        assert time.monotonic() < deadline, "the guest's sshd never listened"
        time.sleep(0.1)
    return guests(cloud)["servers"][server_id]


@pytest.fixture
def ssh_control_dir():
    """A short directory for ssh's control sockets (removed after the test): a Unix socket path must stay under 108
    bytes, and one under pytest's tmp_path does not on every machine (/tmp/pytest-of-root/pytest-291/popen-gw3/...)."""
    path = tempfile.mkdtemp(prefix="oc-ssh-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def inventory(cloud, tmp_path, guest, mariadb, database, control_dir):
    """The group app: the guest reached over its sshd, its MariaDB (one database of it) backed up and restored."""
    login = {"login_unix_socket": mariadb["socket"], "login_user": mariadb["socket_user"]}
    host = {"ansible_connection": "ssh", "ansible_host": guest["address"], "ansible_port": guests(cloud)["ssh_port"],
            "ansible_user": guests(cloud)["ssh_user"], "ansible_ssh_private_key_file": guest["key"],
            # a rebuild makes a new host key; %C: a 40-character hash of the connection, in a short directory
            "ansible_ssh_args": "-o ControlMaster=auto -o ControlPersist=5s -o ControlPath=%s/%%C "
                                "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null" % control_dir,
            "ansible_python_interpreter": sys.executable, "ansible_pipelining": True,
            "server_image_mysql": "always", "mysql_backup_dir": str(tmp_path / "backups"),
            # the guest is this machine, where the tests' own PostgreSQL may run: not this host's database
            "server_image_postgresql": "never",
            "mysql_backup_databases": [database]}
    host.update(("mysql_backup_" + k, v) for k, v in login.items())
    host.update(("mysql_restore_" + k, v) for k, v in login.items())
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump({"app": {"hosts": {guest["name"]: host}}}))
    return str(path)


def run_json(playbook, cloud, name, tmp_path, inventory_file, variables, env=None):
    """One run of a collection playbook with a summary file: (run, summary or None, summary path)."""
    summary = tmp_path / ("%s-%s.json" % (name, uuid.uuid4().hex[:6]))
    key = "restore_summary_file" if name == "restore_server" else "summary_file"
    args = (["-i", inventory_file] if inventory_file else []) + ["-e", json.dumps(dict(variables, **{key: str(summary)}))]
    run = playbook(playbook_of(name), env=env or account_env(cloud), args=args)
    assert DEMO_API_KEY not in run.output and CONSUMER_API_KEY not in run.output
    return run, (json.loads(summary.read_text()) if summary.exists() else None), str(summary)


def server_state(cloud, server_id):
    return control(cloud, "GET", "state")["servers"]["DFW"][server_id]


def test_hook_then_deploy_damage_then_restore_brings_the_data_back(localcloud, playbook, mariadb, tmp_path, ssh_control_dir):
    guest = guest_server(localcloud, tmp_path)
    database = "shop_%s" % uuid.uuid4().hex[:6]
    sql(mariadb, "CREATE DATABASE %s CHARACTER SET latin1; CREATE TABLE %s.items (id INT PRIMARY KEY, name VARCHAR(20)) "
                 "ENGINE=InnoDB; INSERT INTO %s.items VALUES (1, 'caf\u00e9'), (2, 'tea');" % (database, database, database))
    hosts = inventory(localcloud, tmp_path, guest, mariadb, database, ssh_control_dir)

    hook, recorded, recorded_file = run_json(playbook, localcloud, "predeploy_hook", tmp_path, hosts, dict(FAST_IMAGES, target="app"))
    assert hook.rc == 0, hook.output
    entry = recorded["hosts"][guest["name"]]
    assert recorded["status"] == "succeeded" and entry["status"] == "succeeded" and entry["error"] is None
    assert entry["server"] == {"id": guest["id"], "name": guest["name"]} and entry["image"]["action"] == "created"
    assert entry["backup"]["databases"] == [database] and os.path.isfile(entry["backup"]["manifest"])
    assert entry["backup"]["manifest"] == os.path.join(entry["backup"]["run_dir"], "manifest.json")
    image = control(localcloud, "GET", "state")["images"]["DFW"][entry["image"]["id"]]
    assert image["mysql_backup_run"] == entry["backup"]["run_dir"], "the image names its backup run"
    old_sshd = guests(localcloud)["servers"][guest["id"]]["pid"]

    # The deploy goes wrong: the rows are gone, a bad one is added.
    sql(mariadb, "DELETE FROM %s.items; INSERT INTO %s.items VALUES (3, 'bad');" % (database, database))
    restore = {"target": "app", "confirm": True, "rebuild_poll_interval": 0.2, "health_check_delay": 1}
    run, restored, _path = run_json(playbook, localcloud, "restore_server", tmp_path, hosts,
                                    dict(restore, summary_file=recorded_file))
    assert run.rc == 0, run.output
    done = restored["hosts"][guest["name"]]
    assert restored["status"] == "succeeded" and done["status"] == "succeeded", restored
    assert done["image"] == {"id": entry["image"]["id"], "name": entry["image"]["name"], "action": "rebuilt",
                             "source": "summary"}
    assert done["backup"]["run_dir"] == entry["backup"]["run_dir"] and done["backup"]["databases"] == [database]
    assert done["backup"]["tables_compared"] == 1 and done["health"] == ["database"]
    assert sql(mariadb, "SELECT id, name FROM %s.items ORDER BY id" % database) == "1\tcaf\u00e9\n2\ttea\n"
    assert sql(mariadb, "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='%s'"
               % database) == "latin1\n"
    assert server_state(localcloud, guest["id"])["image_id"] == entry["image"]["id"]
    assert listening(localcloud, guest["id"])["pid"] != old_sshd, "the rebuilt guest has a new sshd"

    # Verified overnight, the image is the one a rollback without a summary takes, with the backup run it names.
    verify_options = {"port": guests(localcloud)["ssh_port"], "key_name": guest["key_name"], "ssh_private_key": guest["key"],
                      "ssh_user": guests(localcloud)["ssh_user"], "ssh_command": "echo $OPENCLOUD_IMAGE_ID",
                      "expected_output": entry["image"]["id"], "poll_interval": 0.2, "check_timeout": 5}
    run, verified, _path = run_json(playbook, localcloud, "verify_images", tmp_path, hosts,
                                    {"target": "app", "verify_options": verify_options})
    assert run.rc == 0, run.output
    assert verified["verified"] == [guest["name"]] and verified["servers"][guest["name"]]["image"]["id"] == entry["image"]["id"]
    sql(mariadb, "DROP TABLE %s.items;" % database)
    run, restored, _path = run_json(playbook, localcloud, "restore_server", tmp_path, hosts, restore)
    assert run.rc == 0, run.output
    done = restored["hosts"][guest["name"]]
    assert done["image"]["source"] == "latest_verified" and done["image"]["id"] == entry["image"]["id"]
    assert done["image"]["action"] == "none", "the server runs that image already"
    assert done["backup"]["run_dir"] == entry["backup"]["run_dir"]
    assert sql(mariadb, "SELECT COUNT(*) FROM %s.items" % database) == "2\n"


def test_hook_per_host_records_each_failed_host_and_fails_the_job(localcloud, playbook, tmp_path):
    """A host the role refuses (boot from volume) and one that never answers: both in the summary, the job failed."""
    hosts = tmp_path / "inventory.yml"
    hosts.write_text(yaml.safe_dump({"app": {"hosts": {
        "bfv01": {"ansible_connection": "local", "server_image_mysql": "never"},
        "gone": {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 9,
                 "ansible_ssh_args": "-o ControlMaster=no"}}}}))
    before = resources(localcloud)
    run, summary, _path = run_json(playbook, localcloud, "predeploy_hook", tmp_path, str(hosts),
                                   dict(FAST_IMAGES, target="app", connect_timeout=1))
    assert run.rc != 0 and summary["status"] == "failed" and sorted(summary["hosts"]) == ["bfv01", "gone"]
    refused, gone = summary["hosts"]["bfv01"], summary["hosts"]["gone"]
    assert refused["status"] == "failed" and "boots from a volume" in refused["error"]["message"]
    assert refused["server"]["name"] == "bfv01" and refused["image"] is None and refused["backup"] is None
    assert gone["status"] == "failed" and gone["error"]["task"] == "Wait for the host to answer" and gone["server"] is None
    assert summary["error"]["message"] == "failed on bfv01, gone" and summary["server"] is None
    assert resources(localcloud) == before


def test_restore_needs_confirm_and_refuses_another_servers_entry_before_any_rebuild(localcloud, playbook, tmp_path):
    server = control(localcloud, "POST", "servers", json={"region": "DFW", "owner": "100001", "name": "db-%s" % uuid.uuid4().hex[:6]})
    other = control(localcloud, "POST", "servers", json={"region": "DFW", "owner": "100001", "name": "db-%s" % uuid.uuid4().hex[:6]})
    image = own_image(localcloud, instance_uuid=other["id"])
    hosts = tmp_path / "inventory.yml"
    hosts.write_text(yaml.safe_dump({"app": {"hosts": {server["name"]: {"ansible_host": "127.0.0.1"}}}}))
    summary = tmp_path / "predeploy-summary.json"
    summary.write_text(json.dumps({"version": 1, "status": "succeeded", "check_mode": False, "server": None, "image": None,
                                   "hosts": {server["name"]: {"status": "succeeded", "server": {"id": other["id"], "name": other["name"]},
                                                              "image": {"id": image["id"], "status": "active"}, "backup": None}}}))
    before = server_state(localcloud, server["id"])["image_id"]
    control(localcloud, "DELETE", "requests")

    run, restored, _path = run_json(playbook, localcloud, "restore_server", tmp_path, str(hosts), {"target": "app", "summary_file": str(summary)})
    assert run.rc != 0 and restored["status"] == "failed" and "confirm=true" in restored["error"]["message"]
    run, restored, _path = run_json(playbook, localcloud, "restore_server", tmp_path, str(hosts),
                                    {"target": "app", "summary_file": str(summary), "confirm": True})
    assert run.rc != 0, run.output
    refused = restored["hosts"][server["name"]]
    assert refused["status"] == "failed" and refused["image"] is None
    assert "does not match" in refused["error"]["message"] and other["id"] in refused["error"]["message"]
    assert not [r for r in control(localcloud, "GET", "requests")["requests"] if r["path"].endswith("/action")]
    assert server_state(localcloud, server["id"])["image_id"] == before


def test_verify_images_summarises_a_good_and_a_failing_image(localcloud, playbook, tmp_path):
    good, bad = (control(localcloud, "POST", "servers", json={"region": "DFW", "owner": "100001", "name": "nightly-%s" % uuid.uuid4().hex[:6]})
                 for _copy in range(2))
    own_image(localcloud, boot="fail", instance_uuid=good["id"], created_at="2026-11-01T03:00:00Z")
    newest = own_image(localcloud, instance_uuid=good["id"], created_at="2026-11-02T03:00:00Z")
    broken = own_image(localcloud, boot="fail", instance_uuid=bad["id"])
    run, summary, _path = run_json(playbook, localcloud, "verify_images", tmp_path, None, {
        "servers": "%s, %s" % (good["name"], bad["id"]),
        "verify_options": {"port": guests(localcloud)["ssh_port"], "poll_interval": 0.2, "check_timeout": 3}})
    assert run.rc != 0 and summary["status"] == "failed"
    assert summary["verified"] == [good["name"]] and summary["failed"] == [bad["id"]]
    passed, failed = summary["servers"][good["name"]], summary["servers"][bad["id"]]
    assert passed["image"]["id"] == newest["id"] and passed["result"] == "passed" and passed["boot_seconds"] > 0
    assert failed["image"]["id"] == broken["id"] and failed["result"] == "failed"
    assert "no bootable device" in failed["reason"] and failed["boot_seconds"] is None
    images = control(localcloud, "GET", "state")["images"]["DFW"]
    assert images[newest["id"]]["opencloud.images.verified_result"] == "passed"
    assert images[broken["id"]]["opencloud.images.verified_result"] == "failed"


def test_adopt_shared_image_makes_the_consumer_its_own_and_always_deletes_the_server(localcloud, playbook, tmp_path):
    shared, broken = own_image(localcloud), own_image(localcloud, boot="fail")
    accept = dict(CONSUMER, auth_url=localcloud.url + "/identity/v2.0")
    run = playbook(play(localcloud, *[{"name": "share %d" % n, "opencloud.images.image_share": {
        "image": image["id"], "members": ["100002"], "consumer": accept}} for n, image in enumerate((shared, broken))]))
    assert run.rc == 0, run.output
    consumer = account_env(localcloud, "consumer", CONSUMER_API_KEY)
    name = "mine-%s" % uuid.uuid4().hex[:6]
    fast = {"server_poll_interval": 0.2, "image_poll_interval": 0.2, "image_max_poll_interval": 0.5}
    run = playbook(playbook_of("adopt_shared_image"), env=consumer, args=["-e", json.dumps(dict(
        fast, image=shared["id"], image_name=name, server_name=name + "-tmp"))])
    assert run.rc == 0, run.output
    state = control(localcloud, "GET", "state")
    mine = [i for i in state["images"]["DFW"].values() if i["name"] == name]
    assert len(mine) == 1 and mine[0]["owner"] == "100002" and mine[0]["status"] == "active"
    assert mine[0]["adopted_from"] == shared["id"]
    assert left_servers(localcloud, name + "-tmp") == []

    run = playbook(playbook_of("adopt_shared_image"), env=consumer, args=["-e", json.dumps(dict(
        fast, image=broken["id"], image_name=name + "-2", server_name=name + "-tmp2"))])
    assert run.rc != 0 and "no bootable device" in run.output
    assert left_servers(localcloud, name + "-tmp2") == [], "the server of a failed adoption is deleted too"
    assert not [i for i in control(localcloud, "GET", "state")["images"]["DFW"].values() if i["name"] == name + "-2"]


def left_servers(cloud, deployment):
    return [s["id"] for region in control(cloud, "GET", "state")["servers"].values() for s in region.values()
            if s["metadata"].get("opencloud.images.deployment") == deployment and s["task_state"] != "deleting"]
