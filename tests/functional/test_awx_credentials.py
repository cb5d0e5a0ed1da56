"""The AWX credential types of awx/credential_types: AWX would take them, and their injectors drive the modules.

The injectors are applied the way AWX applies them at launch (awx_support.inject), then a playbook runs with the
environment and arguments they give, against the local cloud.
"""

import json
import uuid

import pytest
import yaml

from awx_support import COLLECTION_ROOT, check_credential_type, inject, load_credential_type
from playbook_support import CONSUMER_API_KEY, DEMO_API_KEY, DEMO_PASSWORD, control

TYPES = ("rackspace", "openstack", "consumer")
HOOK = "- ansible.builtin.import_playbook: opencloud.images.predeploy_hook\n"
FAST = ["-e", "image_poll_interval=0.2", "-e", "image_max_poll_interval=0.5"]


def module_env_vars():
    """The environment variables the modules read for their authentication options (module_utils/auth.py)."""
    from ansible_collections.opencloud.images.plugins.module_utils.auth import ENV_FALLBACKS
    return set(name for _option, names in ENV_FALLBACKS for name in names)


def hook_consumer_env_vars():
    with open(f"{COLLECTION_ROOT}/playbooks/vars/predeploy_hook.yml") as handle:
        options = yaml.safe_load(handle)["predeploy_consumer_options"]
    return set("OPENCLOUD_CONSUMER_" + option.upper() for option in options)


@pytest.mark.parametrize("name", TYPES)
def test_awx_takes_the_credential_types(name):
    ctype = load_credential_type(name)
    assert check_credential_type(ctype) == []
    fields = dict((field["id"], field) for field in ctype["inputs"]["fields"])
    secrets = [fid for fid, field in fields.items() if field.get("secret")]
    assert secrets and all("key" in fid or "password" in fid or "secret" in fid for fid in secrets)
    injected = set(ctype["injectors"]["env"])
    if name == "consumer":
        assert injected == hook_consumer_env_vars(), "the hook must read every variable the consumer type sets"
    else:
        assert injected <= module_env_vars(), "every variable must be one the modules read"
    assert "extra_vars" not in ctype["injectors"], "secrets stay out of extra vars, which AWX shows and stores"


def test_the_checker_refuses_what_awx_refuses():
    bad = load_credential_type("rackspace")
    bad["injectors"]["env"]["ANSIBLE_HOST_KEY_CHECKING"] = "False"
    bad["injectors"]["env"]["RAX_TENANT_ID"] = "{{ tenant }}"
    bad["inputs"]["fields"].append({"id": "flag", "label": "Flag", "type": "boolean", "secret": True})
    problems = check_credential_type(bad)
    assert len(problems) == 3, problems
    assert any("ANSIBLE_HOST_KEY_CHECKING" in p for p in problems)
    assert any("tenant" in p for p in problems)
    assert any("secret not allowed for boolean" in p for p in problems)


def rackspace(cloud, **inputs):
    return dict({"username": "demo", "api_key": DEMO_API_KEY, "region": "DFW", "auth_url": cloud.url + "/identity/v2.0"},
                **inputs)


def new_server(cloud):
    return control(cloud, "POST", "servers", json={"region": "DFW", "owner": "100001", "name": "awx-%s" % uuid.uuid4().hex[:8]})


def test_rackspace_and_consumer_credentials_run_the_hook(localcloud, playbook, tmp_path):
    server = new_server(localcloud)
    env, args = inject(load_credential_type("rackspace"), rackspace(localcloud), str(tmp_path))
    consumer_env, consumer_args = inject(load_credential_type("consumer"),
                                         {"username": "consumer", "api_key": CONSUMER_API_KEY, "password": "",
                                          "auth_url": localcloud.url + "/identity/v2.0"}, str(tmp_path))
    env.update(consumer_env)
    assert env["RAX_API_KEY"] == DEMO_API_KEY and env["OPENCLOUD_CONSUMER_PASSWORD"] == ""
    summary = tmp_path / "summary.json"
    run = playbook(HOOK, env=env, args=args + consumer_args + FAST + [
        "-e", "server=" + server["name"], "-e", "share_targets=100002", "-e", "summary_file=%s" % summary])
    assert run.rc == 0, run.output
    result = json.loads(summary.read_text())
    assert result["status"] == "succeeded" and result["image"]["action"] == "created"
    assert result["shared"]["members"] == [{"member_id": "100002", "status": "accepted"}]
    for secret in (DEMO_API_KEY, CONSUMER_API_KEY):
        assert secret not in run.output and secret not in summary.read_text()


@pytest.mark.parametrize("inputs", [
    {"username": "demo", "password": DEMO_PASSWORD, "project_name": "100001", "project_domain_name": "Default",
     "user_domain_name": "Default"},
    {"application_credential_id": "demo-appcred", "application_credential_secret": "demo-appcred-SECRET"},
], ids=["password", "application credential"])
def test_openstack_credential_reaches_keystone_v3(localcloud, playbook, tmp_path, inputs):
    ctype = load_credential_type("openstack")
    env, args = inject(ctype, dict(inputs, auth_url=localcloud.url + "/identity/v3", region_name="ORD"), str(tmp_path))
    assert set(env) == set(ctype["injectors"]["env"]), "AWX sets every variable, empty for empty fields"
    run = playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: list
      opencloud.images.image_info:
        name: db01-2026-11-22
""", env=env, args=args)
    assert run.rc == 0, run.output
    assert [image["name"] for image in run.results()["list"]["images"]] == ["db01-2026-11-22"], "the ORD image"
    for secret in (DEMO_PASSWORD, "demo-appcred-SECRET"):
        assert secret not in run.output
