# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An authenticated connection to one region of a cloud: token (cached), catalog, and API calls."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import threading

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.errors import AuthenticationError, ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.retries import RetryPolicy
from ansible_collections.opencloud.images.plugins.module_utils.transport import HttpClient

# A refused token is renewed once and the request sent again with the new one, at once.
RENEWED_TOKEN = RetryPolicy(attempts=2)


class Login:
    """The token of one identity, shared by a session, its sessions for other regions and their threads.

    A token refused in several threads at once (it expired during a long copy) is renewed once:
    a thread renews only if the token that failed is still the current one.
    """

    def __init__(self):
        self.result = None
        self.lock = threading.Lock()


class CloudSession:
    """Authenticates lazily, reuses a cached token, and re-authenticates once when a token is refused."""

    def __init__(self, config, http=None, cache=None, timeout=60, trace=None):
        self.config = config
        self.http = http or HttpClient(validate_certs=config.validate_certs, ca_cert=config.get("ca_cert"),
                                       read_timeout=timeout, trace=trace)
        self.http.redact.add(*config.secrets())
        self.cache = cache
        self.login = Login()
        self._region = None

    @property
    def auth(self):
        with self.login.lock:
            if self.login.result is None:
                if self.cache is None:
                    self.login.result = self._authenticate()
                else:
                    with self.cache.lock(self.config.cache_key()):
                        self.login.result = self._load_cached() or self._authenticate()
            return self.login.result

    def _load_cached(self):
        data = self.cache.load(self.config.cache_key(), self.config.secret)
        if not data:
            return None
        result = auth.AuthResult.from_dict(data)
        self.http.redact.add(result.token)
        return result

    def _authenticate(self):
        result = auth.request_token(self.config, self.http)
        if self.cache is not None:
            self.cache.store(self.config.cache_key(), self.config.secret, result.as_dict(), result.expires_epoch)
        return result

    def _renew(self, refused):
        """A new token in place of ``refused``, unless another thread or region has renewed it already."""
        with self.login.lock:
            if self.login.result is not None and self.login.result.token != refused:
                return
            if self.cache is not None:
                self.cache.invalidate(self.config.cache_key())
            self.login.result = self._authenticate()

    def in_region(self, region):
        """A session for another region of the same account: the same login (token), HTTP client and cache."""
        other = copy.copy(self)
        other._region = region
        return other

    @property
    def region(self):
        """The region in use: the configured one, else the account's default (Rackspace), else the only one."""
        if self._region:
            return self._region
        if self.config.region or self.auth.default_region:
            return self.config.region or self.auth.default_region
        regions = self.auth.catalog.regions()
        return regions[0] if len(regions) == 1 else None

    def endpoint(self, service_type, interface="public"):
        catalog = self.auth.catalog
        if not catalog.endpoints:
            raise ConfigError("The token from %s carries no service catalog: it is not scoped to a project. Set project_name "
                              "or project_id." % self.config.auth_url, option="project_name")
        return catalog.endpoint(service_type, self.region, interface)

    def request(self, method, url, headers=None, **kwargs):
        """An API call with the token; a 401 (token expired or revoked) re-authenticates once and repeats it.

        A streamed body (``repeat=False``) cannot be sent again: the new token is in place and the
        401 is raised for the caller to repeat with a fresh stream.
        """
        tokens = []

        def send():
            tokens.append(self.auth.token)
            return self.http.request(method, url, headers=self._headers(headers, tokens[-1]), **kwargs)

        def renewed(error):
            """Renew a refused token (the first time only); whether to send the request again with it."""
            if not isinstance(error, AuthenticationError) or len(tokens) > 1:
                return False
            self._renew(tokens[0])
            return kwargs.get("repeat") is not False
        return RENEWED_TOKEN.run(send, renewed)

    def json(self, method, url, **kwargs):
        return self.http.decode(self.request(method, url, **kwargs), method, url)

    @staticmethod
    def _headers(extra, token):
        headers = {"X-Auth-Token": token, "Accept": "application/json"}
        headers.update(extra or {})
        return headers


class ServiceClient:
    """Base of the per-service clients: the session, and the service's root URL in the session's region."""

    service_type = None

    def __init__(self, session, interface="public"):
        self.session = session
        self.interface = interface
        self._root = None

    @property
    def root(self):
        if self._root is None:
            self._root = self.normalise(self.session.endpoint(self.service_type, self.interface))
        return self._root

    @staticmethod
    def normalise(url):
        return url.rstrip("/")
