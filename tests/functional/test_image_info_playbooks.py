"""image_info through ansible-playbook: one login for many tasks, no secrets at -vvvv, clear errors on bad input."""

import glob
import json
import uuid

import pytest
import yaml

from playbook_support import DEMO_API_KEY, DEMO_PASSWORD, control, identity_logins, resources

TWENTY_TASKS = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/opencloud.images.opencloud:
      auth_url: "{url}/identity/v2.0"
      username: demo
      region: DFW
  tasks:
""" + "".join("""
    - name: list {n}
      opencloud.images.image_info:
        properties:
          com.example.batch: "{batch}"
""".replace("{n}", str(n)) for n in range(20))


def test_twenty_tasks_authenticate_once(localcloud, playbook):
    batch = uuid.uuid4().hex
    for n in range(3):
        control(localcloud, "POST", "images", json={"region": "DFW", "owner": "100001", "name": "b%d" % n,
                                                    "com.example.batch": batch})
    before = identity_logins(localcloud)
    run = playbook(TWENTY_TASKS.format(url=localcloud.url, batch=batch), env={"RAX_API_KEY": DEMO_API_KEY})
    assert run.rc == 0, run.output
    results = run.results()
    assert len(results) == 20
    assert all(r["count"] == 3 and not r["changed"] for r in results.values())
    assert identity_logins(localcloud) - before == 1

    again = playbook(TWENTY_TASKS.format(url=localcloud.url, batch=batch), env={"RAX_API_KEY": DEMO_API_KEY},
                     cache_dir=run.cache_dir)
    assert again.rc == 0, again.output
    assert identity_logins(localcloud) - before == 1, "a second run with a warm cache must not log in again"


def test_expired_token_is_renewed_once(localcloud, playbook):
    play = TWENTY_TASKS.format(url=localcloud.url, batch="none")
    first = playbook(play, env={"RAX_API_KEY": DEMO_API_KEY})
    assert first.rc == 0, first.output
    control(localcloud, "POST", "tokens/expire")
    before = identity_logins(localcloud)
    second = playbook(play, env={"RAX_API_KEY": DEMO_API_KEY}, cache_dir=first.cache_dir)
    assert second.rc == 0, second.output
    assert identity_logins(localcloud) - before == 1


SECRETS_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: api key as an option
      opencloud.images.image_info:
        auth_url: "{url}/identity/v2.0"
        username: demo
        api_key: "{api_key}"
        region: ORD
    - name: password from the environment, Keystone v3
      opencloud.images.image_info:
        auth_url: "{url}/identity/v3"
        project_id: "100001"
        region: DFW
    - name: wrong password fails without echoing it
      opencloud.images.image_info:
        auth_url: "{url}/identity/v3"
        username: demo
        password: "wrong-password-SECRET-zz"
        region: DFW
      ignore_errors: true
"""


def test_no_secret_in_vvvv_output_or_cache(localcloud, playbook):
    run = playbook(SECRETS_PLAY.format(url=localcloud.url, api_key=DEMO_API_KEY), args=["-vvvv"],
                   env={"OS_USERNAME": "demo", "OS_PASSWORD": DEMO_PASSWORD})
    assert run.rc == 0, run.output
    assert "api_trace" in run.output, "-vvvv must show the API calls"
    assert "rejected the credentials" in run.output
    cached = glob.glob(run.cache_dir + "/opencloud.images/tokens/*.json")
    assert len(cached) == 2
    tokens = []
    for path in cached:
        with open(path) as handle:
            text = handle.read()
        for secret in (DEMO_API_KEY, DEMO_PASSWORD):
            assert secret not in text
        tokens.append(json.loads(text)["auth"]["token"])
    for secret in [DEMO_API_KEY, DEMO_PASSWORD, "wrong-password-SECRET-zz"] + tokens:
        assert secret not in run.output


BAD_INPUT = [
    ("no credentials", {"auth_url": "{url}/identity/v2.0", "region": "DFW"}, {}, "api_key"),
    ("api key and password", {"auth_url": "{url}/identity/v2.0", "username": "demo", "api_key": DEMO_API_KEY,
                              "password": DEMO_PASSWORD}, {}, "auth_type"),
    ("unknown region", {"region": "LON"}, None, "DFW, IAD, ORD"),
    ("auth url is the image service", {"auth_url": "{url}/regions/DFW/image/v2", "username": "demo",
                                       "api_key": DEMO_API_KEY}, {}, "auth_url"),
    ("wrong api key", {"api_key": "not-the-key-SECRET"}, None, "rejected the credentials"),
    ("unknown image id", {"id": "00000000-0000-4000-8000-000000000000"}, None, "No image with id"),
    ("status out of choices", {"status": "bogus"}, None, "status"),
    ("property shadowing a field", {"properties": {"owner": "x"}}, None, "properties.owner"),
    ("nested property value", {"properties": {"a": {"b": 1}}}, None, "properties.a"),
    ("id with a filter", {"id": "00000000-0000-4000-8000-000000000000", "name": "x"}, None, "mutually exclusive"),
    ("server name instead of id", {"server": "web01"}, None, "server must be the id"),
    ("limit zero", {"limit": 0}, None, "limit must be a positive number"),
    ("unknown cloud", {"cloud": "nowhere"}, {}, "cloud"),
    ("application credential with v2.0", {"auth_url": "{url}/identity/v2.0", "application_credential_id": "demo-appcred",
                                          "application_credential_secret": "x-SECRET"}, {}, "auth_url"),
]


@pytest.mark.parametrize("case,options,base,expected", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_fails_clearly_and_changes_nothing(localcloud, playbook, tmp_path, case, options, base, expected):
    if base is None:
        base = {"auth_url": "{url}/identity/v2.0", "username": "demo", "api_key": DEMO_API_KEY, "region": "DFW"}
    args = dict(base, **options)
    args = dict((k, v.format(url=localcloud.url) if isinstance(v, str) else v) for k, v in args.items())
    play = [{"hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": "bad", "opencloud.images.image_info": args}]}]
    before = resources(localcloud)
    run = playbook(yaml.safe_dump(play), env={"OS_CLIENT_CONFIG_FILE": str(tmp_path / "clouds.yaml")})
    assert run.rc != 0
    result = run.results()["bad"]
    assert result["failed"] is True
    assert expected in result["msg"], result["msg"]
    assert "Traceback" not in run.output
    assert "SECRET" not in run.output
    assert resources(localcloud) == before


def test_turning_tls_verification_off_warns(localcloud, playbook):
    run = playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: no verification
      opencloud.images.image_info:
        auth_url: "{url}/identity/v2.0"
        username: demo
        api_key: "{api_key}"
        validate_certs: false
        limit: 1
""".format(url=localcloud.url, api_key=DEMO_API_KEY))
    assert run.rc == 0, run.output
    assert "validate_certs is false" in run.output
    assert run.results()["no verification"]["region"] == "DFW", "the account's default region is used"
