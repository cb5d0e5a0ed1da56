# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials (options, clouds.yaml, environment) and the Identity v2.0 / v3 token requests."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

try:
    import yaml
    YAML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - only reached when the cloud option is used
    yaml = None
    YAML_IMPORT_ERROR = exc

from ansible_collections.opencloud.images.plugins.module_utils.catalog import ServiceCatalog
from ansible_collections.opencloud.images.plugins.module_utils.errors import (
    ApiError, AuthenticationError, BadRequest, ConfigError, NotFound, UnsupportedMediaType,
)
from ansible_collections.opencloud.images.plugins.module_utils.times import parse_iso_time
from ansible_collections.opencloud.images.plugins.module_utils.token_cache import cache_key

RACKSPACE_AUTH_URL = "https://identity.api.rackspacecloud.com/v2.0/"
METHODS = ("apikey", "password", "token", "application_credential")

# Environment variables read for each option when neither the task nor clouds.yaml sets it,
# in this order. RAX_* are the names the old rax modules and pyrax used; OS_* are openstacksdk's.
ENV_FALLBACKS = (
    ("cloud", ("OS_CLOUD",)),
    ("auth_url", ("RAX_AUTH_URL", "OS_AUTH_URL")),
    ("identity_api_version", ("OS_IDENTITY_API_VERSION",)),
    ("auth_type", ("OPENCLOUD_AUTH_TYPE",)),
    ("username", ("RAX_USERNAME", "OS_USERNAME")),
    ("user_id", ("OS_USER_ID",)),
    ("api_key", ("RAX_API_KEY",)),
    ("password", ("RAX_PASSWORD", "OS_PASSWORD")),
    ("token", ("RAX_AUTH_TOKEN", "OS_TOKEN")),
    ("project_id", ("RAX_TENANT_ID", "OS_PROJECT_ID", "OS_TENANT_ID")),
    ("project_name", ("RAX_TENANT_NAME", "OS_PROJECT_NAME", "OS_TENANT_NAME")),
    ("user_domain_id", ("OS_USER_DOMAIN_ID",)),
    ("user_domain_name", ("OS_USER_DOMAIN_NAME",)),
    ("project_domain_id", ("OS_PROJECT_DOMAIN_ID",)),
    ("project_domain_name", ("OS_PROJECT_DOMAIN_NAME",)),
    ("application_credential_id", ("OS_APPLICATION_CREDENTIAL_ID",)),
    ("application_credential_secret", ("OS_APPLICATION_CREDENTIAL_SECRET",)),
    ("region", ("RAX_REGION", "OS_REGION_NAME")),
    ("ca_cert", ("OS_CACERT",)),
)
AUTH_OPTIONS = tuple(name for name, _env in ENV_FALLBACKS) + ("validate_certs",)
SECRET_OPTIONS = ("api_key", "password", "token", "application_credential_secret")
_METHOD_SECRET = {"apikey": "api_key", "password": "password", "token": "token",
                  "application_credential": "application_credential_secret"}

# clouds.yaml keys (openstacksdk's) and the option each one sets.
_CLOUD_AUTH_KEYS = {
    "auth_url": "auth_url", "username": "username", "user_id": "user_id", "password": "password",
    "api_key": "api_key", "token": "token", "project_id": "project_id", "tenant_id": "project_id",
    "project_name": "project_name", "tenant_name": "project_name", "user_domain_id": "user_domain_id",
    "user_domain_name": "user_domain_name", "project_domain_id": "project_domain_id",
    "project_domain_name": "project_domain_name", "application_credential_id": "application_credential_id",
    "application_credential_secret": "application_credential_secret",
}
_CLOUD_AUTH_TYPES = {
    "password": "password", "v2password": "password", "v3password": "password",
    "token": "token", "v2token": "token", "v3token": "token",
    "v3applicationcredential": "application_credential", "application_credential": "application_credential",
    "rackspace_apikey": "apikey", "apikey": "apikey",
}
_VERSION_SUFFIX = re.compile(r"/v(2\.0|3)/?$")


