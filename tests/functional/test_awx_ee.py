"""The execution environment: meta/execution-environment.yml and the example EE definition in docs/.

``ansible-builder create`` writes the build context of the example (no container engine needed), and
``ansible-builder introspect`` reads the collection's dependencies the way the image build does: the modules' Python
packages are there, and no test tool is. ansible-builder comes from the tools venv of scripts/test.sh
(OPENCLOUD_TOOLS_BIN), else from PATH.
"""

import ast
import os
import re
import shutil
import subprocess
import sys

import yaml

from awx_support import COLLECTION_ROOT, tool
from playbook_support import isolated_env

EE_EXAMPLE = os.path.join(COLLECTION_ROOT, "docs", "execution-environment")
TEST_TOOLS = ("pytest", "flask", "werkzeug", "ansible-lint", "molecule", "mock", "ansible-builder", "ansible-runner",
              "antsibull", "sphinx")
# Import names that are not the distribution's name, and what ansible-core itself brings.
DISTRIBUTIONS = {"yaml": "PyYAML"}
WITH_ANSIBLE_CORE = {"PyYAML", "Jinja2"}


def requirement_names(lines):
    return set(re.split(r"[<>=!~;\[ ]", line.strip(), maxsplit=1)[0].lower() for line in lines
               if line.strip() and not line.strip().startswith("#"))


def meta_dependencies():
    with open(os.path.join(COLLECTION_ROOT, "meta", "execution-environment.yml")) as handle:
        meta = yaml.safe_load(handle)
    files = meta["dependencies"]
    with open(os.path.join(COLLECTION_ROOT, files["python"])) as handle:
        python = handle.read().splitlines()
    with open(os.path.join(COLLECTION_ROOT, files["system"])) as handle:
        system = handle.read().splitlines()
    return meta, python, system


def third_party_imports():
    """Top-level modules imported by plugins/ that are neither the standard library, nor Ansible, nor the collection."""
    found = {}
    for top, _dirs, files in os.walk(os.path.join(COLLECTION_ROOT, "plugins")):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(top, name)
            with open(path) as handle:
                tree = ast.parse(handle.read(), path)
            for node in ast.walk(tree):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
                for module in names:
                    top_name = module.split(".")[0]
                    if top_name in sys.stdlib_module_names or top_name in ("ansible", "ansible_collections", "__future__"):
                        continue
                    found.setdefault(top_name, path)
    return found


def test_meta_lists_what_the_modules_import_and_nothing_for_tests():
    meta, python, system = meta_dependencies()
    assert meta["version"] == 1 and set(meta["dependencies"]) == {"python", "system"}
    listed = requirement_names(python)
    for module, path in third_party_imports().items():
        distribution = DISTRIBUTIONS.get(module, module)
        assert distribution.lower() in listed or distribution in WITH_ANSIBLE_CORE, (
            "%s imports %s: add %s to %s" % (path, module, distribution, meta["dependencies"]["python"]))
    assert not any(tool in name for name in listed for tool in TEST_TOOLS)
    programs = set()
    for top, _dirs, files in os.walk(os.path.join(COLLECTION_ROOT, "plugins")):
        for name in (n for n in files if n.endswith(".py")):
            with open(os.path.join(top, name)) as handle:
                programs.update(re.findall(r"get_bin_path\(\s*['\"]([^'\"]+)", handle.read()))
    bindep = " ".join(line for line in system if line.strip() and not line.startswith("#"))
    for program in programs:
        assert program in bindep, "a module runs %s: add its package to %s" % (program, meta["dependencies"]["system"])


def test_builder_introspects_the_installed_collection(tmp_path):
    """What the EE build runs in its builder stage: the dependencies of every collection installed in the image."""
    root = tmp_path / "collections" / "ansible_collections" / "opencloud"
    root.mkdir(parents=True)
    # Only what the built artifact holds (galaxy.yml build_ignore), as ansible-galaxy installs it.
    env = dict(os.environ, **isolated_env(tmp_path))
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-galaxy"), "collection", "build", "--output-path",
                    str(tmp_path / "dist"), COLLECTION_ROOT], check=True, capture_output=True, env=env)
    tarball = next((tmp_path / "dist").iterdir())
    (root / "images").mkdir()
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(root / "images")], check=True)
    out = subprocess.run([tool("ansible-builder"), "introspect", "--sanitize", str(tmp_path / "collections")], check=True,
                         capture_output=True, text=True, env=env).stdout
    found = yaml.safe_load(out[out.index("python:"):]) if "python:" in out else {}
    python = found.get("python") or []
    assert any(line.startswith("requests") and "opencloud.images" in line for line in python), out
    assert not any(tool in line.lower() for line in python for tool in TEST_TOOLS), out
    assert not found.get("system"), "no system packages are needed: %s" % out


def test_builder_creates_the_build_context_of_the_example(tmp_path):
    definition = tmp_path / "ee"
    shutil.copytree(EE_EXAMPLE, definition)
    result = subprocess.run([tool("ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(tmp_path / "context"),
                             "--output-filename", "Containerfile"], cwd=definition, capture_output=True, text=True, check=False,
                            env=dict(os.environ, **isolated_env(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    containerfile = (tmp_path / "context" / "Containerfile").read_text()
    assert 'EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert "ansible-galaxy collection install" in containerfile and "introspect" in containerfile
    assert "ansible-core>=2.19,<2.20" in containerfile
    with open(tmp_path / "context" / "_build" / "requirements.yml") as handle:
        assert [c["name"] for c in yaml.safe_load(handle)["collections"]] == ["opencloud.images"]
