"""Identity: Rackspace Identity v2.0 (``/identity/v2.0``) and Keystone v3 (``/identity/v3``).

Both hand out the same kind of token (see ``CloudState.issue_token``), so a token from either works everywhere,
and both build their service catalog from ``_catalog_entries``.
"""

import hashlib
import json
import re
import secrets

from flask import Blueprint, request

from .errors import KEYSTONE_UNAUTHORIZED, json_response, keystone_error, rax_fault
from .state import current_state

SERVICE = "identity"
PATH_RE = re.compile(r"^/identity(/|$)")
blueprint = Blueprint(SERVICE, __name__, url_prefix="/identity")

RAX_UNAUTHORIZED = "Unable to authenticate user with credentials provided."
RAX_BAD_BODY = "Invalid json request body"
V3_METHODS = ["password", "token", "application_credential"]
V3_ROLES = ["member", "reader"]
_BAD_REQUEST_TAIL = (" The server could not comply with the request since it is either malformed or otherwise incorrect."
                     " The client is assumed to be in error.")


def _version_v2():
    return {"id": "v2.0", "status": "stable", "updated": "2014-04-17T00:00:00Z",
            "links": [{"rel": "self", "href": f"{request.host_url}identity/v2.0/"}],
            "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v2.0+json"}]}