class AuthConfig:
    """Resolved credentials: which identity service, which method, and the values it needs.

    ``sources`` says where each value came from (option, clouds.yaml or an environment
    variable) so that error messages can tell the operator what to change.
    """

    def __init__(self, values, sources):
        self.values = values
        self.sources = sources
        self.method = None
        self.version = None
        self.auth_url = None

    def get(self, name):
        return self.values.get(name)

    def source(self, name):
        return self.sources.get(name, name)

    @property
    def secret(self):
        return self.values.get(_METHOD_SECRET[self.method])

    @property
    def region(self):
        return self.values.get("region")

    @property
    def validate_certs(self):
        value = self.values.get("validate_certs")
        return True if value is None else value

    def secrets(self):
        return [self.values[name] for name in SECRET_OPTIONS if self.values.get(name)]

    def cache_key(self):
        v = self.values
        return cache_key(self.auth_url, self.version, self.method, v.get("username"), v.get("user_id"),
                         v.get("user_domain_id"), v.get("user_domain_name"), v.get("application_credential_id"),
                         v.get("project_id"), v.get("project_name"), v.get("project_domain_id"),
                         v.get("project_domain_name"), v.get("token") if self.method == "token" else None)


def resolve(params, environ=None, cloud_files=None, env_credentials=True, fallbacks=None):
    """Build an :class:`AuthConfig` from module options, a clouds.yaml cloud and the environment.

    Precedence: task options, then the clouds.yaml entry named by ``cloud``, then environment
    variables. The auth method is chosen from the task and clouds.yaml first, so that a stray
    environment variable never turns an API-key login into a password login.

    A second account of the same task (image_share's ``consumer``) passes ``env_credentials=False``: its clouds.yaml
    and secure.yaml are found exactly as the task's own (``OS_CLIENT_CONFIG_FILE``/``OS_CLIENT_SECURE_FILE``, then the
    standard places), but the credential variables (``OS_CLOUD``, ``OS_PASSWORD``, ``RAX_API_KEY``...) are the task's
    account's and are not read for it. ``fallbacks`` (option: (value, source)) fill what nothing else sets.
    """
    environ = os.environ if environ is None else environ
    values = dict((k, v) for k, v in params.items() if k in AUTH_OPTIONS and v not in (None, ""))
    sources = dict((k, "option %s" % k) for k in values)
    cloud = values.get("cloud") or (environ.get("OS_CLOUD") if env_credentials else None)
    if cloud:
        for key, value in load_cloud(cloud, environ, cloud_files).items():
            if key not in values:
                values[key] = value
                sources[key] = "%s in clouds.yaml cloud '%s'" % (key, cloud)
    primary = dict(values)
    for option, names in ENV_FALLBACKS if env_credentials else ():
        if option in values:
            continue
        for name in names:
            if environ.get(name):
                values[option] = environ[name]
                sources[option] = "%s (environment variable %s)" % (option, name)
                break
    for option, (value, source) in (fallbacks or {}).items():
        if option not in values and value not in (None, ""):
            values[option] = value
            sources[option] = "%s (%s)" % (option, source)
    config = AuthConfig(values, sources)
    config.method = _choose_method(values, primary, sources)
    config.version = _choose_version(config)
    config.auth_url = _versioned_url(values.get("auth_url") or RACKSPACE_AUTH_URL, config.version)
    _check_required(config)
    _check_locations(config)
    return config


def _given_methods(values):
    given = []
    if values.get("application_credential_id") or values.get("application_credential_secret"):
        given.append("application_credential")
    for method in ("apikey", "password", "token"):
        if values.get(_METHOD_SECRET[method]):
            given.append(method)
    return given


def _choose_method(values, primary, sources):
    if values.get("auth_type"):
        method = _CLOUD_AUTH_TYPES.get(values["auth_type"], values["auth_type"])
        if method not in METHODS:
            raise ConfigError("auth_type '%s' is not supported; use one of: %s." % (values["auth_type"], ", ".join(METHODS)),
                              option="auth_type")
        return method
    given = _given_methods(primary)
    if len(given) > 1:
        names = [sources.get(_METHOD_SECRET[m], _METHOD_SECRET[m]) for m in given]
        raise ConfigError("Contradictory credentials: %s are all set. Give only one of api_key, password, token and "
                          "application_credential_secret, or set auth_type to say which to use." % " and ".join(names),
                          option="auth_type")
    given = given or _given_methods(values)
    if not given:
        raise ConfigError("No credentials: set username and api_key (Rackspace), username and password, "
                          "application_credential_id and application_credential_secret, token, or cloud "
                          "(a clouds.yaml entry). The environment variables RAX_USERNAME/RAX_API_KEY or "
                          "OS_CLOUD/OS_USERNAME/OS_PASSWORD work too.", option="api_key")
    return given[0]


