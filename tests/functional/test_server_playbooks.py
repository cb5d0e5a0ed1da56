"""The way back through ansible-playbook against the local cloud: image_verify (pass over SSH, a port that never opens,
a build that ends in ERROR, the sweep after a killed run), server (count changes, a same-named server left alone) and
server_rebuild (in place, idempotent, latest_verified).

The local cloud's servers boot for real enough: each ACTIVE server made by POST /servers has its own 127.0.0.N and an
sshd on the cloud's ssh_port that takes the server's key pair (tests/CONVENTIONS.md); the image property
``localcloud_boot`` makes a build fail or the port stay shut.
"""

import os
import signal
import subprocess
import time
import uuid

from playbook_support import control, guests, key_pair, own_image, play, playbook_command

FAST = {"poll_interval": 0.2}


def servers_of(cloud, **metadata):
    return [s for s in control(cloud, "GET", "state")["servers"]["DFW"].values()
            if all(s["metadata"].get(k) == v for k, v in metadata.items()) and s["task_state"] != "deleting"]


def descendants(pid):
    """Every process below ``pid``: Ansible starts a module in a session of its own, so killing the play's process
    group leaves the module running (and it cleans up after itself); a module killed outright is what leaves debris."""
    parents = {}
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % entry) as stat:
                parents.setdefault(int(stat.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
        except (ValueError, OSError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found.extend(children)
        todo.extend(children)
    return found


def verify_task(image_id, **args):
    return {"name": "verify", "opencloud.images.image_verify": dict(FAST, image=image_id, **dict({"check_timeout": 3}, **args))}


def test_verify_over_ssh_passes_records_and_deletes_the_server(localcloud, playbook, tmp_path):
    image = own_image(localcloud)
    name, key = key_pair(localcloud, tmp_path)
    control(localcloud, "DELETE", "requests")
    run = playbook(play(localcloud, verify_task(image["id"], port=guests(localcloud)["ssh_port"], key_name=name,
                                                ssh_user=guests(localcloud)["ssh_user"], ssh_private_key=key,
                                                ssh_command="echo $OPENCLOUD_IMAGE_ID", expected_output=image["id"])))
    assert run.rc == 0, run.output
    result = run.results()["verify"]
    assert result["result"] == "passed" and result["check"] == "ssh" and result["deleted"] and result["recorded"]
    assert result["address"].startswith("127.0.0.") and result["boot_seconds"] > 0
    stored = control(localcloud, "GET", "state")["images"]["DFW"][image["id"]]
    assert stored["opencloud.images.verified_result"] == "passed" and stored["opencloud.images.verified_at"].endswith("Z")
    assert servers_of(localcloud, **{"opencloud.images.verify": image["id"]}) == []
    log = [r for r in control(localcloud, "GET", "requests")["requests"] if r["service"] in ("compute", "image")]
    print("\nimage_verify: %d API requests, %.1f s beyond the boot (%.1f s boot)" % (
        len(log), result["seconds"] - result["boot_seconds"], result["boot_seconds"]))
    assert [r["method"] for r in log if "/servers" in r["path"]].count("POST") == 1


def test_verify_of_an_image_that_never_opens_the_port_fails_with_diagnostics(localcloud, playbook):
    image = own_image(localcloud, boot="no-ssh")
    run = playbook(play(localcloud, verify_task(image["id"], port=guests(localcloud)["ssh_port"], check_timeout=1)))
    assert run.rc != 0
    result = run.results()["verify"]
    assert result["result"] == "failed" and "tcp check did not pass within 1 s" in result["msg"]
    assert "refused" in result["reason"].lower() and result["deleted"]
    assert result["diagnostics"]["console_output"] and result["diagnostics"]["instance_actions"][0]["action"] == "create"
    assert control(localcloud, "GET", "state")["images"]["DFW"][image["id"]]["opencloud.images.verified_result"] == "failed"
    assert servers_of(localcloud, **{"opencloud.images.verify": image["id"]}) == []


def test_verify_of_an_image_that_does_not_boot_fails_at_once_with_the_fault(localcloud, playbook):
    image = own_image(localcloud, boot="fail")
    started = time.monotonic()
    run = playbook(play(localcloud, verify_task(image["id"], boot_timeout=120)))
    assert run.rc != 0 and time.monotonic() - started < 60
    result = run.results()["verify"]
    assert "no bootable device" in result["msg"] and result["diagnostics"]["fault"]["code"] == 500
    assert "panic" in result["diagnostics"]["console_output"].lower()
    assert result["deleted"] and servers_of(localcloud, **{"opencloud.images.verify": image["id"]}) == []


def interrupt_once_the_server_exists(cloud, tmp_path, image, task, number):
    """Run the play, and once its throwaway server exists send ``number`` to the module's own process (Ansible starts a
    module in a session of its own, so signals to the play's process group do not reach it); the play's process is
    killed if it is still there after the module has ended."""
    command, env, _cache, _results = playbook_command(tmp_path, play(cloud, task))
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not servers_of(cloud, **{"opencloud.images.verify": image["id"]}):
            assert process.poll() is None and time.monotonic() < deadline, "the play never made its server"
            time.sleep(0.1)
        module = [pid for pid in descendants(process.pid) if b"AnsiballZ_image_verify" in command_line(pid).split(b"\0")[1]]
        assert len(module) == 1, "one module process"
        os.kill(module[0], number)
        while os.path.exists("/proc/%d" % module[0]) and b"AnsiballZ" in command_line(module[0]):
            assert time.monotonic() < deadline + 30, "the module did not end"
            time.sleep(0.1)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def command_line(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as cmdline:
            return cmdline.read() + b"\0"
    except OSError:
        return b"\0"


def test_a_verify_stopped_by_sigterm_deletes_its_server_on_the_way_out(localcloud, tmp_path):
    image = own_image(localcloud, boot="no-ssh")
    task = verify_task(image["id"], port=guests(localcloud)["ssh_port"], check_timeout=60, poll_interval=30)
    interrupt_once_the_server_exists(localcloud, tmp_path, image, task, signal.SIGTERM)
    assert servers_of(localcloud, **{"opencloud.images.verify": image["id"]}) == []


def test_a_verify_killed_outright_leaves_a_tagged_server_that_the_next_run_sweeps(localcloud, playbook, tmp_path):
    image = own_image(localcloud, boot="no-ssh")
    task = verify_task(image["id"], port=guests(localcloud)["ssh_port"], boot_timeout=1, check_timeout=1, sweep_grace=0,
                       poll_interval=30)
    interrupt_once_the_server_exists(localcloud, tmp_path, image, task, signal.SIGKILL)
    left = servers_of(localcloud, **{"opencloud.images.verify": image["id"]})
    assert len(left) == 1, "SIGKILL leaves the tagged server"
    time.sleep(2.5)  # past the killed run's deadline (boot_timeout + check_timeout)
    other = own_image(localcloud, boot="no-ssh")
    run = playbook(play(localcloud, verify_task(other["id"], port=guests(localcloud)["ssh_port"], check_timeout=1, sweep_grace=0)))
    assert [s["id"] for s in run.results()["verify"]["swept"]] == [left[0]["id"]]
    assert servers_of(localcloud, **{"opencloud.images.verify": image["id"]}) == []


def test_count_changes_a_same_named_server_without_the_marker_and_a_rate_limit(localcloud, playbook):
    """One server create a second is allowed: the second create is refused 413 with Retry-After and sent again then."""
    image = own_image(localcloud)
    name = "dep-%s" % uuid.uuid4().hex[:6]
    stranger = control(localcloud, "POST", "servers", json={"region": "DFW", "owner": "100001", "name": name + "-1"})

    def deploy(count, state="present"):
        return {"name": "deploy %s" % count, "opencloud.images.server": dict(FAST, name=name, count=count, image=image["id"],
                                                                             state=state)}
    control(localcloud, "DELETE", "requests")
    control(localcloud, "POST", "config", json={"rate_limits": [
        {"method": "POST", "uri": "/servers", "regex": "^/servers$", "value": 1, "unit": "SECOND"}]})
    try:
        run = playbook(play(localcloud, deploy(2), deploy(2), deploy(1), {"name": "gone", "opencloud.images.server": {
            "deployment": name, "state": "absent"}}))
    finally:
        control(localcloud, "POST", "config", json={"rate_limits": []})
    assert run.rc == 0, run.output
    creates = [r["status"] for r in control(localcloud, "GET", "requests")["requests"]
               if r["method"] == "POST" and r["path"].endswith("/servers")]
    assert creates == [202, 413, 202], creates
    results = run.results()
    two = results["deploy 2"]  # the second run of the same task is the one recorded
    assert not two["changed"] and sorted(s["name"] for s in two["servers"]) == [name + "-1", name + "-2"]
    assert all(s["status"] == "ACTIVE" and s["addresses"]["public"] for s in two["servers"])
    assert results["deploy 1"]["changed"] and [s["name"] for s in results["deploy 1"]["deleted"]] == [name + "-2"]
    assert results["gone"]["changed"] and results["gone"]["servers"] == []
    assert servers_of(localcloud, **{"opencloud.images.deployment": name}) == []
    assert control(localcloud, "GET", "state")["servers"]["DFW"][stranger["id"]]["task_state"] != "deleting"


def test_rebuild_in_place_is_idempotent_and_takes_the_latest_verified_image(localcloud, playbook):
    first, second = own_image(localcloud), own_image(localcloud)
    name = "rb-%s" % uuid.uuid4().hex[:6]
    run = playbook(play(
        localcloud,
        {"name": "deploy", "opencloud.images.server": dict(FAST, name=name, count=1, image=first["id"])},
        {"name": "image it", "register": "made", "opencloud.images.image_create": {
            "server": name + "-1", "name": name + "-image", "poll_interval": 0.2, "max_poll_interval": 0.5}},
        {"name": "verify", "opencloud.images.image_verify": dict(FAST, image="{{ made.image_id }}", port=guests(localcloud)["ssh_port"])},
        {"name": "rebuild", "opencloud.images.server_rebuild": dict(FAST, server=name + "-1", image=second["id"], confirm=True)},
        {"name": "again", "opencloud.images.server_rebuild": dict(FAST, server=name + "-1", image=second["id"], confirm=True)},
        {"name": "restore", "opencloud.images.server_rebuild": dict(FAST, server=name + "-1", image="latest_verified", confirm=True)},
    ))
    assert run.rc == 0, run.output
    r = run.results()
    deployed = r["deploy"]["servers"][0]
    assert r["rebuild"]["changed"] and r["rebuild"]["old_image_id"] == first["id"] and r["rebuild"]["new_image_id"] == second["id"]
    assert r["rebuild"]["server"]["id"] == deployed["id"] and r["rebuild"]["server"]["addresses"] == deployed["addresses"]
    assert r["rebuild"]["server"]["status"] == "ACTIVE" and r["rebuild"]["server"]["task_state"] is None
    assert not r["again"]["changed"] and r["again"]["action"] == "none"
    assert r["restore"]["changed"] and r["restore"]["new_image_id"] == r["image it"]["image_id"]
