"""Access to the real upstream peers started by tests/peers/start.sh (stdlib only).

    from peers import load_peers, trusted_headers
    p = load_peers()                    # $OPENCLOUD_PEERS, else the path given; None if neither is set
    requests.get(p["glance_trusted_url"] + "/v2/images", headers=trusted_headers("tenantA"))

peers.json keys: glance_trusted_url, glance_keystone_url (= image_endpoint, as in the catalog, no /v2),
glance_keystone2_url, image_endpoints{RegionOne,RegionTwo} (the catalog's image URL per region),
keystone_url (ends in /v3), region (RegionOne), regions [RegionOne, RegionTwo], domain, admin,
projects{tenantA,tenantB}, users{userA,userB}, application_credential{id,secret,...},
swift{auth_url (.../auth/v1.0), accounts{test,test2: {user, key, storage_url}}}, pids, logs, run_dir.
`start.sh RUN_DIR --swift-only` writes only swift, pids, logs and run_dir. See start.sh, seed_keystone.py,
write_peers.py; swift_session.TempAuthSession logs in to a Swift account like the collection's CloudSession.
"""

import json
import os
import urllib.request

ENV = "OPENCLOUD_PEERS"


def peers_path(path=None):
    """The peers.json to use: the argument, else $OPENCLOUD_PEERS (a file or a RUN_DIR), else None."""
    path = path or os.environ.get(ENV)
    if path and os.path.isdir(path):
        path = os.path.join(path, "peers.json")
    return path or None


def load_peers(path=None):
    """peers.json as a dict, or None when no peers were configured (so fixtures can skip)."""
    path = peers_path(path)
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def trusted_headers(project, user=None, roles=("member", "reader"), accept_json=True):
    """Identity headers for the trusted-mode Glance (what keystonemiddleware would have set).

    `project` becomes the image owner / member id. Without Accept: application/json Glance answers errors in HTML.
    """
    headers = {
        "X-Identity-Status": "Confirmed",
        "X-Project-Id": project,
        "X-User-Id": user or f"user-of-{project}",
        "X-Roles": ",".join(roles),
    }
    if accept_json:
        headers["Accept"] = "application/json"
    return headers


def password_auth_body(user, password, project, domain="default"):
    """Keystone v3 POST /auth/tokens body: password, project-scoped."""
    return {"auth": {
        "identity": {"methods": ["password"], "password": {
            "user": {"name": user, "domain": {"id": domain}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": domain}}}}}


def app_credential_auth_body(cred_id, secret):
    """Keystone v3 POST /auth/tokens body: application credential (the scope comes with the credential)."""
    return {"auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": {"id": cred_id, "secret": secret}}}}


def get_token(peers, user="userA"):
    """(token, token_body) for a seeded user, scoped to that user's project."""
    u = peers["users"][user]
    req = urllib.request.Request(
        peers["keystone_url"] + "/auth/tokens",
        data=json.dumps(password_auth_body(u["name"], u["password"], u["project"], peers["domain"])).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.headers["X-Subject-Token"], json.load(resp)["token"]