def _choose_version(config):
    explicit = str(config.get("identity_api_version") or "")
    if explicit:
        if explicit not in ("2", "2.0", "3"):
            raise ConfigError("identity_api_version must be 2.0 or 3, not '%s'." % explicit, option="identity_api_version")
        version = "3" if explicit == "3" else "2.0"
    else:
        match = _VERSION_SUFFIX.search(config.get("auth_url") or RACKSPACE_AUTH_URL)
        if match:
            version = match.group(1)
        else:
            version = "2.0" if config.method == "apikey" else "3"
    if version == "2.0" and config.method == "application_credential":
        raise ConfigError("Application credentials need Keystone v3, but auth_url %s is Identity v2.0. Point auth_url at "
                          "the v3 endpoint (for example https://keystone.example.com/v3)." % config.get("auth_url"),
                          option="auth_url")
    if version == "3" and config.method == "apikey":
        raise ConfigError("api_key works only with Rackspace Identity v2.0 (%s), but auth_url %s is Keystone v3. Use "
                          "password or an application credential there." % (RACKSPACE_AUTH_URL, config.get("auth_url")),
                          option="api_key")
    return version


def _versioned_url(url, version):
    url = url.rstrip("/")
    if _VERSION_SUFFIX.search(url):
        return url
    return "%s/v%s" % (url, version)


def _check_required(config):
    def need(*names):
        if not any(config.get(n) for n in names):
            raise ConfigError("%s login needs %s: set it as an option, in clouds.yaml or in the environment."
                              % (config.method, " or ".join(names)), option=names[0])
    if config.method in ("apikey", "password"):
        need("username", "user_id")
    if config.method == "apikey" and not config.get("username"):
        need("username")
    need(_METHOD_SECRET[config.method])
    if config.method == "application_credential":
        need("application_credential_id")
    if config.version == "2.0" and config.get("project_id") and config.get("project_name"):
        raise ConfigError("Set project_id (tenant_id) or project_name (tenant_name), not both: Identity v2.0 refuses both.",
                          option="project_id")


def _check_locations(config):
    """The identity URL must be one, and a CA bundle must be a file: both are named with where they came from."""
    url = config.get("auth_url")
    if url and not re.match(r"^https?://[^/]", url):
        raise ConfigError("auth_url (%s) must be an http:// or https:// URL, not %r." % (config.source("auth_url"), url),
                          option="auth_url")
    ca_cert = config.get("ca_cert")
    if ca_cert and not os.path.isfile(ca_cert):
        raise ConfigError("ca_cert (%s) is %s, which is not a file: give the path of a PEM bundle of the CA certificates "
                          "to trust." % (config.source("ca_cert"), ca_cert), option="ca_cert")


def load_cloud(name, environ, files=None):
    """The options a clouds.yaml (merged with secure.yaml) entry sets."""
    if yaml is None:
        raise ConfigError("The cloud option needs PyYAML: %s" % YAML_IMPORT_ERROR, option="cloud")
    clouds_files, secure_files = files or _config_files(environ)
    found, clouds = _read_clouds(clouds_files)
    if name not in clouds:
        raise ConfigError("Cloud '%s' is not defined in %s; defined clouds: %s." % (
            name, found or "any clouds.yaml (looked in %s)" % ", ".join(clouds_files),
            ", ".join(sorted(clouds)) or "none"), option="cloud")
    entry = dict(clouds[name])
    secure = _read_clouds(secure_files)[1].get(name, {})
    auth = dict(entry.get("auth") or {})
    auth.update(secure.get("auth") or {})
    options = {}
    for key, option in _CLOUD_AUTH_KEYS.items():
        if auth.get(key) not in (None, ""):
            options.setdefault(option, str(auth[key]))
    for key, option in (("region_name", "region"), ("identity_api_version", "identity_api_version"),
                        ("cacert", "ca_cert"), ("auth_type", "auth_type")):
        if entry.get(key) not in (None, ""):
            options[option] = str(entry[key])
    if entry.get("verify") is not None:
        options["validate_certs"] = bool(entry["verify"])
    return options


