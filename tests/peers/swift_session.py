"""A logged-in session for one account of the peer Swift, in place of the collection's CloudSession.

Swift's tempauth (``GET /auth/v1.0`` with X-Auth-User / X-Auth-Key) returns a token and the account's
storage URL, but no service catalog, so CloudSession cannot log in to it. TempAuthSession offers what
the collection's service clients use of a session (``http``, ``endpoint``, ``region``, ``request``,
``json``), so that ObjectStorageService and the code above it run unchanged against the real Swift;
everything below (HTTP, retries, error mapping, redaction) is the collection's own HttpClient.

    from peers import load_peers
    from swift_session import TempAuthSession
    swift = load_peers()["swift"]
    account = swift["accounts"]["test"]
    session = TempAuthSession(swift["auth_url"], account["user"], account["key"])
"""

from ansible_collections.opencloud.images.plugins.module_utils.errors import AuthenticationError, ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.transport import HttpClient


class TempAuthSession:
    """Logs in lazily, and once more when a token is refused (as CloudSession does)."""

    def __init__(self, auth_url, user, key, http=None):
        self.auth_url = auth_url
        self.user = user
        self.key = key
        self.http = http or HttpClient()
        self.http.redact.add(key)
        self._token = None
        self._storage_url = None

    @property
    def region(self):
        """The account ("test" for the user "test:tester"): each account stands for one region."""
        return self.user.split(":", 1)[0]

    def endpoint(self, service_type, interface="public"):
        if service_type != "object-store":
            raise ConfigError("Swift tempauth at %s offers only the object-store service, not '%s'." % (self.auth_url, service_type))
        if self._storage_url is None:
            self._authenticate()
        return self._storage_url

    def _authenticate(self):
        response = self.http.request("GET", self.auth_url, headers={"X-Auth-User": self.user, "X-Auth-Key": self.key})
        self._token = response.headers["X-Auth-Token"]
        self._storage_url = response.headers["X-Storage-Url"]
        self.http.redact.add(self._token)

    def request(self, method, url, headers=None, **kwargs):
        """An API call with the token; a 401 re-authenticates once and repeats it (unless ``repeat=False``)."""
        try:
            return self.http.request(method, url, headers=self._headers(headers), **kwargs)
        except AuthenticationError:
            self._authenticate()
            if kwargs.get("repeat") is False:
                raise  # a streamed body cannot be sent again: the caller repeats with a fresh stream
        return self.http.request(method, url, headers=self._headers(headers), **kwargs)

    def json(self, method, url, **kwargs):
        return self.http.decode(self.request(method, url, **kwargs), method, url)

    def _headers(self, extra):
        if self._token is None:
            self._authenticate()
        headers = {"X-Auth-Token": self._token, "Accept": "application/json"}
        headers.update(extra or {})
        return headers
