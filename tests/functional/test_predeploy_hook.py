"""The pre-deploy hook (playbooks/predeploy_hook.yml) as a CI job runs it: extra vars in, exit code and summary out.

Credentials come from the environment, as a pipeline's secrets do (RAX_*, and OPENCLOUD_CONSUMER_* to accept).
"""

import json
import os
import re
import uuid

import pytest
import yaml

from playbook_support import CONSUMER_API_KEY, DEMO_API_KEY, control, resources

HOOK = "- ansible.builtin.import_playbook: opencloud.images.predeploy_hook\n"
FAST = {"image_poll_interval": 0.2, "image_max_poll_interval": 0.5}


def owner_env(cloud):
    return {"RAX_AUTH_URL": cloud.url + "/identity/v2.0", "RAX_USERNAME": "demo", "RAX_API_KEY": DEMO_API_KEY,
            "RAX_REGION": "DFW"}


def consumer_env(cloud):
    return {"OPENCLOUD_CONSUMER_AUTH_URL": cloud.url + "/identity/v2.0", "OPENCLOUD_CONSUMER_USERNAME": "consumer",
            "OPENCLOUD_CONSUMER_API_KEY": CONSUMER_API_KEY}


def hook(playbook, cloud, tmp_path, extra_vars, env=None, args=()):
    """Run the hook as a pipeline would; returns the run and the summary (None when no file was written)."""
    summary = tmp_path / ("summary-%s.json" % uuid.uuid4().hex[:6])
    variables = dict(FAST, summary_file=str(summary), **extra_vars)
    run = playbook(HOOK, env=dict(owner_env(cloud), **(env or {})), args=["-e", json.dumps(variables)] + list(args))
    for secret in (DEMO_API_KEY, CONSUMER_API_KEY):
        assert secret not in run.output
        assert not summary.exists() or secret not in summary.read_text()
    return run, (json.loads(summary.read_text()) if summary.exists() else None)


def new_server(cloud):
    return control(cloud, "POST", "servers", json={"region": "DFW", "owner": "100001", "name": "app-%s" % uuid.uuid4().hex[:8]})


def test_images_shares_accepts_prunes_and_summarises(localcloud, playbook, tmp_path):
    server = new_server(localcloud)
    # Two images of earlier deploys, made by this collection (its markers) on two earlier days.
    first, second = (control(localcloud, "POST", "images", json={
        "region": "DFW", "owner": "100001", "name": "%s-build-%d" % (server["name"], n), "instance_uuid": server["id"],
        "created_at": "2026-11-0%dT03:00:00Z" % n, "opencloud.images.created_by": "opencloud.images",
        "opencloud.images.server": server["id"]})["id"] for n in (1, 2))
    request = {"server": server["name"], "image_name": "{server}-build-3", "retention": 2,
               "share_targets": "100002, 100003", "image_metadata": {"com.example.commit": "abc123"}}
    run, summary = hook(playbook, localcloud, tmp_path, request, env=consumer_env(localcloud))
    assert run.rc == 0, run.output
    assert summary["status"] == "succeeded" and summary["error"] is None and summary["check_mode"] is False
    assert summary["server"] == {"id": server["id"], "name": server["name"]}
    image = summary["image"]
    assert image["name"] == server["name"] + "-build-3" and image["action"] == "created" and image["status"] == "active"
    assert summary["shared"]["members"] == [{"member_id": "100002", "status": "accepted"},
                                            {"member_id": "100003", "status": "pending"}]
    assert [p["id"] for p in summary["pruned"]] == [first] and "newest 2" in summary["pruned"][0]["reason"]
    assert sorted(summary["kept"]) == sorted([second, image["id"]])
    assert summary["request"]["share_targets"] == ["100002", "100003"] and summary["request"]["retention"] == 2
    assert summary["request"]["consumer_accepts"] is True
    images = control(localcloud, "GET", "state")["images"]["DFW"]
    assert first not in images and second in images

    # A retried job (the same name) finds its image instead of making another, and has nothing left to prune.
    again, summary = hook(playbook, localcloud, tmp_path, request, env=consumer_env(localcloud))
    assert again.rc == 0, again.output
    assert summary["image"]["id"] == image["id"] and summary["image"]["action"] == "reused"
    assert summary["pruned"] == [] and not any(m["status"] == "rejected" for m in summary["shared"]["members"])


def test_default_name_no_sharing_no_retention(localcloud, playbook, tmp_path):
    server = new_server(localcloud)
    run, summary = hook(playbook, localcloud, tmp_path, {"server": server["id"]})
    assert run.rc == 0, run.output
    assert summary["image"]["name"].startswith(server["name"] + "-predeploy-2")
    assert summary["shared"] is None and summary["pruned"] == [] and summary["request"]["retention"] is None


