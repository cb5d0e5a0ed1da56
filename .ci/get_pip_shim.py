"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test bootstraps pip in the venvs it creates for sanity tests by downloading
https://ci-files.testing.ansible.com/ansible-test/get-pip-<ver>.py, which is not reachable from CI.
It first looks for a cached copy at ~/.ansible/test/cache/get_pip_<ver with underscores>.py;
scripts/test.sh installs this file there.

ansible-test runs it as:  python get_pip.py --disable-pip-version-check pip==<ver> --no-setuptools --no-wheel
This installs pip from the interpreter's bundled wheel (ensurepip), then the requested pip from PyPI.
"""

import subprocess
import sys

ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]

ENSUREPIP = subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
if ENSUREPIP.returncode:
    sys.stdout.write(ENSUREPIP.stdout)
    sys.exit(ENSUREPIP.returncode)
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q"] + ARGS)
