"""Every playbook of the collection, and plays using every module, at -vvvv with recognisable secrets: nothing leaks.

Checked after each run: the output (stdout and stderr), the task results, every file the run left under its
temporary directory (the playbook, results, the local temporary directory ANSIBLE_LOCAL_TEMP, the modules' kept
payloads in ANSIBLE_REMOTE_TMP with ANSIBLE_KEEP_REMOTE_FILES=1, summaries) and the token cache. The secrets are the
seed accounts' API keys, passwords and application credential secret, and every token the local cloud has issued
(``LocalCloud.state.tokens``: the control API's state leaves their ids out).

Finding: a kept payload (AnsiballZ_<module>.py) holds the task's module arguments as they are, in its ``params``;
Ansible's no_log masks results and logs, not the invocation. So a secret given as a module argument (module_defaults
with lookup('env'), image_share's consumer, the pre-deploy hook's OPENCLOUD_CONSUMER_* credentials) is in clear in the
kept payload, by Ansible's design (without ANSIBLE_KEEP_REMOTE_FILES Ansible deletes the payload after the task). What
the collection controls is checked strictly: credentials from the environment (RAX_*, OS_*) are read by the module
itself and never reach a payload; a secret in a payload is only ever the value of a no_log option in ``params``; and
no secret or token is anywhere else.

ansible-runner (AWX's job runner): test_awx_runner.py checks the job events of the AWX project's playbooks for the
API keys at the default verbosity; here a play with secrets as module arguments runs through ``ansible_runner.run``
at verbosity 4, and its events, stdout and other artifacts are checked for every secret and token.
"""

import ast
import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import uuid

import pytest
import yaml

from bad_inputs import write_files
from playbook_support import CONSUMER, CONSUMER_API_KEY, DEMO_API_KEY, DEMO_PASSWORD, control, isolated_env, play

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_APPCRED_SECRET = "demo-appcred-SECRET"
CONSUMER_PASSWORD = "consumer-password-SECRET"
SECRETS = (DEMO_API_KEY, DEMO_PASSWORD, DEMO_APPCRED_SECRET, CONSUMER_API_KEY, CONSUMER_PASSWORD)
# The module options that hold secrets (no_log): the only places a kept payload may hold one.
SECRET_OPTIONS = ("api_key", "password", "token", "application_credential_secret")
PAYLOAD_PARAMS = re.compile(r"^params=(.*),$", re.MULTILINE)
FAST_TASKS = {"task_poll_interval": 0.2}


KEEP_PAYLOADS = {"ANSIBLE_KEEP_REMOTE_FILES": "1"}  # in the remote temporary directory that isolated_env puts in the test's tree


def rackspace_env(cloud, region="DFW"):
    return {"RAX_AUTH_URL": cloud.url + "/identity/v2.0", "RAX_USERNAME": "demo", "RAX_API_KEY": DEMO_API_KEY,
            "RAX_REGION": region}


def tokens(cloud):
    with cloud.state.lock:
        return list(cloud.state.tokens)


def new_server(cloud):
    return control(cloud, "POST", "servers", json={"region": "DFW", "owner": "100001", "name": "sec-%s" % uuid.uuid4().hex[:8]})


def own_image(cloud):
    """An image of demo's in DFW that may leave its region."""
    return control(cloud, "POST", "images", json={"region": "DFW", "owner": "100001", "name": "sec-%s" % uuid.uuid4().hex[:8],
                                                  "com.rackspace__1__options": "0", "os_type": "linux"})


def payload_params(text):
    """The module arguments of a kept AnsiballZ payload, and the payload without them."""
    match = PAYLOAD_PARAMS.search(text)
    assert match, "no params line in the payload: has the AnsiballZ layout of ansible-core changed?"
    return json.loads(ast.literal_eval(match.group(1)))["ANSIBLE_MODULE_ARGS"], text[:match.start()] + text[match.end():]


def secret_places(value, path=()):
    """(path, secret) for every secret in a structure of module arguments."""
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in secret_places(item, path + (key,))]
    if isinstance(value, list):
        return [found for item in value for found in secret_places(item, path)]
    return [(path, secret) for secret in SECRETS if isinstance(value, str) and secret in value]


def check_token_cache(cache_dir, issued):
    """Token files hold a token the cloud issued and no secret; 0600 files in a 0700 directory."""
    directory = os.path.join(cache_dir, "opencloud.images", "tokens")
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    entries = glob.glob(os.path.join(directory, "*.json"))
    assert entries, "no token was cached"
    for path in glob.glob(os.path.join(directory, "*")):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
        with open(path) as handle:
            text = handle.read()
        assert not [s for s in SECRETS if s in text], "%s holds a secret" % path
        if path.endswith(".lock"):
            assert text == ""
            continue
        entry = json.loads(text)
        assert sorted(entry) == ["auth", "expires_epoch", "salt", "verifier"], path
        assert entry["auth"]["token"] in issued