def test_check_mode_plans_and_still_writes_the_summary(localcloud, playbook, tmp_path):
    server = new_server(localcloud)
    before = resources(localcloud)
    run, summary = hook(playbook, localcloud, tmp_path, {"server": server["name"], "retention": 1, "share_targets": ["100002"]},
                        args=["--check"])
    assert run.rc == 0, run.output
    assert summary["check_mode"] is True and summary["status"] == "succeeded"
    assert summary["image"]["action"] == "create" and summary["image"]["id"] is None
    assert resources(localcloud) == before


def test_a_failure_exits_non_zero_with_the_reason_in_the_summary(localcloud, playbook, tmp_path):
    run, summary = hook(playbook, localcloud, tmp_path, {"server": "bfv01", "retention": 3})
    assert run.rc != 0
    assert summary["status"] == "failed" and summary["image"] is None and summary["pruned"] == []
    assert summary["error"]["task"] == "Create the image (or find the one this request made)"
    assert "boots from a volume" in summary["error"]["message"]
    assert summary["server"]["name"] == "bfv01"


def test_bad_credentials_fail_the_job(localcloud, playbook, tmp_path):
    run, summary = hook(playbook, localcloud, tmp_path, {"server": "web01"}, env={"RAX_API_KEY": "not-the-key-SECRET"})
    assert run.rc != 0 and summary["status"] == "failed" and "rejected the credentials" in summary["error"]["message"]
    assert "not-the-key-SECRET" not in run.output


@pytest.mark.parametrize("extra_vars, env, wanted", [
    ({"retention": 2}, {}, "server is defined"),
    ({"server": "web01", "retention": 0}, {}, "int >= 1"),
    ({"server": "web01", "retention_days": 30}, {}, "retention_days is not defined or predeploy_retention is not none"),
    ({"server": "web01", "share_targets": ""}, {"OPENCLOUD_CONSUMER_USERNAME": "consumer"}, "predeploy_targets | length > 0"),
], ids=["no server", "retention 0", "days without retention", "consumer without targets"])
def test_the_contract_is_checked_before_anything_is_done(localcloud, playbook, tmp_path, extra_vars, env, wanted):
    before = resources(localcloud)
    run, summary = hook(playbook, localcloud, tmp_path, extra_vars, env=env)
    assert run.rc != 0
    assert summary["status"] == "failed" and summary["error"]["task"] == "Check the extra vars"
    assert wanted in summary["error"]["message"] and "docs/ci.md" in summary["error"]["message"]
    assert resources(localcloud) == before


CONTRACT = {"server", "target", "connect_timeout", "image_name", "image_metadata", "retention", "retention_days",
            "prune_shared", "share_targets", "summary_file", "region", "image_timeout", "image_poll_interval", "image_max_poll_interval"}


def test_the_documented_contract_and_ci_examples_match_the_playbook():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "docs", "ci.md")) as handle:
        doc = handle.read()
    with open(os.path.join(root, "playbooks", "predeploy_hook.yml")) as handle:
        hook = handle.read()
    with open(os.path.join(root, "playbooks", "vars", "predeploy_hook.yml")) as handle:
        hook_vars = handle.read()
    table = set(re.findall(r"^\| `([a-z_]+)`(?:, `([a-z_]+)`)? \|", doc, re.M))
    assert set(name for row in table for name in row if name) == CONTRACT
    header = hook[:hook.index("- name:")]
    assert all(re.search(r"\b%s\b" % name, header) for name in CONTRACT), "the playbook's header lists the contract"
    used = set(re.findall(r"\{\{[^}]*?\b(%s)\b" % "|".join(CONTRACT), hook + hook_vars))
    assert used == CONTRACT, "every variable of the contract is read by the playbook"
    blocks = re.findall(r"```(\w+)\n(.*?)```", doc, re.S)
    assert {"yaml", "groovy", "bash", "json"} <= set(block[0] for block in blocks)
    for lang, text in blocks:
        if lang == "yaml":
            assert yaml.safe_load(text)
        elif lang == "json":
            assert json.loads(text)["version"] == 1
    passed = set(re.findall(r"""-e ["']?([a-z_]+)=""", "".join(text for _lang, text in blocks)))
    assert passed and passed <= CONTRACT, passed - CONTRACT
    assert doc.count("opencloud.images.predeploy_hook") >= 4 and doc.count("predeploy-summary.json") >= 4
