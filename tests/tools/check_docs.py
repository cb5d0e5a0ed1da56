"""What ``ansible-doc`` shows a user of the installed collection: ``python tests/tools/check_docs.py NS.NAME SOURCE_DIR``.

Run with the installed collection alone on ANSIBLE_COLLECTIONS_PATH. Every module of SOURCE_DIR/plugins/modules must
have a description, options, examples and return values and be listed by ``ansible-doc -l``; every role of
SOURCE_DIR/roles must have a main entry point with a description and options (meta/argument_specs.yml). ansible-doc
exits 0 even for a module it cannot find or document, so what it prints is checked. Exit 1 lists every problem.
"""

import json
import os
import subprocess
import sys


def ansible_doc(*args):
    ansible_doc_path = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    return json.loads(subprocess.run([ansible_doc_path, "--json", *args], check=True, capture_output=True, text=True).stdout)


def module_problems(collection, modules):
    docs = ansible_doc(*modules)
    listed = ansible_doc("-l", collection)
    problems = []
    for fqcn in modules:
        entry = docs.get(fqcn)
        if not entry:
            problems.append("%s: ansible-doc --json has no entry" % fqcn)
            continue
        doc = entry.get("doc") or {}
        for what, value in (("doc.description", doc.get("description")), ("doc.options", doc.get("options")),
                            ("examples", entry.get("examples")), ("return", entry.get("return"))):
            if not value or (isinstance(value, str) and not value.strip()):
                problems.append("%s: empty or missing %s" % (fqcn, what))
        if fqcn not in listed:
            problems.append("%s: not listed by ansible-doc -l" % fqcn)
    return problems


def role_problems(roles):
    docs = ansible_doc("-t", "role", *roles)
    problems = []
    for fqcn in roles:
        main = ((docs.get(fqcn) or {}).get("entry_points") or {}).get("main") or {}
        if not main.get("short_description") or not main.get("options"):
            problems.append("%s: no meta/argument_specs.yml main entry point with a description and options" % fqcn)
    return problems


def main():
    collection, source = sys.argv[1], sys.argv[2]
    modules = sorted("%s.%s" % (collection, name[:-3]) for name in os.listdir(os.path.join(source, "plugins", "modules"))
                     if name.endswith(".py") and name != "__init__.py")
    roles = sorted("%s.%s" % (collection, name) for name in os.listdir(os.path.join(source, "roles")))
    if not modules or not roles:
        sys.exit("check_docs: no modules or no roles under %s: nothing to check" % source)
    problems = module_problems(collection, modules) + role_problems(roles)
    if problems:
        sys.exit("check_docs: ansible-doc checks failed:\n  " + "\n  ".join(problems))
    print("ansible-doc: %d modules documented (description, options, examples, return) and listed; %d roles documented "
          "(argument specs)" % (len(modules), len(roles)))


if __name__ == "__main__":
    main()
