"""What AWX does with a custom credential type and a job, reproduced for the tests (no AWX server needed).

``check_credential_type`` applies the rules AWX checks when a custom credential type is saved (the JSON schemas and
checks of ``CredentialTypeInputField`` and ``CredentialTypeInjectorField`` in awx/main/fields.py): field ids and
types, the options allowed per type, ``required`` naming defined fields, injector sections and variable names, no
``ANSIBLE_*`` nor reserved environment variables, and every template rendering with the type's fields only.

``inject`` does what ``CredentialType.inject_credential`` (awx/main/models/credential/__init__.py) does at launch:
the template namespace holds the credential's non-empty inputs (booleans default to false), templates render in
Jinja's immutable sandbox, ``file`` injectors write files under the private data directory's ``env/`` and set
``tower.filename``, ``env`` injectors give environment variables, and ``extra_vars`` injectors go to a YAML file
passed as ``-e @file``.

``private_data_dir`` lays out a job the way AWX hands it to ansible-runner: ``project/`` (the synced project),
``inventory/hosts``, ``env/envvars``, ``env/extravars`` (the job template's extra vars), ``env/cmdline`` (the
credentials' extra vars files) and ``env/settings``.
"""

import json
import os
import re
import shutil
import stat
import tempfile

import pytest
import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDENTIAL_TYPES_DIR = os.path.join(COLLECTION_ROOT, "awx", "credential_types")
AWX_PROJECT_DIR = os.path.join(COLLECTION_ROOT, "awx", "project")

NAME = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")
FILE_TEMPLATE = re.compile(r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$")
FIELD_KEYS = {"id", "label", "type", "format", "choices", "help_text", "multiline", "secret", "ask_at_runtime", "default"}
STRING_ONLY = ("choices", "multiline", "format", "secret")
# Environment variables AWX refuses in credential injectors (besides every ANSIBLE_* one): its own job variables.
ENV_BLOCKLIST = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
                 "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION",
                 "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"}


def tool(name):
    """The path of a tool of the tools venv (OPENCLOUD_TOOLS_BIN, set by scripts/test.sh), else of PATH; skip without it."""
    tools = os.environ.get("OPENCLOUD_TOOLS_BIN")
    found = os.path.join(tools, name) if tools else shutil.which(name)
    if not found or not os.path.exists(found):
        pytest.skip("%s is not installed (scripts/test.sh sets OPENCLOUD_TOOLS_BIN to the tools venv)" % name)
    return found


def load_credential_type(name):
    with open(os.path.join(CREDENTIAL_TYPES_DIR, name + ".yml")) as handle:
        return yaml.safe_load(handle)


def check_credential_type(ctype):
    """The problems AWX would refuse the credential type for (an empty list when it takes it)."""
    problems = []
    unknown = set(ctype) - {"name", "description", "kind", "inputs", "injectors"}
    if unknown:
        problems.append("unknown keys (awx.awx.credential_type takes name, description, kind, inputs, injectors): %s" % sorted(unknown))
    if ctype.get("kind") not in ("cloud", "net"):
        problems.append("kind must be cloud or net for a custom credential type, not %r" % ctype.get("kind"))
    if not isinstance(ctype.get("name"), str) or not ctype["name"]:
        problems.append("name is required")
    inputs = ctype.get("inputs") or {}
    if set(inputs) - {"fields", "required"}:
        problems.append("inputs takes fields and required only ('dependencies' is for managed types): %s" % sorted(inputs))
    ids = []
    for field in inputs.get("fields", []):
        fid = field.get("id")
        if set(field) - FIELD_KEYS:
            problems.append("field %s: unknown keys %s" % (fid, sorted(set(field) - FIELD_KEYS)))
        if not isinstance(fid, str) or not NAME.match(fid):
            problems.append("%r is an invalid variable name" % (fid,))
        if fid == "tower":
            problems.append('"tower" is a reserved field name')
        if fid in ids:
            problems.append("field IDs must be unique (%s)" % fid)
        ids.append(fid)
        if not isinstance(field.get("label"), str):
            problems.append("field %s: label (a string) is required" % fid)
        ftype = field.get("type", "string")
        if ftype not in ("string", "boolean"):
            problems.append("field %s: type must be string or boolean" % fid)
        for key in STRING_ONLY:
            if key in field and ftype != "string":
                problems.append("%s not allowed for %s type (%s)" % (key, ftype, fid))
        if field.get("format") not in (None, "ssh_private_key", "url"):
            problems.append("field %s: format must be ssh_private_key or url" % fid)
        if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}.get(ftype, object)):
            problems.append("field %s: %r is not a %s" % (fid, field["default"], ftype))
        for key in ("multiline", "secret", "ask_at_runtime"):
            if key in field and not isinstance(field[key], bool):
                problems.append("field %s: %s must be a boolean" % (fid, key))
    for name in inputs.get("required", []):
        if name not in ids:
            problems.append("required names %s, which is not a field" % name)
    injectors = ctype.get("injectors") or {}
    if set(injectors) - {"file", "env", "extra_vars"}:
        problems.append("injectors takes file, env and extra_vars only: %s" % sorted(injectors))
    for label in injectors.get("file", {}):
        if not FILE_TEMPLATE.match(label):
            problems.append("file injector %r: must be template or template.<name>" % label)
    for var, value in injectors.get("env", {}).items():
        if not NAME.match(var):
            problems.append("env %s: not a valid variable name" % var)
        if var.startswith("ANSIBLE_") or var in ENV_BLOCKLIST:
            problems.append("env %s is not allowed in credentials" % var)
        if not isinstance(value, str) or not value.isascii():
            problems.append("env %s: the value must be an ASCII string" % var)
    for var, value in injectors.get("extra_vars", {}).items():
        if not NAME.match(var) or not isinstance(value, str):
            problems.append("extra_vars %s: a valid variable name with a string template is required" % var)
    # AWX renders every template against the defined fields (and tower.filename when a file is injected).
    namespace = dict((fid, "EXAMPLE") for fid in ids)
    files = list(injectors.get("file", {}))
    if files:
        namespace["tower"] = {"filename": "EXAMPLE_FILENAME" if files == ["template"]
                              else dict((label.split(".")[1], "EXAMPLE_FILENAME") for label in files)}
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for section in ("file", "env", "extra_vars"):
        for key, template in injectors.get(section, {}).items():
            try:
                strict.from_string(template).render(**namespace)
            except TemplateError as exc:
                problems.append("%s %s: %s" % (section, key, exc))
    return problems


