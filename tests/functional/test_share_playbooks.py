"""image_share through ansible-playbook against the local cloud: owner demo (100001), consumer (100002)."""

import json
import uuid

import pytest
import yaml

from ansible_collections.opencloud.images.plugins.module_utils.projects import KEYSTONE_CANNOT_CHECK, RACKSPACE_CANNOT_CHECK
from playbook_support import CONSUMER, CONSUMER_API_KEY, DEMO_API_KEY, DEMO_PASSWORD, control, play, resources


def share(title, **options):
    return {"name": title, "opencloud.images.image_share": options}


def own_image(cloud, **fields):
    body = dict(fields, region="DFW", owner="100001", name="share-%s" % uuid.uuid4().hex[:8])
    return control(cloud, "POST", "images", json=body)


def test_share_and_accept_in_one_task_then_the_consumer_sees_it(localcloud, playbook):
    image = own_image(localcloud)
    consumer = dict(CONSUMER, auth_url=localcloud.url + "/identity/v2.0")
    run = playbook(play(localcloud,
                        share("share", image=image["name"], members=["100002"], consumer=consumer),
                        share("again", image=image["name"], members=["100002"], consumer=consumer)), args=["--diff"])
    assert run.rc == 0, run.output
    results = run.results()
    assert results["share"]["changed"] and results["share"]["members"] == [{"member_id": "100002", "status": "accepted"}]
    assert results["share"]["diff"] == {"before": {}, "after": {"100002": "accepted"}}
    assert not results["again"]["changed"]
    assert CONSUMER_API_KEY not in run.output and CONSUMER_API_KEY not in json.dumps(results)
    seen = playbook(play(localcloud, {"name": "mine now", "opencloud.images.image_info": {"visibility": "shared"}},
                         account=CONSUMER))
    assert image["id"] in [i["id"] for i in seen.results()["mine now"]["images"]]


def test_consumer_cloud_is_found_in_os_client_config_file_as_awx_injects_it(localcloud, playbook, tmp_path):
    """AWX's OpenStack credential writes a clouds.yaml and names it by OS_CLIENT_CONFIG_FILE: the consumer's cloud
    must be found there, as the task's own is."""
    image = own_image(localcloud)
    clouds = tmp_path / "awx-clouds.yaml"
    clouds.write_text(yaml.safe_dump({"clouds": {
        "owner-cloud": {"auth": {"auth_url": localcloud.url + "/identity/v2.0", "username": "demo",
                                 "api_key": DEMO_API_KEY}, "region_name": "DFW"},
        "consumer-cloud": {"auth": {"auth_url": localcloud.url + "/identity/v2.0", "username": "consumer",
                                    "api_key": CONSUMER_API_KEY}}}}))
    run = playbook(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [
        share("share", cloud="owner-cloud", image=image["name"], members=["100002"], consumer={"cloud": "consumer-cloud"})]}]),
        env={"OS_CLIENT_CONFIG_FILE": str(clouds)}, args=["--diff"])
    assert run.rc == 0, run.output
    assert run.results()["share"]["members"] == [{"member_id": "100002", "status": "accepted"}]
    for secret in (DEMO_API_KEY, CONSUMER_API_KEY):
        assert secret not in run.output and secret not in json.dumps(run.results())


def test_two_plays_accept_reject_exact_and_absent(localcloud, playbook):
    image = own_image(localcloud)
    owner = playbook(play(localcloud, share("share", image=image["id"], members=["100002", "100003"])))
    assert owner.rc == 0, owner.output
    assert owner.results()["share"]["members"] == [{"member_id": "100002", "status": "pending"},
                                                   {"member_id": "100003", "status": "pending"}]
    consumer = playbook(play(localcloud,
                             share("accept", image=image["name"], status="accepted"),
                             share("accept again", image=image["name"], status="accepted"),
                             share("reject", image=image["id"], status="rejected"), account=CONSUMER))
    assert consumer.rc == 0, consumer.output
    results = consumer.results()
    assert results["accept"]["changed"] and results["accept"]["members"][0]["status"] == "accepted"
    assert not results["accept again"]["changed"]
    assert results["reject"]["members"][0]["status"] == "rejected"
    owner = playbook(play(localcloud,
                          share("exact", image=image["id"], members=["100003"], state="exact"),
                          share("absent", image=image["id"], members=["100003"], state="absent")))
    assert owner.rc == 0, owner.output
    results = owner.results()
    assert results["exact"]["removed"] == ["100002"], "a rejected member still counts, and exact removes it"
    assert results["absent"]["removed"] == ["100003"] and results["absent"]["members"] == []