def _config_files(environ):
    dirs = [os.getcwd(), os.path.join(os.path.expanduser("~"), ".config", "openstack"), "/etc/openstack"]
    clouds = [os.path.join(d, "clouds.yaml") for d in dirs]
    secure = [os.path.join(d, "secure.yaml") for d in dirs]
    if environ.get("OS_CLIENT_CONFIG_FILE"):
        clouds.insert(0, environ["OS_CLIENT_CONFIG_FILE"])
    if environ.get("OS_CLIENT_SECURE_FILE"):
        secure.insert(0, environ["OS_CLIENT_SECURE_FILE"])
    return clouds, secure


def _read_clouds(paths):
    """(path, clouds) of the first existing file, as openstacksdk does."""
    for path in paths:
        if os.path.isfile(path):
            try:
                with open(path) as handle:
                    data = yaml.safe_load(handle) or {}
            except (IOError, OSError, yaml.YAMLError) as exc:
                raise ConfigError("Cannot read %s: %s" % (path, exc), option="cloud")
            clouds = data.get("clouds") if isinstance(data, dict) else None
            return path, clouds if isinstance(clouds, dict) else {}
    return None, {}


class AuthResult:
    """A token and what came with it. ``as_dict``/``from_dict`` round-trip through the token cache."""

    FIELDS = ("token", "expires", "project_id", "user_id", "user_name", "default_region", "version")

    def __init__(self, catalog, **fields):
        self.catalog = catalog
        for name in self.FIELDS:
            setattr(self, name, fields.get(name))

    @property
    def expires_epoch(self):
        return parse_iso_time(self.expires)

    def as_dict(self):
        data = dict((name, getattr(self, name)) for name in self.FIELDS)
        data["catalog"] = self.catalog.as_dicts()
        return data

    @classmethod
    def from_dict(cls, data):
        fields = dict(data)
        catalog = ServiceCatalog.from_dicts(fields.pop("catalog", []))
        return cls(catalog, **fields)


def request_token(config, http):
    """Ask the identity service for a token; map its failures to messages that name the option to fix."""
    if config.version == "2.0":
        url, body = config.auth_url + "/tokens", _v2_body(config)
    else:
        url, body = config.auth_url + "/auth/tokens", _v3_body(config)
    try:
        response = http.request("POST", url, json_body=body, headers={"Accept": "application/json"})
    except AuthenticationError as exc:
        raise AuthenticationError(_refused_message(config, exc), status=exc.status, fault=exc.fault, method="POST",
                                  url=url)
    except (NotFound, UnsupportedMediaType) as exc:
        raise _not_identity(config, exc.status)
    except BadRequest as exc:
        raise ConfigError("The identity service at %s refused the login request: %s" % (config.auth_url, _fault_message(exc)),
                          option="auth_url")
    except ApiError as exc:
        if exc.status == 405:
            raise _not_identity(config, exc.status)
        raise
    try:
        data = response.json()
    except ValueError:
        data = None
    if config.version == "2.0":
        result = _parse_v2(data)
    else:
        result = _parse_v3(data, response.headers.get("X-Subject-Token"))
    if result is None:
        raise _not_identity(config, response.status_code)
    http.redact.add(result.token)
    return result


def _fault_message(exc):
    return exc.message.split(": ", 1)[-1]


def _refused_message(config, exc):
    """Why a login was refused (401), naming what to check: the credentials and, for a scoped login, the project.

    Keystone answers the same 401 "The request you have made requires authentication." for a wrong password and for a
    project that does not exist or on which the user has no role (the reason is only logged, or shown with
    ``insecure_debug``), so a scoped v3 login names both possibilities. Asking again unscoped would tell them apart,
    but a wrong password would then count twice towards Keystone's lockout: it is not done.
    """
    reason = _fault_message(exc).rstrip(" .") or "HTTP 401"
    credentials = "%s; %s" % (_who(config), config.source(_METHOD_SECRET[config.method]))
    project = _scope(config)
    if project is None:
        return ("The identity service at %s rejected the credentials (%s): %s. Check them, and that they belong to this "
                "identity service." % (config.auth_url, credentials, reason))
    what, options = project
    same = ("Keystone gives this same answer for wrong credentials and for a project that does not exist%s or on which "
            "the user has no role" % ("" if config.get("project_id") else " in that domain")) if config.version == "3" else \
        "Either may be wrong"
    return ("The identity service at %s rejected the credentials (%s) or the %s: %s. %s: check the credentials, and %s."
            % (config.auth_url, credentials, what, reason, same, options))


