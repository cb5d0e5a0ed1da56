"""Run the local cloud on a loopback address, in a background thread (tests) or in the foreground (the CLI)."""

import ipaddress
import threading
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_app
from .seed import load_seed
from .state import DEFAULT_TOKEN_TTL, CloudState


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


class _PathOnlyHandler(WSGIRequestHandler):
    """Log method, path and status only: query strings may carry signatures (Swift temp URLs)."""

    def log_request(self, code="-", size="-"):
        self.log("info", '"%s %s" %s', self.command, urlsplit(self.path).path, getattr(code, "value", code))


def check_loopback(host):
    """Refuse anything but a loopback IP address: the local cloud must never be reachable from another machine."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"refusing to listen on {host!r}: the local cloud binds loopback IP addresses only (127.0.0.0/8 or ::1)")


class LocalCloud:
    """The emulator on its own port; the socket is bound on construction, so ``url`` and ``port`` are known at once.

    In tests: ``with LocalCloud() as lc: requests.get(lc.url + "/identity/")``, and ``lc.state`` to inspect or steer it.
    ``config`` changes the defaults (``servers.DEFAULT_CONFIG``); a reset comes back to it. ``clock``: see ``CloudState``.
    Stopping it removes the files of Cloud Files objects.
    """

    def __init__(self, host="127.0.0.1", port=0, seed="default", token_ttl=DEFAULT_TOKEN_TTL, quiet=True, config=None, clock=None):
        check_loopback(host)
        self.state = CloudState(load_seed(seed), token_ttl, clock=clock, config=config)
        self.app = create_app(self.state)
        handler = _QuietHandler if quiet else _PathOnlyHandler
        self._server = make_server(host, port, self.app, threaded=True, request_handler=handler)
        self._thread = None

    @property
    def port(self):
        return self._server.server_port

    @property
    def url(self):
        host = self._server.server_address[0]
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def serve_forever(self):
        try:
            self._server.serve_forever(poll_interval=0.1)
        finally:
            self._server.server_close()
            self.state.close()

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, name="localcloud", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        else:
            self._server.server_close()
            self.state.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
