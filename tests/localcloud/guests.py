"""Guests: what answers on a server's address once it is ACTIVE, so that boot checks are real.

Each server made by ``POST /servers`` gets its own loopback address (127.0.0.2, 127.0.0.3, ...; Linux routes all of
127.0.0.0/8 to ``lo``). While the server is ACTIVE a real OpenSSH ``sshd`` (Debian's openssh-server) listens there, on one
port shared by every guest of this local cloud (port 22 would need root and collide with a host sshd): one sshd per server,
with a throwaway ed25519 host key made at boot (a rebuild boots again, so the host key changes as on a real rebuild),
public-key login only, for the user running the local cloud, the server's key pair as the only authorized key, and
``OPENCLOUD_SERVER_ID``, ``OPENCLOUD_IMAGE_ID``, ``OPENCLOUD_SERVER_NAME`` in the session's environment.

No leftovers: every sshd is started by one long-lived launcher thread through ``setpriv --pdeathsig TERM``, so it gets
SIGTERM when the local cloud dies (the parent-death signal follows the thread that forked, hence one thread for all);
stopping a server, ``reset()``, ``close()`` and the interpreter's exit stop them, and their files go with them.
"""

import getpass
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

SSHD_PATHS = ("/usr/sbin/sshd",)
START_TIMEOUT = 10  # seconds for sshd to say it is listening
STOP_TIMEOUT = 5
FIRST_ADDRESS = ipaddress.IPv4Address("127.0.0.2")
LISTENING = "Server listening on"
PRIVSEP_DIR = "/run/sshd"  # sshd started as root refuses to run without it (Debian's service makes it at start too)


class GuestError(Exception):
    """A guest sshd that could not start; the message says why (it ends up in the server's fault)."""


def find_sshd():
    return next((path for path in SSHD_PATHS if os.access(path, os.X_OK)), None) or shutil.which("sshd")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _quoted(text):
    """A value for sshd_config's SetEnv, inside double quotes: no quotes, backslashes or line breaks."""
    return "".join(" " if char in '"\\\r\n' else char for char in str(text))


def _stop_process(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stop_all(processes, directory):
    for process in processes.values():
        _stop_process(process)
    processes.clear()
    shutil.rmtree(directory, ignore_errors=True)


class Guests:
    """The guest sshd processes of one ``CloudState`` (call with its lock held)."""

    def __init__(self):
        self.user = getpass.getuser()
        self.port = _free_port()
        self.directory = tempfile.mkdtemp(prefix="localcloud-guests-")
        self.processes = {}  # server id -> Popen
        self.logs = {}  # server id -> path of its sshd's log
        self._next = 0
        self._launcher = ThreadPoolExecutor(1, thread_name_prefix="localcloud-guests")
        self._finalizer = weakref.finalize(self, _stop_all, self.processes, self.directory)

    def allocate_address(self):
        """The next loopback address (127.0.0.2 onwards, skipping .0 and .255 host parts)."""
        while True:
            address = FIRST_ADDRESS + self._next
            self._next += 1
            if str(address).rsplit(".", 1)[1] not in ("0", "255"):
                return str(address)

    def start(self, server, image_id):
        """Boot the server's sshd on its address; GuestError if it does not come up (the log says why)."""
        self.stop(server.id)
        sshd = find_sshd()
        if sshd is None:
            raise GuestError("sshd not found: install Debian's openssh-server (the local cloud's guests run a real sshd)")
        home = tempfile.mkdtemp(prefix=f"{server.id}-", dir=self.directory)
        host_key, authorized, config, log = (os.path.join(home, name) for name in ("host_key", "authorized_keys", "sshd_config", "sshd.log"))
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"localcloud-{server.id}", "-f", host_key], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(authorized, "w", encoding="ascii") as handle:
            handle.write(f"{server.public_key}\n" if server.public_key else "")
        settings = [f"ListenAddress {server.guest_address}:{self.port}", f"HostKey {host_key}", "PidFile none",
                    f"AuthorizedKeysFile {authorized}", "StrictModes no", "UsePAM no", "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin prohibit-password",
                    f"AllowUsers {self.user}", "Subsystem sftp internal-sftp",
                    f'SetEnv "OPENCLOUD_SERVER_ID={server.id}" "OPENCLOUD_IMAGE_ID={_quoted(image_id)}" '
                    f'"OPENCLOUD_SERVER_NAME={_quoted(server.name)}"']
        with open(config, "w", encoding="ascii", errors="replace") as handle:
            handle.write("\n".join(settings) + "\n")
        if os.geteuid() == 0:
            os.makedirs(PRIVSEP_DIR, mode=0o755, exist_ok=True)
        command = [sshd, "-D", "-e", "-f", config]
        if shutil.which("setpriv"):
            command = ["setpriv", "--pdeathsig", "TERM", "--"] + command
        with open(log, "wb") as output:
            process = self._launcher.submit(subprocess.Popen, command, stdin=subprocess.DEVNULL, stdout=output,
                                            stderr=subprocess.STDOUT).result()
        self.processes[server.id] = process
        self.logs[server.id] = log
        deadline = time.monotonic() + START_TIMEOUT
        while LISTENING not in self.log(server.id):
            if process.poll() is not None or time.monotonic() > deadline:
                text = self.log(server.id).strip()
                self.stop(server.id)
                raise GuestError(f"sshd did not start: {text or 'no output'}")
            time.sleep(0.01)

    def log(self, server_id):
        """What the server's sshd has logged so far ("" without one)."""
        path = self.logs.get(server_id)
        if path is None:
            return ""
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except FileNotFoundError:
            return ""

    def stop(self, server_id):
        """Stop the server's sshd, if it has one; returns what it logged."""
        process = self.processes.pop(server_id, None)
        text = self.log(server_id)
        path = self.logs.pop(server_id, None)
        if process is not None:
            _stop_process(process)
        if path is not None:
            shutil.rmtree(os.path.dirname(path), ignore_errors=True)
        return text

    def stop_all(self):
        for server_id in list(self.processes):
            self.stop(server_id)
        self._next = 0

    def close(self):
        """Stop every sshd and remove the directory (the object is unusable afterwards)."""
        self._finalizer()
        self._launcher.shutdown(wait=False)

    def describe(self, servers):
        """For the control API's state: the shared port, the login user, and each guest's address and sshd."""
        return {"ssh_port": self.port, "ssh_user": self.user, "servers": {
            server.id: {"address": server.guest_address, "listening": server.id in self.processes and self.processes[server.id].poll() is None,
                        "pid": self.processes[server.id].pid if server.id in self.processes else None}
            for server in servers if server.guest_address}}