def _scope(config):
    """(description, options to check) of the project a login is scoped to; None for an unscoped login."""
    if config.method == "application_credential":
        return None
    if config.get("project_id"):
        return ("project id %s (%s)" % (config.get("project_id"), config.source("project_id")),
                "project_id (or use project_name with project_domain_name or project_domain_id)")
    if not config.get("project_name"):
        return None
    what = "project '%s' (%s)" % (config.get("project_name"), config.source("project_name"))
    if config.version != "3":
        return what, "project_name (or use project_id)"
    # The domain the login asked for, in _v3_body's order: the project's, else the user's, else "default".
    domain = next((option for option in ("project_domain_id", "project_domain_name", "user_domain_id", "user_domain_name")
                   if config.get(option)), None)
    if domain:
        what += " in domain %s (%s)" % (config.get(domain), config.source(domain))
    else:
        what += " in domain id default (neither project_domain_name nor project_domain_id is set)"
    return what, "project_name, project_domain_name or project_domain_id (or use project_id)"


def _who(config):
    if config.method == "application_credential":
        return "application credential %s" % config.get("application_credential_id")
    if config.method == "token":
        return "a pre-issued token"
    return "user %s" % (config.get("username") or config.get("user_id"))


def _not_identity(config, status):
    return ConfigError("auth_url %s did not answer as an Identity v%s service (HTTP %s). Check auth_url: Rackspace uses %s, "
                       "a Keystone cloud https://<keystone host>/v3." % (config.auth_url, config.version, status, RACKSPACE_AUTH_URL),
                       option="auth_url")


def _v2_body(config):
    if config.method == "apikey":
        auth = {"RAX-KSKEY:apiKeyCredentials": {"username": config.get("username"), "apiKey": config.get("api_key")}}
    elif config.method == "password":
        auth = {"passwordCredentials": {"username": config.get("username"), "password": config.get("password")}}
    else:
        auth = {"token": {"id": config.get("token")}}
    if config.get("project_id"):
        auth["tenantId"] = config.get("project_id")
    elif config.get("project_name"):
        auth["tenantName"] = config.get("project_name")
    return {"auth": auth}


def _domain(config, prefix):
    if config.get(prefix + "_domain_id"):
        return {"id": config.get(prefix + "_domain_id")}
    if config.get(prefix + "_domain_name"):
        return {"name": config.get(prefix + "_domain_name")}
    return None


def _v3_body(config):
    if config.method == "application_credential":
        identity = {"methods": ["application_credential"],
                    "application_credential": {"id": config.get("application_credential_id"),
                                               "secret": config.get("application_credential_secret")}}
        return {"auth": {"identity": identity}}
    if config.method == "token":
        identity = {"methods": ["token"], "token": {"id": config.get("token")}}
    else:
        if config.get("user_id"):
            user = {"id": config.get("user_id")}
        else:
            user = {"name": config.get("username"), "domain": _domain(config, "user") or {"id": "default"}}
        user["password"] = config.get("password")
        identity = {"methods": ["password"], "password": {"user": user}}
    body = {"auth": {"identity": identity}}
    if config.get("project_id"):
        body["auth"]["scope"] = {"project": {"id": config.get("project_id")}}
    elif config.get("project_name"):
        domain = _domain(config, "project") or _domain(config, "user") or {"id": "default"}
        body["auth"]["scope"] = {"project": {"name": config.get("project_name"), "domain": domain}}
    return body


def _parse_v2(data):
    access = data.get("access") if isinstance(data, dict) else None
    if not isinstance(access, dict) or not isinstance(access.get("token"), dict):
        return None
    token = access["token"]
    user = access.get("user") or {}
    return AuthResult(ServiceCatalog.from_v2(access.get("serviceCatalog")), version="2.0",
                      token=token.get("id"), expires=token.get("expires"),
                      project_id=(token.get("tenant") or {}).get("id"), user_id=user.get("id"),
                      user_name=user.get("name"), default_region=user.get("RAX-AUTH:defaultRegion"))


def _parse_v3(data, token_id):
    token = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token, dict) or not token_id:
        return None
    user = token.get("user") or {}
    return AuthResult(ServiceCatalog.from_v3(token.get("catalog")), version="3", token=token_id,
                      expires=token.get("expires_at"), project_id=(token.get("project") or {}).get("id"),
                      user_id=user.get("id"), user_name=user.get("name"), default_region=None)