def test_upstream_glance_rule_sets_the_visibility_to_shared(localcloud, playbook):
    control(localcloud, "POST", "config", json={"members_need_shared_visibility": True})
    try:
        image = own_image(localcloud, visibility="private")
        run = playbook(play(localcloud, share("share", image=image["id"], members=["100002"])))
    finally:
        control(localcloud, "POST", "config", json={"members_need_shared_visibility": False})
    assert run.rc == 0, run.output
    result = run.results()["share"]
    assert result["visibility_changed"] is True
    assert result["members"] == [{"member_id": "100002", "status": "pending"}]


def test_check_mode_and_diff_show_the_visibility_change_of_upstream_glance(localcloud, playbook):
    """issue 14 item 5: check mode said visibility_changed false where the real run made the image shared."""
    control(localcloud, "POST", "config", json={"members_need_shared_visibility": True})
    try:
        image = own_image(localcloud, visibility="private")
        run = playbook(play(localcloud, dict(share("would", image=image["id"], members=["100002"]), check_mode=True),
                            share("share", image=image["id"], members=["100002"])), args=["--diff"])
    finally:
        control(localcloud, "POST", "config", json={"members_need_shared_visibility": False})
    assert run.rc == 0, run.output
    results = run.results()
    expected = {"before": {"visibility": "private"}, "after": {"100002": "pending", "visibility": "shared"}}
    for title in ("would", "share"):
        assert results[title]["visibility_changed"] is True, title
        assert results[title]["diff"] == expected, title


def test_check_mode_shares_nothing(localcloud, playbook):
    image = own_image(localcloud)
    before = resources(localcloud)
    run = playbook(play(localcloud, dict(share("would", image=image["id"], members=["100002"]), check_mode=True)))
    assert run.rc == 0, run.output
    assert run.results()["would"]["changed"] and run.results()["would"]["added"] == ["100002"]
    assert resources(localcloud) == before


def test_a_member_that_is_no_account_is_refused_before_any_change(localcloud, playbook):
    """issue 14: an unknown member was added (kept pending by Glance) and the task said changed. On Rackspace an account
    number is numeric: anything else is refused, in check mode too, and nothing is shared or made shared."""
    image = own_image(localcloud)
    before = resources(localcloud)
    members = ["100002", "tenantB"]
    run = playbook(play(localcloud, dict(share("would", image=image["id"], members=members), check_mode=True, ignore_errors=True),
                        dict(share("share", image=image["id"], members=members, state="exact"), ignore_errors=True)))
    assert run.rc == 0, run.output
    for title in ("would", "share"):
        result = run.results()[title]
        assert result["failed"] and result["option"] == "members", result
        assert "no account of this cloud has the id tenantB" in result["msg"] and "nothing was shared" in result["msg"]
    assert resources(localcloud) == before