def _version_v3():
    return {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": f"{request.host_url}identity/v3/"}],
            "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}


@blueprint.get("/", strict_slashes=False)
def versions():
    v3 = _version_v3()
    return json_response({"versions": {"values": [v3, _version_v2()]}}, 300, {"Location": v3["links"][0]["href"]})


@blueprint.get("/v2.0", strict_slashes=False)
def version_v2():
    return json_response({"version": _version_v2()})


@blueprint.get("/v3", strict_slashes=False)
def version_v3():
    return json_response({"version": _version_v3()})


def http_error(exc):
    """Routing errors (unknown path, wrong method) in the style of the API version addressed."""
    if request.path.startswith("/identity/v3"):
        return keystone_error(exc.code, exc.description)
    return rax_fault(exc.code, exc.description)


def _request_json():
    """The JSON object body, or None when the body is not a JSON object."""
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _hex_id(*parts):
    """Stable 32-hex ids (like Keystone's) for catalog entries and roles."""
    return hashlib.md5("/".join(parts).encode(), usedforsecurity=False).hexdigest()


def _catalog_entries(account, keystone):
    """(name, type, region, tenant, {interface: url}) for every service and region, from the request's host URL.

    Keystone catalogs list the image endpoint without ``/v2`` (clients discover the version); Rackspace's has it, and
    lists Cloud Files' CDN management endpoint too (``cloudFilesCDN``, public only; the local cloud does not serve that API).
    """
    state = current_state()
    base = request.host_url.rstrip("/")
    files_tenant = f"MossoCloudFS_{account.tenant_id}"
    for region in state.regions:
        root = f"{base}/regions/{region}"
        image_url = f"{root}/image" if keystone else f"{root}/image/v2"
        yield "cloudServersOpenStack", "compute", region, account.tenant_id, {"public": f"{root}/compute/v2/{account.tenant_id}"}
        yield "cloudImages", "image", region, account.tenant_id, {"public": image_url}
        yield "cloudFiles", "object-store", region, files_tenant, {"public": f"{root}/object-store/v1/{files_tenant}",
                                                                   "internal": f"{root}/snet-object-store/v1/{files_tenant}"}
        if keystone:
            yield "keystone", "identity", region, None, {"public": f"{base}/identity"}
        else:
            yield "cloudFilesCDN", "rax:object-cdn", region, files_tenant, {"public": f"{root}/object-cdn/v1/{files_tenant}"}


# Rackspace Identity v2.0

def _rax_millis(moment):
    """Rackspace's expiry format, ``2014-11-24T22:05:39.115Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _v2_compute_versions(public_url):
    """Where Rackspace's v2.0 catalog points compute clients for version discovery (DID samples/auth-response.json)."""
    version_info = public_url.rsplit("/", 1)[0]
    return {"versionId": "2", "versionInfo": version_info, "versionList": version_info.rsplit("/", 1)[0] + "/"}


def _v2_access(token, account):
    files_tenant = f"MossoCloudFS_{account.tenant_id}"
    catalog = {}
    for name, kind, region, tenant, urls in _catalog_entries(account, keystone=False):
        endpoint = {"region": region, "tenantId": tenant, "publicURL": urls["public"]}
        if "internal" in urls:
            endpoint["internalURL"] = urls["internal"]
        if kind == "compute":
            endpoint.update(_v2_compute_versions(urls["public"]))
        catalog.setdefault((name, kind), []).append(endpoint)
    roles = [{"id": "3", "name": "identity:user-admin", "description": "User Admin Role."},
             {"id": "6", "name": "compute:default", "description": "A Role that allows a user access to keystone Service methods",
              "tenantId": account.tenant_id},
             {"id": "5", "name": "object-store:default", "description": "A Role that allows a user access to keystone Service methods",
              "tenantId": files_tenant}]
    return {"access": {
        "token": {"id": token.id, "expires": _rax_millis(token.expires_at), "tenant": {"id": account.tenant_id, "name": account.tenant_id},
                  "RAX-AUTH:authenticatedBy": [method.upper() for method in token.methods]},
        "user": {"id": account.user_id, "name": account.username, "roles": roles, "RAX-AUTH:defaultRegion": account.default_region},
        "serviceCatalog": [{"name": name, "type": kind, "endpoints": endpoints} for (name, kind), endpoints in catalog.items()],
    }}


_V2_SECRETS = {"RAX-KSKEY:apiKeyCredentials": ("apiKey", "api_key", "apikey"), "passwordCredentials": ("password", "password", "password")}


def _v2_credentials(auth):
    """(account, methods, expires_at) for the credentials in a v2.0 ``auth`` object; account None when they are wrong.

    Raises ValueError when no credential type is recognisable.
    """
    state = current_state()
    kind = next((key for key in (*_V2_SECRETS, "token") if key in auth), None)
    creds = auth.get(kind)
    if not isinstance(creds, dict):
        raise ValueError("no credentials")
    if kind == "token":
        token = state.token(creds.get("id"))
        if token is None:
            return None, [], None
        return state.accounts.get(token.username), token.methods, token.expires_at
    field, attribute, method = _V2_SECRETS[kind]
    account = state.accounts.get(creds.get("username"))
    if account is None or getattr(account, attribute) != creds.get(field):
        account = None
    return account, [method], None


@blueprint.post("/v2.0/tokens")
def v2_tokens():
    body = _request_json()
    auth = body.get("auth") if body else None
    if not isinstance(auth, dict):
        return rax_fault(400, RAX_BAD_BODY)
    if "tenantId" in auth and "tenantName" in auth:
        return rax_fault(400, "Invalid request. Specify tenantId OR tenantName, not both.")
    try:
        account, methods, expires_at = _v2_credentials(auth)
    except ValueError:
        return rax_fault(400, RAX_BAD_BODY)
    if account is None:
        return rax_fault(401, RAX_UNAUTHORIZED)
    wanted = auth.get("tenantId", auth.get("tenantName"))
    if wanted is not None and wanted != account.tenant_id:
        return rax_fault(401, f"Tenant with Name/Id: '{wanted}' is not valid for User '{account.username}' (id: '{account.user_id}')")
    token = current_state().issue_token(account, methods, expires_at)
    return json_response(_v2_access(token, account))


# Keystone v3

class KeystoneError(Exception):
    def __init__(self, code, message=KEYSTONE_UNAUTHORIZED, extra=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


@blueprint.errorhandler(KeystoneError)
def _keystone_error(exc):
    return keystone_error(exc.code, exc.message, exc.extra)


def _expecting(attribute, target):
    return KeystoneError(400, f"Expecting to find {attribute} in {target}.{_BAD_REQUEST_TAIL}")


def _domain_name(domain_id):
    """Domains exist only as the accounts' ``domain_id``; Keystone names its default domain "Default"."""
    return "Default" if domain_id == "default" else domain_id


def _check_domain(domain, field):
    """The domain id for a ``{"id"}`` or ``{"name"}`` reference; 401 when there is no such domain."""
    if not isinstance(domain, dict) or not ("id" in domain or "name" in domain):
        raise KeystoneError(400, f"Invalid input for field {field}: id or name must be present.")
    known = {account.domain_id for account in current_state().accounts.values()}
    domain_id = domain.get("id") or next((known_id for known_id in known if _domain_name(known_id) == domain.get("name")), None)
    if domain_id not in known:
        raise KeystoneError(401)
    return domain_id


def _user_account(user, field):
    """The account named by a ``{"id"}`` or ``{"name", "domain"}`` user reference, or None."""
    state = current_state()
    if not isinstance(user, dict) or not ("id" in user or "name" in user):
        raise KeystoneError(400, f"Invalid input for field {field}: id or name must be present.")
    if "id" in user:
        return state.account_by_id(user["id"])
    if "domain" not in user:
        raise _expecting("domain", "user")
    domain_id = _check_domain(user["domain"], f"{field}/domain")
    account = state.accounts.get(user["name"])
    return account if account and account.domain_id == domain_id else None


def _password_account(payload):
    user = payload.get("user")
    account = _user_account(user, "identity/password/user")
    if account is None or account.password != user.get("password"):
        raise KeystoneError(401)
    return account


def _app_credential_account(payload):
    state = current_state()
    if "id" in payload:
        account, cred = state.app_credential(cred_id=payload["id"])
    elif "name" in payload:
        if "user" not in payload:
            raise _expecting("user", "application credential")
        owner = _user_account(payload["user"], "identity/application_credential/user")
        account, cred = state.app_credential(name=payload["name"], username=owner.username if owner else None)
    else:
        raise _expecting("name or ID", "application credential")
    if cred is None or cred["secret"] != payload.get("secret"):
        raise KeystoneError(401)
    return account


def _token_account(payload):
    state = current_state()
    token = state.token(payload.get("id"))
    if token is None:
        raise KeystoneError(401)
    return state.accounts[token.username], token


def _authenticate(identity):
    """(account, method names, expiry or None) for the ``identity`` object; every method must name the same account.

    A token method keeps the old token's expiry and adds its methods, as Keystone does when rescoping.
    """
    methods = identity.get("methods")
    if not isinstance(methods, list):
        raise KeystoneError(400, "Invalid input for field 'identity': 'methods' is a required property")
    methods = list(dict.fromkeys(methods))
    for method in methods:
        if method not in identity:
            raise _expecting(method, "identity")
        if method not in V3_METHODS:
            raise KeystoneError(401, "Attempted to authenticate with an unsupported method.", {"identity": {"methods": V3_METHODS}})
        if not isinstance(identity[method], dict):
            raise KeystoneError(400, f"Invalid input for field 'identity/{method}': {identity[method]!r} is not of type 'object'")
    accounts, inherited, expires_at = [], [], None
    for method in methods:
        if method == "password":
            accounts.append(_password_account(identity["password"]))
        elif method == "application_credential":
            accounts.append(_app_credential_account(identity["application_credential"]))
        else:
            account, token = _token_account(identity["token"])
            accounts.append(account)
            inherited, expires_at = token.methods, token.expires_at
    if not accounts or any(account is not accounts[0] for account in accounts):
        raise KeystoneError(401)
    return accounts[0], list(dict.fromkeys(methods + inherited)), expires_at


def _check_scope(auth, account):
    """Projects are the accounts' tenants, so a scope can only confirm the account's own project (or fail)."""
    scope = auth.get("scope")
    if "application_credential" in auth["identity"]["methods"] and scope is not None:
        raise KeystoneError(401, "Error authenticating with application credential: Application credentials cannot request a scope.",
                            {"identity": {}})
    if scope is None:
        return
    if not isinstance(scope, dict):
        raise KeystoneError(401)  # "unscoped": the emulator only issues project-scoped tokens
    kinds = [kind for kind in ("project", "domain", "unscoped", "system", "OS-TRUST:trust") if kind in scope]
    if len(kinds) != 1:
        raise _expecting("system, project, domain, OS-TRUST:trust or unscoped", "scope")
    project = scope.get("project")
    if not isinstance(project, dict):
        raise KeystoneError(401)
    if not ("id" in project or "name" in project):
        raise KeystoneError(400, "Invalid input for field scope/project: id or name must be present.")
    if "id" in project:
        wanted = project["id"]
    elif "domain" not in project:
        raise _expecting("domain", "project")
    else:
        wanted = project["name"] if _check_domain(project["domain"], "scope/project/domain") == account.domain_id else None
    if wanted != account.tenant_id:
        raise KeystoneError(401)


def _v3_token_body(token, account):
    domain = {"id": account.domain_id, "name": _domain_name(account.domain_id)}
    body = {"methods": token.methods, "user": {"domain": domain, "id": account.user_id, "name": account.username, "password_expires_at": None},
            "audit_ids": [secrets.token_urlsafe(16)[:22]], "expires_at": token.expires_at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            "issued_at": token.issued_at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            "project": {"domain": domain, "id": account.tenant_id, "name": account.tenant_id}, "is_domain": False,
            "roles": [{"id": _hex_id("role", name), "name": name} for name in V3_ROLES]}
    if "nocatalog" not in request.args:
        catalog = {}
        for name, kind, region, _tenant, urls in _catalog_entries(account, keystone=True):
            service = catalog.setdefault(name, {"id": _hex_id("service", name), "type": kind, "name": name, "endpoints": []})
            for interface, url in urls.items():
                service["endpoints"].append({"id": _hex_id(name, region, interface), "interface": interface, "region": region,
                                             "region_id": region, "url": url})
        body["catalog"] = list(catalog.values())
    return {"token": body}


@blueprint.post("/v3/auth/tokens")
def v3_tokens():
    body = _request_json()
    if body is None:
        raise _expecting("valid JSON", "request body")
    auth = body.get("auth")
    if not isinstance(auth, dict) or not isinstance(auth.get("identity"), dict):
        raise KeystoneError(400, "'identity' is a required property")
    account, methods, expires_at = _authenticate(auth["identity"])
    _check_scope(auth, account)
    token = current_state().issue_token(account, methods, expires_at)
    return json_response(_v3_token_body(token, account), 201, {"X-Subject-Token": token.id})


@blueprint.get("/v3/projects/<project_id>")
def show_project(project_id):
    """A project, as Keystone shows it to a user with a role on it. Keystone's default policy (identity:get_project) lets a
    member or reader look up only its own project: any other id, one that does not exist included, is 403 (only an admin
    or a reader of the domain tells them apart, with 404); the seed accounts are neither."""
    state = current_state()
    token = state.token(request.headers.get("X-Auth-Token", ""))
    if token is None:
        raise KeystoneError(401)
    account = state.accounts[token.username]
    if project_id != account.tenant_id:
        raise KeystoneError(403, "You are not authorized to perform the requested action: identity:get_project.")
    domain = account.domain_id
    return json_response({"project": {
        "id": project_id, "name": project_id, "domain_id": domain, "description": "", "enabled": True, "parent_id": domain,
        "is_domain": False, "tags": [], "options": {}, "links": {"self": f"{request.host_url}identity/v3/projects/{project_id}"}}})
