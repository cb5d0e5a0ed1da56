"""Two builds of the collection hold the same files: ``python tests/tools/compare_builds.py A.tar.gz B.tar.gz``.

ansible-galaxy stamps the build time into the tar headers, so two builds differ in bytes; names, types, modes, owners,
sizes and sha256 of every member (MANIFEST.json and FILES.json included) must be the same. Exit 1 shows the first
differences.
"""

import hashlib
import sys
import tarfile


def members(path):
    with tarfile.open(path) as tar:
        return [(m.name, m.type, m.mode, m.uid, m.gid, m.uname, m.gname, m.linkname, m.size,
                 hashlib.sha256(tar.extractfile(m).read()).hexdigest() if m.isfile() else "") for m in tar.getmembers()]


def main():
    first, second = members(sys.argv[1]), members(sys.argv[2])
    if first != second:
        diff = sorted(set(first) ^ set(second))[:20]
        sys.exit("compare_builds: the earlier stages left files that reach the artifact (build_ignore in galaxy.yml?):\n  "
                 + "\n  ".join(str(d[:2] + d[-2:]) for d in diff))
    print("reproducible build: %d entries, same names, modes, owners and sha256 (MANIFEST.json and FILES.json included)"
          % len(first))


if __name__ == "__main__":
    main()
