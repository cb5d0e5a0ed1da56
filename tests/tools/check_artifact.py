"""What a user of the built collection gets: ``python tests/tools/check_artifact.py TARBALL``.

Fails (exit 1, every problem listed) when the tarball ships files that are for working on the collection only (the
local cloud, the peers, test runners, scripts: ``build_ignore`` in galaxy.yml), or when a Markdown file it ships points
at a file it does not ship: a relative link ``[...](path)`` or a path in backticks that starts at a top-level directory
of the collection (``playbooks/x.yml``, ``tests/peers``), taken from the collection root or from the Markdown file's own
directory.
"""

import json
import posixpath
import re
import sys
import tarfile

NOT_SHIPPED = ("tests/localcloud", "tests/peers", "tests/mariadb", "tests/contract", "tests/functional", "tests/reliability",
               "tests/tools", ".ci", "scripts", "benchmarks", "docs/build.sh", "docs/sphinx", "docs/reference.md", "docs/releasing.md")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# A path in backticks: relative, with a slash, made of path characters (no spaces, options or placeholders).
BACKTICKED = re.compile(r"`((?:\.\./)?[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]*)`")


def shipped_names(tarball):
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
        names = {m.name.removeprefix("./").rstrip("/") for m in members}
        texts = {m.name.removeprefix("./"): tar.extractfile(m).read().decode("utf-8")
                 for m in members if m.isfile() and m.name.endswith(".md")}
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    return names, texts, manifest


def references(text, tops):
    """Relative links, and backticked paths that start at a top-level directory of the collection (``tops``): others,
    such as ``env/envvars`` in an AWX job's layout or an action group ``group/NAME``, are not paths of the collection."""
    for match in LINK.finditer(text):
        target = match.group(1)
        if "://" not in target and not target.startswith(("mailto:", "/")):
            yield target
    for match in BACKTICKED.finditer(text):
        if match.group(1).lstrip("./").split("/", maxsplit=1)[0] in tops:
            yield match.group(1)


def problems_of(tarball):
    names, texts, manifest = shipped_names(tarball)
    found = ["ships %s (build_ignore in galaxy.yml)" % n for n in sorted(names)
             if any(n == f or n.startswith(f + "/") for f in NOT_SHIPPED)]
    readme = manifest["collection_info"]["readme"]
    if readme not in texts:
        found.append("the readme %s of MANIFEST.json is not in the tarball" % readme)
    tops = {n.split("/", maxsplit=1)[0] for n in names} | {f.split("/", maxsplit=1)[0] for f in NOT_SHIPPED}
    for path, text in sorted(texts.items()):
        for target in references(text, tops):
            here = posixpath.normpath(posixpath.join(posixpath.dirname(path), target)).rstrip("/")
            root = posixpath.normpath(target).rstrip("/")
            if here not in names and root not in names:
                found.append("%s points at %s, which the tarball does not ship" % (path, target))
    return found, len(names), readme


def main():
    found, count, readme = problems_of(sys.argv[1])
    if found:
        sys.exit("check_artifact: %s:\n  %s" % (sys.argv[1], "\n  ".join(found)))
    print("tarball: %d entries, none for development only; the readme %s and every shipped Markdown file point only at "
          "shipped files" % (count, readme))


if __name__ == "__main__":
    main()