def check_run(run, tmp_path, cloud, args_secrets=()):
    """No secret or token in the output or in any file of the run; ``args_secrets`` were given as module arguments.

    Returns the modules whose kept payloads hold a secret in their arguments (the finding of the module docstring).
    """
    issued = tokens(cloud)
    leaks = [s for s in SECRETS + tuple(issued) if s in run.output]
    assert not leaks, "the output holds %s" % leaks
    assert "api_trace" in run.output, "-vvvv shows the API calls of the modules"
    payloads = glob.glob(os.path.join(isolated_env(tmp_path)["ANSIBLE_REMOTE_TMP"], "*", "AnsiballZ_*.py"))
    assert payloads, "ANSIBLE_KEEP_REMOTE_FILES=1 keeps the payloads"
    cache = os.path.join(run.cache_dir, "opencloud.images", "tokens")
    in_params = set()
    for path in [os.path.join(top, name) for top, _dirs, names in os.walk(tmp_path) for name in names]:
        if path.startswith(cache + os.sep):
            continue
        with open(path, errors="replace") as handle:
            text = handle.read()
        if path in payloads:
            params, text = payload_params(text)
            places = secret_places(params)
            assert all(where[-1] in SECRET_OPTIONS and secret in args_secrets for where, secret in places), (path, places)
            in_params.update("%s %s" % (os.path.basename(path), ".".join(where)) for where, _secret in places)
        leaks = [s for s in SECRETS + tuple(issued) if s in text]
        assert not leaks, "%s holds %s" % (path, leaks)
    check_token_cache(run.cache_dir, issued)
    return in_params


def run_playbook(playbook, tmp_path, text, env, extra_vars=None, inventory=None):
    args = ["-vvvv"] + (["-e", json.dumps(extra_vars)] if extra_vars else []) + (["-i", inventory] if inventory else [])
    return playbook(text, env=dict(KEEP_PAYLOADS, **env), args=args)


def import_playbook(name):
    return "- ansible.builtin.import_playbook: opencloud.images.%s\n" % name


LOGINS = {
    "api key": lambda cloud: rackspace_env(cloud, "DFW,ORD"),
    "password": lambda cloud: {"OS_AUTH_URL": cloud.url + "/identity/v3", "OS_USERNAME": "demo", "OS_PASSWORD": DEMO_PASSWORD,
                               "OS_PROJECT_ID": "100001", "OS_REGION_NAME": "DFW"},
    "application credential": lambda cloud: {"OS_AUTH_URL": cloud.url + "/identity/v3", "OS_APPLICATION_CREDENTIAL_ID": "demo-appcred",
                                             "OS_APPLICATION_CREDENTIAL_SECRET": DEMO_APPCRED_SECRET},
}


@pytest.mark.parametrize("login", sorted(LOGINS))
def test_list_images(localcloud, playbook, tmp_path, login):
    run = run_playbook(playbook, tmp_path, import_playbook("list_images"), LOGINS[login](localcloud))
    assert run.rc == 0, run.output
    listed = run.results()["List the images of each region"]["results"]
    assert [r["region"] for r in listed] == (["DFW", "ORD"] if login == "api key" else ["DFW"]) and listed[0]["count"] > 0
    assert check_run(run, tmp_path, localcloud) == set()


def test_create_image(localcloud, playbook, tmp_path):
    server = new_server(localcloud)
    inventory = tmp_path / "inventory"
    inventory.write_text("%s ansible_connection=local ansible_python_interpreter=%s\n" % (server["name"], sys.executable))
    run = run_playbook(playbook, tmp_path, import_playbook("create_image"), rackspace_env(localcloud), inventory=str(inventory),
                       extra_vars={"target": server["name"], "server_image_mysql": "never", "server_image_postgresql": "never",
                                   "server_image_poll_interval": 0.2,
                                   "server_image_max_poll_interval": 0.5})
    assert run.rc == 0, run.output
    assert "%s: created %s-" % (server["name"], server["name"]) in run.output
    assert check_run(run, tmp_path, localcloud) == set()


def test_transfer_image(localcloud, playbook, tmp_path):
    image = own_image(localcloud)
    run = run_playbook(playbook, tmp_path, import_playbook("transfer_image"), rackspace_env(localcloud),
                       extra_vars=dict(FAST_TASKS, image=image["id"], target_regions=["ORD"], share_with=["100002"]))
    assert run.rc == 0, run.output
    assert "ORD: " in run.output and "copied now" in run.output
    assert check_run(run, tmp_path, localcloud) == set()