class _Tower:
    pass


def inject(ctype, inputs, private_data_dir):
    """Apply a credential of this type, with these inputs, to a job: (environment variables, extra ansible-playbook args)."""
    fields = ctype["inputs"].get("fields", [])
    secret = dict((f["id"], f.get("secret", False)) for f in fields)
    unknown = set(inputs) - set(secret)
    if unknown:
        raise ValueError("inputs that the type does not define: %s" % sorted(unknown))
    tower = _Tower()
    namespace = {"tower": tower}
    for name, value in inputs.items():
        if isinstance(value, bool) or len(value):
            namespace[name] = value
    for field in fields:
        if field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
    env_dir = os.path.join(private_data_dir, "env")
    os.makedirs(env_dir, exist_ok=True)
    sandbox = ImmutableSandboxedEnvironment()
    for label, template in ctype["injectors"].get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as out:
            out.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." not in label:
            tower.filename = path
        else:
            if not hasattr(tower, "filename"):
                tower.filename = _Tower()
            setattr(tower.filename, label.split(".")[1], path)
    env = dict((var, sandbox.from_string(template).render(**namespace))
               for var, template in ctype["injectors"].get("env", {}).items())
    args = []
    extra_vars = dict((var, sandbox.from_string(template).render(**namespace))
                      for var, template in ctype["injectors"].get("extra_vars", {}).items())
    if extra_vars:
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as out:
            yaml.safe_dump(extra_vars, out)
        os.chmod(path, stat.S_IRUSR)
        args = ["-e", "@" + path]
    return env, args


def private_data_dir(path, credentials, extravars, base_env=None, settings=None):
    """An AWX-style private data directory for ansible-runner; ``credentials`` are (type name, inputs) pairs."""
    os.makedirs(path)
    shutil.copytree(AWX_PROJECT_DIR, os.path.join(path, "project"))
    env, cmdline = dict(base_env or {}), []
    for type_name, inputs in credentials:
        injected, args = inject(load_credential_type(type_name), inputs, path)
        env.update(injected)
        cmdline.extend(args)
    os.makedirs(os.path.join(path, "inventory"))
    with open(os.path.join(path, "inventory", "hosts"), "w") as out:
        out.write("localhost ansible_connection=local ansible_python_interpreter=\"{{ ansible_playbook_python }}\"\n")
    for name, data in (("envvars", env), ("extravars", extravars), ("settings", settings or {"job_timeout": 600})):
        with open(os.path.join(path, "env", name), "w") as out:
            json.dump(data, out)
    if cmdline:
        with open(os.path.join(path, "env", "cmdline"), "w") as out:
            out.write(" ".join(cmdline))
    return path


def job_events(artifact_dir):
    """The job events ansible-runner wrote, in order."""
    events_dir = os.path.join(artifact_dir, "job_events")
    events = []
    for name in os.listdir(events_dir):
        with open(os.path.join(events_dir, name)) as handle:
            events.append(json.load(handle))
    return sorted(events, key=lambda event: event["counter"])