def test_members_that_cannot_be_checked_are_named_and_shared_and_a_bogus_one_can_be_removed(localcloud, playbook):
    """Rackspace lets no account look another up, Keystone a member only its own projects: the task warns and says which
    members were not checked; the consumer's own login confirms it; validate_members always refuses them; a pending
    member that is no account (left by an earlier typo) is removed without any check."""
    image = own_image(localcloud, members={"100009": "pending"})
    keystone = {"auth_url": localcloud.url + "/identity/v3", "project_id": "100001", "api_key": None,
                "password": "{{ lookup('ansible.builtin.env', 'DEMO_PASSWORD') }}"}
    consumer = dict(CONSUMER, auth_url=localcloud.url + "/identity/v2.0")
    run = playbook(play(localcloud,
                        dict(share("strict", image=image["id"], members=["100003"], validate_members="always"), ignore_errors=True),
                        share("rackspace", image=image["id"], members=["100003"]),
                        share("keystone", image=image["id"], members=["100004"], **keystone),
                        share("unchecked", image=image["id"], members=["100005"], validate_members="never"),
                        share("consumer", image=image["id"], members=["100002"], consumer=consumer),
                        share("remove", image=image["id"], members=["100009"], state="absent")),
                   env={"DEMO_PASSWORD": DEMO_PASSWORD})
    assert run.rc == 0, run.output
    results = run.results()
    assert results["strict"]["failed"] and results["strict"]["option"] == "validate_members"
    assert "could not confirm 100003" in results["strict"]["msg"]
    for title, member, reason in (("rackspace", "100003", RACKSPACE_CANNOT_CHECK), ("keystone", "100004", KEYSTONE_CANNOT_CHECK)):
        result = results[title]
        assert result["changed"] and result["member_validation"] == {"confirmed": [], "unverified": [member], "reason": reason}
        assert result["warnings"] == ["validate_members: the identity service could not confirm that %s exists (%s); shared "
                                      "with as given. Check the ids: the image service keeps an id that is no account as a "
                                      "pending member." % (member, reason)]
    assert results["unchecked"]["member_validation"]["unverified"] == ["100005"] and not results["unchecked"].get("warnings")
    assert results["consumer"]["member_validation"] == {"confirmed": ["100002"], "unverified": [], "reason": None}
    assert not results["consumer"].get("warnings")
    assert results["remove"]["removed"] == ["100009"] and results["remove"]["member_validation"]["unverified"] == []
    assert control(localcloud, "GET", "state")["members"][image["id"]] == {
        "100002": "accepted", "100003": "pending", "100004": "pending", "100005": "pending"}


BAD_INPUT = [
    ("unknown image", {"image": "no-such-image", "members": ["100002"]}, None, "image_transfer"),
    ("empty member", {"members": [""]}, None, "is not a tenant"),
    ("malformed member", {"members": ["a b"]}, None, "is not a tenant"),
    ("own tenant", {"members": ["100001"]}, None, "your own account"),
    ("consumer of another account", {"members": ["100003"], "consumer": dict(CONSUMER, auth_url="{url}/identity/v2.0")}, None,
     "not among members"),
    ("consumer with wrong key", {"members": ["100002"], "consumer": {"auth_url": "{url}/identity/v2.0", "username": "consumer",
                                                                     "api_key": "wrong-SECRET"}}, None, "consumer: "),
    ("consumer with unknown keys", {"members": ["100002"], "consumer": {"user": "x"}}, None,
     "Unsupported parameters for (opencloud.images.image_share) module: consumer.user"),
    ("public image", {"members": ["100002"]}, {"visibility": "public"}, "everyone can already use it"),
    ("owner answering", {"status": "accepted"}, None, "is not shared with account 100001"),
    ("status and members", {"status": "accepted", "members": ["100002"]}, None, "mutually exclusive"),
]


@pytest.mark.parametrize("case,options,image_fields,expected", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_fails_clearly_and_changes_nothing(localcloud, playbook, case, options, image_fields, expected):
    image = own_image(localcloud, **(image_fields or {}))
    options = dict({"image": image["id"]}, **options)
    if "consumer" in options:
        options["consumer"] = dict((k, v.replace("{url}", localcloud.url)) for k, v in options["consumer"].items())
    before = resources(localcloud)
    run = playbook(play(localcloud, share("bad", **options)))
    assert run.rc != 0
    result = run.results()["bad"]
    assert result["failed"] and expected in result["msg"], result["msg"]
    assert "Traceback" not in run.output and "SECRET" not in run.output
    assert resources(localcloud) == before