def test_predeploy_hook_with_consumer_credentials(localcloud, playbook, tmp_path):
    server = new_server(localcloud)
    consumer = {"OPENCLOUD_CONSUMER_AUTH_URL": localcloud.url + "/identity/v2.0", "OPENCLOUD_CONSUMER_USERNAME": "consumer",
                "OPENCLOUD_CONSUMER_API_KEY": CONSUMER_API_KEY}
    run = run_playbook(playbook, tmp_path, import_playbook("predeploy_hook"), dict(rackspace_env(localcloud), **consumer),
                       extra_vars={"server": server["name"], "retention": 2, "share_targets": "100002",
                                   "summary_file": str(tmp_path / "summary.json"), "image_poll_interval": 0.2,
                                   "image_max_poll_interval": 0.5})
    assert run.rc == 0, run.output
    assert json.loads((tmp_path / "summary.json").read_text())["shared"]["members"] == [{"member_id": "100002", "status": "accepted"}]
    # The hook hands the consumer's credentials to image_share as its consumer option: a module argument.
    assert check_run(run, tmp_path, localcloud, args_secrets=[CONSUMER_API_KEY]) == {"AnsiballZ_image_share.py consumer.api_key"}


def every_module(cloud, tmp_path):
    """One task of each module: image an own server, change, find, share and prune its images, move another one, import a
    VHD, upload a file and download it."""
    files = tmp_path / "files"
    write_files(str(files))
    server, image, tag = new_server(cloud)["name"], own_image(cloud)["id"], uuid.uuid4().hex[:8]
    return [
        {"name": "server_info", "opencloud.images.server_info": {"server": server}},
        {"name": "image_create", "register": "made", "opencloud.images.image_create": {
            "server": server, "name": server + "-image", "poll_interval": 0.2, "max_poll_interval": 0.5}},
        {"name": "image", "opencloud.images.image": {"image": "{{ made.image_id }}", "tags": ["secrets"]}},
        {"name": "image_info", "opencloud.images.image_info": {"id": "{{ made.image_id }}"}},
        {"name": "image_share", "opencloud.images.image_share": {"image": "{{ made.image_id }}", "members": ["100002"]}},
        {"name": "image_prune", "opencloud.images.image_prune": {"server": server, "keep": 5}},
        {"name": "image_transfer", "opencloud.images.image_transfer": dict(FAST_TASKS, image=image, target_region="ORD")},
        {"name": "image_import", "opencloud.images.image_import": dict(
            FAST_TASKS, path=str(files / "good.vhd"), name="sec-import-" + tag, segment_size=1)},
        {"name": "object_upload", "opencloud.images.object_upload": {"paths": [str(files / "web" / "dump.sql")],
                                                                     "container": "sec-" + tag}},
        {"name": "object_download", "opencloud.images.object_download": {"container": "sec-" + tag, "objects": ["dump.sql"],
                                                                         "dest": str(tmp_path / "downloaded")}},
    ]


def check_every_module_ran(run):
    assert run.rc == 0, run.output
    results = run.results()
    assert results["image_create"]["image"]["status"] == "active" and results["image_transfer"]["image"]["status"] == "active"
    assert results["image_import"]["changed"] and results["object_upload"]["objects"][0]["action"] == "uploaded"
    assert results["object_download"]["files"][0]["action"] == "downloaded"
    return results


def test_every_module_with_credentials_from_the_environment(localcloud, playbook, tmp_path):
    text = yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": every_module(localcloud, tmp_path)}])
    run = run_playbook(playbook, tmp_path, text, rackspace_env(localcloud))
    check_every_module_ran(run)
    assert check_run(run, tmp_path, localcloud) == set(), "no payload holds a credential taken from the environment"


def secrets_as_arguments(cloud, tmp_path):
    """Every module with demo's key from module_defaults, image_share accepting with the consumer's key, and logins with
    demo's password and application credential: every secret goes through module arguments."""
    tasks = every_module(cloud, tmp_path)
    tasks[4]["opencloud.images.image_share"]["consumer"] = dict(CONSUMER, auth_url=cloud.url + "/identity/v2.0")
    keystone = {"auth_url": cloud.url + "/identity/v3", "project_id": "100001", "api_key": None, "username": None}
    tasks.append({"name": "image_info with a password", "opencloud.images.image_info": dict(
        keystone, username="demo", password="{{ lookup('ansible.builtin.env', 'DEMO_PASSWORD') }}", limit=1)})
    tasks.append({"name": "image_info with an application credential", "opencloud.images.image_info": dict(
        keystone, project_id=None, application_credential_id="demo-appcred",
        application_credential_secret="{{ lookup('ansible.builtin.env', 'DEMO_APPCRED_SECRET') }}", limit=1)})
    return play(cloud, *tasks)


