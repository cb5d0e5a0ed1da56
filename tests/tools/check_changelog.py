"""The changelog of a trial release: ``python tests/tools/check_changelog.py released|names VERSION`` in a collection.

``released VERSION`` exits 0 when changelogs/changelog.yaml has that release already (then CHANGELOG.md must be what
antsibull-changelog generates), 1 when it has not (then a trial release is made). ``names VERSION`` checks that the
releases up to VERSION name every module, role and playbook of the collection (a module needs ``version_added``, a role
or playbook an ``add object.role`` / ``add object.playbook`` fragment).
"""

import glob
import os
import sys

import yaml


def releases():
    with open("changelogs/changelog.yaml") as handle:
        return yaml.safe_load(handle)["releases"] or {}


def missing_names(known):
    listed = {"module": set(), "role": set(), "playbook": set()}
    for release in known.values():
        listed["module"].update(m["name"] for m in release.get("modules", []))
        for kind in ("role", "playbook"):
            listed[kind].update(o["name"] for o in release.get("objects", {}).get(kind, []))
    have = {"module": {os.path.basename(p)[:-3] for p in glob.glob("plugins/modules/*.py")} - {"__init__"},
            "role": {os.path.basename(p.rstrip("/")) for p in glob.glob("roles/*/")},
            "playbook": {os.path.basename(p)[:-4] for p in glob.glob("playbooks/*.yml")}}
    return have, ["%s %s" % (kind, name) for kind in have for name in sorted(have[kind] - listed[kind])]


def main():
    what, version = sys.argv[1], sys.argv[2]
    known = releases()
    if what == "released":
        sys.exit(0 if version in known else 1)
    have, missing = missing_names(known)
    if missing:
        sys.exit("check_changelog: the changelog of %s does not name: %s (a module needs version_added; a role or playbook "
                 "an 'add object.role/playbook' fragment)" % (version, ", ".join(missing)))
    print("changelog %s: %d modules, %d roles, %d playbooks, %d sections of changes"
          % (version, len(have["module"]), len(have["role"]), len(have["playbook"]), len(known[version].get("changes", {}))))


if __name__ == "__main__":
    main()
