"""image_create, image and image_prune through ansible-playbook against the local cloud (real time, short phases)."""

import uuid

import pytest

from playbook_support import play, resources

FAST = {"poll_interval": 0.2, "max_poll_interval": 0.5}


def task(title, module, register=None, **options):
    item = {"name": title, "opencloud.images." + module: options}
    if register:
        item["register"] = register
    return item


def test_nightly_image_is_created_once_and_reused(localcloud, playbook):
    name = "web01-nightly-%s" % uuid.uuid4().hex[:6]
    run = playbook(play(localcloud,
                        task("create", "image_create", server="web01", name=name, metadata={"purpose": "nightly"}, **FAST),
                        task("again", "image_create", server="web01", name=name, metadata={"purpose": "nightly"}, **FAST),
                        dict(task("check", "image_create", server="web01", name=name, metadata={"purpose": "nightly"}),
                             check_mode=True),
                        dict(task("check new", "image_create", server="web01", name=name + "-other"), check_mode=True)))
    assert run.rc == 0, run.output
    results = run.results()
    created, again = results["create"], results["again"]
    assert created["changed"] and created["action"] == "created" and created["attempts"] == 1
    assert created["image"]["status"] == "active" and created["image"]["purpose"] == "nightly"
    assert [p["phase"] for p in created["phases"]][-1] == "done"
    assert not again["changed"] and again["action"] == "reused" and again["image_id"] == created["image_id"]
    assert not results["check"]["changed"] and results["check"]["action"] == "reuse"
    assert results["check new"]["changed"] and results["check new"]["action"] == "create"
    assert "image" not in results["check new"]


def test_wait_later_pattern(localcloud, playbook, slow_images):
    name = "db01-upgrade-%s" % uuid.uuid4().hex[:6]
    run = playbook(play(localcloud,
                        task("ask", "image_create", server="db01", name=name, wait=False),
                        task("wait", "image_create", server="db01", name=name, **FAST)))
    assert run.rc == 0, run.output
    results = run.results()
    assert results["ask"]["changed"] and results["ask"]["image"]["status"] in ("queued", "saving")
    assert results["wait"]["action"] == "waited" and not results["wait"]["changed"]
    assert results["wait"]["image_id"] == results["ask"]["image_id"]
    assert results["wait"]["image"]["status"] == "active"


def test_update_protect_and_delete(localcloud, playbook):
    name = "web01-keep-%s" % uuid.uuid4().hex[:6]
    run = playbook(play(localcloud,
                        task("create", "image_create", register="made", server="web01", name=name, **FAST),
                        task("protect", "image", image="{{ made.image_id }}", protected=True, tags=["release"],
                             properties={"com.example.release": "42"}),
                        task("protect again", "image", image="{{ made.image_id }}", protected=True, tags=["release"],
                             properties={"com.example.release": "42"}),
                        dict(task("delete protected", "image", image="{{ made.image_id }}", state="absent"), ignore_errors=True),
                        task("delete", "image", image="{{ made.image_id }}", state="absent", unprotect=True),
                        task("delete again", "image", image="{{ made.image_id }}", state="absent")), args=["--diff"])
    assert run.rc == 0, run.output
    results = run.results()
    protect = results["protect"]
    assert protect["changed"] and protect["image"]["protected"] is True
    assert protect["diff"]["before"]["protected"] is False and protect["diff"]["after"]["protected"] is True
    assert protect["diff"]["after"]["properties"]["com.example.release"] == "42"
    assert not results["protect again"]["changed"] and results["protect again"]["operations"] == []
    refused = results["delete protected"]
    assert refused["failed"] and "unprotect" in refused["msg"] and refused["option"] == "unprotect"
    assert results["delete"]["changed"] and not results["delete again"]["changed"]


def test_prune_keeps_the_newest_per_server(localcloud, playbook):
    tag = uuid.uuid4().hex[:6]
    creates = [task("create %d" % n, "image_create", server="app-prune-%s" % tag, name="prune-%s-%d" % (tag, n), **FAST)
               for n in range(4)]
    setup = {"name": "a server of our own", "ansible.builtin.uri": {
        "url": localcloud.url + "/_localcloud/servers", "method": "POST", "body_format": "json", "status_code": [201],
        "body": {"region": "DFW", "owner": "100001", "name": "app-prune-" + tag}}}
    run = playbook(play(localcloud, setup, *creates,
                        task("protect the oldest", "image", image="prune-%s-0" % tag, protected=True),
                        dict(task("would prune", "image_prune", server="app-prune-" + tag, keep=1), check_mode=True),
                        task("prune", "image_prune", server="app-prune-" + tag, keep=1),
                        task("prune again", "image_prune", server="app-prune-" + tag, keep=1),
                        task("left", "image_info", properties={"opencloud.images.created_by": "opencloud.images"},
                             name="prune-%s-3" % tag)))
    assert run.rc == 0, run.output
    results = run.results()
    would, done = results["would prune"], results["prune"]
    assert sorted(i["name"] for i in would["deleted"]) == ["prune-%s-1" % tag, "prune-%s-2" % tag]
    assert would["deleted"] == done["deleted"]
    kept = dict((i["name"], i["reason"]) for i in done["kept"])
    assert kept["prune-%s-3" % tag] == "within the retention"
    assert kept["prune-%s-0" % tag].startswith("protected")
    assert not results["prune again"]["changed"] and results["prune again"]["deleted"] == []
    assert results["left"]["count"] == 1


BAD_INPUT = [
    ("unknown server", {"server": "nosuch", "name": "x"}, "No server with id or name 'nosuch'"),
    ("ambiguous server name", {"server": "app", "name": "x"}, "Several servers are named 'app'"),
    ("too many metadata items", {"server": "web01", "name": "x", "metadata": dict(("k%d" % n, "v") for n in range(38))},
     "at most 37"),
    ("zero timeout", {"server": "web01", "name": "x", "timeout": 0}, "timeout must be a positive number"),
    ("server in ERROR", {"server": "broken01", "name": "x"}, "only ACTIVE or SHUTOFF"),
    ("empty name", {"server": "web01", "name": "  "}, "name must not be empty"),
    ("boot from volume", {"server": "bfv01", "name": "x"}, "snapshot of its volume"),
    ("nested metadata", {"server": "web01", "name": "x", "metadata": {"a": {"b": 1}}}, "metadata.a"),
    ("prune without a rule", {"module": "image_prune"}, "one of the following is required: keep, older_than_days"),
    ("prune negative keep", {"module": "image_prune", "keep": -1}, "keep must be 0 or more"),
    ("update unknown image", {"module": "image", "image": "no-such-image"}, "No image with id or name 'no-such-image'"),
    ("update a read-only field", {"module": "image", "image": "web01-2026-11-20", "properties": {"status": "x"}},
     "properties.status cannot be set"),
]


@pytest.mark.parametrize("case,options,expected", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_fails_clearly_and_creates_nothing(localcloud, playbook, case, options, expected):
    options = dict(options)
    module = options.pop("module", "image_create")
    before = resources(localcloud)
    run = playbook(play(localcloud, task("bad", module, **options)))
    assert run.rc != 0
    result = run.results()["bad"]
    assert result["failed"] and expected in result["msg"], result["msg"]
    assert "Traceback" not in run.output
    assert resources(localcloud) == before