def test_every_module_with_secrets_as_module_arguments(localcloud, playbook, tmp_path):
    env = {"DEMO_PASSWORD": DEMO_PASSWORD, "DEMO_APPCRED_SECRET": DEMO_APPCRED_SECRET}
    run = run_playbook(playbook, tmp_path, secrets_as_arguments(localcloud, tmp_path), env)
    results = check_every_module_ran(run)
    assert results["image_share"]["members"] == [{"member_id": "100002", "status": "accepted"}]
    assert results["image_info with a password"]["count"] == 1 and results["image_info with an application credential"]["count"] == 1
    kept = check_run(run, tmp_path, localcloud, args_secrets=[DEMO_API_KEY, DEMO_PASSWORD, DEMO_APPCRED_SECRET, CONSUMER_API_KEY])
    assert "AnsiballZ_image_share.py consumer.api_key" in kept and "AnsiballZ_image_info.py password" in kept
    assert "AnsiballZ_image_info.py application_credential_secret" in kept and "AnsiballZ_object_upload.py api_key" in kept


def test_every_playbook_is_run_here():
    """Here at -vvvv with every file of the run searched; the rollback playbooks in test_rollback_playbooks.py, whose
    every run checks that no API key is in its output (not yet its files)."""
    here = set(["list_images", "create_image", "transfer_image", "predeploy_hook"])
    rollback = set(["restore_server", "verify_images", "adopt_shared_image"])
    assert set(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(COLLECTION, "playbooks", "*.yml"))) == here | rollback


RUNNER = """
import json, sys
import ansible_runner
result = ansible_runner.run(**json.loads(sys.argv[1]))
print(json.dumps({"status": result.status, "rc": result.rc}))
"""


def runner_python():
    """The interpreter of the ansible-runner of scripts/test.sh's tools venv (OPENCLOUD_TOOLS_BIN), else of PATH's."""
    tools = os.environ.get("OPENCLOUD_TOOLS_BIN")
    runner = os.path.join(tools, "ansible-runner") if tools else shutil.which("ansible-runner")
    if not runner or not os.path.exists(runner):
        pytest.skip("ansible-runner is not installed (scripts/test.sh sets OPENCLOUD_TOOLS_BIN to the tools venv)")
    with open(runner) as handle:
        return handle.readline()[2:].strip()


def test_ansible_runner_job_events_hold_no_secret(localcloud, tmp_path):
    python = runner_python()
    pdd = tmp_path / "pdd"
    (pdd / "project").mkdir(parents=True)
    (pdd / "project" / "play.yml").write_text(secrets_as_arguments(localcloud, tmp_path))
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("RAX_", "OS_")))
    env.update(isolated_env(tmp_path))
    env.update({"DEMO_KEY": DEMO_API_KEY, "CONSUMER_KEY": CONSUMER_API_KEY, "DEMO_PASSWORD": DEMO_PASSWORD,
                "DEMO_APPCRED_SECRET": DEMO_APPCRED_SECRET, "ANSIBLE_NOCOLOR": "1",
                "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")})
    options = {"private_data_dir": str(pdd), "playbook": "play.yml", "ident": "job", "verbosity": 4, "quiet": True,
               "inventory": "localhost ansible_connection=local ansible_python_interpreter=%s" % sys.executable}
    process = subprocess.run([python, "-c", RUNNER, json.dumps(options)], env=env, capture_output=True, text=True, timeout=600,
                             check=False)
    assert process.returncode == 0, process.stderr
    artifacts = pdd / "artifacts" / "job"
    assert json.loads(process.stdout.splitlines()[-1]) == {"status": "successful", "rc": 0}, (artifacts / "stdout").read_text()
    events = [json.loads(path.read_text()) for path in sorted((artifacts / "job_events").glob("*.json"))]
    ok = dict((e["event_data"]["task"], e["event_data"]["res"]) for e in events if e["event"] == "runner_on_ok")
    assert ok["image_share"]["members"] == [{"member_id": "100002", "status": "accepted"}] and "api_trace" in ok["image_info"]
    # ansible-runner's command file records the job's environment (the keys given to the play through it): private, as in AWX.
    assert stat.S_IMODE(os.stat(artifacts / "command").st_mode) == 0o600
    issued = tokens(localcloud)
    checked = 0
    for path in artifacts.rglob("*"):
        if path.is_file() and path.name != "command":
            leaks = [s for s in SECRETS + tuple(issued) if s in path.read_text(errors="replace")]
            assert not leaks, "%s holds %s" % (path, leaks)
            checked += 1
    assert checked > len(events) > 20
    check_token_cache(env["XDG_CACHE_HOME"], issued)
