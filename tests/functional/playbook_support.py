"""Helpers of the functional tests: run real playbooks (ansible-playbook as a subprocess) against the local cloud."""

import json
import os
import subprocess
import sys
import textwrap
import uuid

import requests
import yaml

DEMO_API_KEY = "demo-api-key-SECRET-1a2b3c"
DEMO_PASSWORD = "demo-password-SECRET"
CONSUMER_API_KEY = "consumer-api-key-SECRET-4d5e6f"
# Keys reach the plays of play() through the environment: Ansible quotes a play's source around a failing task.
KEYS = {"DEMO_KEY": DEMO_API_KEY, "CONSUMER_KEY": CONSUMER_API_KEY}
CONSUMER = {"username": "consumer", "api_key": "{{ lookup('ansible.builtin.env', 'CONSUMER_KEY') }}"}


def play(cloud, *tasks, account=None):
    """A one-play playbook: credentials (demo's, or ``account``'s) once through the action group, then the tasks."""
    defaults = {"auth_url": cloud.url + "/identity/v2.0", "region": "DFW", "username": "demo",
                "api_key": "{{ lookup('ansible.builtin.env', 'DEMO_KEY') }}"}
    defaults.update(account or {})
    return yaml.safe_dump([{"hosts": "localhost", "gather_facts": False,
                            "module_defaults": {"group/opencloud.images.opencloud": defaults},
                            "tasks": list(tasks)}], sort_keys=False)


class PlaybookRun:
    def __init__(self, process, cache_dir, result_file):
        self.rc = process.returncode
        self.output = process.stdout + process.stderr
        self.cache_dir = cache_dir
        self.result_file = result_file

    def results(self):
        """Task results by task name, as the result_file callback wrote them."""
        with open(self.result_file) as handle:
            return json.load(handle)


def isolated_env(tmp_path, cache_dir=None):
    """The environment that keeps an Ansible process (ansible-playbook, ansible-runner, ansible-galaxy) inside the
    test's own tree: a HOME of its own (not the passwd home), Ansible's home, local and remote temporary directories and
    async job directory (``async_status`` expands ``~`` of the remote user, the passwd home, while the job writes under
    HOME: an explicit path makes both agree), and the user cache (token cache, request journal)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home), "ANSIBLE_HOME": str(home / ".ansible"), "ANSIBLE_LOCAL_TEMP": str(tmp_path / "local-tmp"),
            "ANSIBLE_REMOTE_TMP": str(tmp_path / "remote-tmp"), "ANSIBLE_ASYNC_DIR": str(tmp_path / "async"),
            "XDG_CACHE_HOME": cache_dir or str(tmp_path / "cache")}


def playbook_command(tmp_path, text, env=None, args=(), cache_dir=None):
    """(command, environment, cache dir, result file) of one ansible-playbook run of a playbook text."""
    path = tmp_path / "play.yml"
    path.write_text(textwrap.dedent(text))
    full_env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("RAX_", "OS_")))
    full_env.update(isolated_env(tmp_path, cache_dir))
    full_env.update({"ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
                     "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
                     "ANSIBLE_PYTHON_INTERPRETER": sys.executable, "RESULT_FILE": str(tmp_path / "results.json"),
                     "ANSIBLE_CALLBACK_PLUGINS": os.path.join(os.path.dirname(__file__), "callback_plugins"),
                     "ANSIBLE_CALLBACKS_ENABLED": "result_file"})
    full_env.update(KEYS)
    full_env.update(env or {})
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               str(path)] + list(args)
    return command, full_env, full_env["XDG_CACHE_HOME"], full_env["RESULT_FILE"]


def playbook_runner(tmp_path):
    """A function that runs a playbook text; a fresh token cache per test unless ``cache_dir`` is given."""
    def run(text, env=None, args=(), cache_dir=None):
        command, full_env, cache_dir, result_file = playbook_command(tmp_path, text, env, args, cache_dir)
        process = subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=600, check=False)
        return PlaybookRun(process, cache_dir, result_file)
    return run


def control(cloud, method, path, **kwargs):
    response = requests.request(method, cloud.url + "/_localcloud/" + path, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def identity_logins(cloud):
    return sum(1 for r in control(cloud, "GET", "requests")["requests"] if r["service"] == "identity" and r["method"] == "POST")


def resources(cloud):
    """What the cloud holds (images, members): bad input must leave it exactly as it was."""
    state = control(cloud, "GET", "state")
    return dict((key, state[key]) for key in ("images", "members"))


def own_image(cloud, boot="ok", **fields):
    return control(cloud, "POST", "images", json=dict({
        "region": "DFW", "owner": "100001", "name": "way-back-%s" % uuid.uuid4().hex[:8], "min_disk": 10, "min_ram": 512,
        "localcloud_boot": boot}, **fields))


def compute_api(cloud, method, path, **kwargs):
    """A call to demo's compute API in DFW (what no module of the collection does: key pairs)."""
    token = requests.post(cloud.url + "/identity/v2.0/tokens", timeout=10, json={"auth": {"RAX-KSKEY:apiKeyCredentials": {
        "username": "demo", "apiKey": DEMO_API_KEY}}}).json()["access"]["token"]["id"]
    response = requests.request(method, "%s/regions/DFW/compute/v2/100001%s" % (cloud.url, path), timeout=10,
                                headers={"X-Auth-Token": token}, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def key_pair(cloud, tmp_path):
    """(key pair name, private key path): a new ed25519 key, its public half registered as demo's key pair."""
    path = tmp_path / "verify_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    name = "verify-%s" % uuid.uuid4().hex[:8]
    compute_api(cloud, "POST", "/os-keypairs", json={"keypair": {"name": name, "public_key": (tmp_path / "verify_key.pub").read_text()}})
    return name, str(path)


def guests(cloud):
    return control(cloud, "GET", "state")["guests"]
