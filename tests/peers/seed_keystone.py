"""Seed the peer Keystone for the tests. Run by start.sh with the keystone venv's python.

Creates (all in domain "default"):
  * region "RegionTwo" ("RegionOne" comes from keystone-manage bootstrap)
  * project "service" + user "glance" (role service): keystonemiddleware's service user for both
    keystone-flavor Glances
  * projects tenantA / tenantB, users userA / userB (roles member + reader on their own project)
  * service "glance" (type image) with public, internal and admin endpoints in each region: RegionOne ->
    the keystone-flavor Glance, RegionTwo -> the second, independent one; registered WITHOUT /v2 as real
    deployments do
  * an application credential of userA on tenantA
and writes the Keystone/Glance part of peers.json (write_peers.py adds the rest).
"""

import argparse
import json
import os
import pathlib
import time

import requests

DOMAIN = "default"
REGION = "RegionOne"
REGION_TWO = "RegionTwo"
IMAGE_INTERFACES = ("public", "internal", "admin")
TENANTS = {  # project -> (user, password)
    "tenantA": ("userA", "userA-pass-SECRET"),
    "tenantB": ("userB", "userB-pass-SECRET"),
}
APP_CRED_NAME = "userA-appcred"
APP_CRED_SECRET = "userA-appcred-SECRET"


class Keystone:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.http = requests.Session()

    def token(self, user, password, project):
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {
                "user": {"name": user, "domain": {"id": DOMAIN}, "password": password}}},
            "scope": {"project": {"name": project, "domain": {"id": DOMAIN}}}}}
        r = self.http.post(f"{self.url}/auth/tokens", json=body, timeout=30)
        r.raise_for_status()
        return r.headers["X-Subject-Token"], r.json()["token"]

    def call(self, method, path, token, expect=(200, 201, 204), **kw):
        r = self.http.request(method, f"{self.url}{path}", headers={"X-Auth-Token": token}, timeout=30, **kw)
        if r.status_code not in expect:
            raise RuntimeError(f"{method} {path} -> {r.status_code}: {r.text[:500]}")
        return r.json() if r.content else None


def seed(ks, admin_password, image_endpoints, glance_service_password):
    """What the module docstring lists; ``image_endpoints`` maps each region to its Glance URL."""
    admin_token, admin_tok = ks.token("admin", admin_password, "admin")

    def call(method, path, **kw):
        return ks.call(method, path, admin_token, **kw)
    roles = {r["name"]: r["id"] for r in call("GET", "/roles")["roles"]}

    def project(name):
        return call("POST", "/projects", json={"project": {"name": name, "domain_id": DOMAIN}})["project"]["id"]

    def user(name, password, project_id, role_names):
        uid = call("POST", "/users", json={"user": {
            "name": name, "domain_id": DOMAIN, "password": password, "default_project_id": project_id}})["user"]["id"]
        for role in role_names:
            call("PUT", f"/projects/{project_id}/users/{uid}/roles/{roles[role]}")
        return uid

    out = {"admin": {"user": "admin", "user_id": admin_tok["user"]["id"], "password": admin_password,
                     "project": "admin", "project_id": admin_tok["project"]["id"]},
           "projects": {}, "users": {}}

    call("POST", "/regions", json={"region": {"id": REGION_TWO, "description": "the second peer Glance"}})
    service_project = project("service")
    user("glance", glance_service_password, service_project, ["service"])

    for tenant, (uname, password) in TENANTS.items():
        pid = project(tenant)
        uid = user(uname, password, pid, ["member", "reader"])
        out["projects"][tenant] = {"id": pid, "name": tenant}
        out["users"][uname] = {"id": uid, "name": uname, "password": password,
                               "project": tenant, "project_id": pid}

    svc = call("POST", "/services", json={"service": {"name": "glance", "type": "image",
                                                      "description": "peer glance (keystone flavor)"}})
    for region, url in image_endpoints.items():
        for iface in IMAGE_INTERFACES:
            call("POST", "/endpoints", json={"endpoint": {
                "service_id": svc["service"]["id"], "interface": iface, "url": url, "region_id": region}})

    # the application credential is created by its owner, with a token scoped to the project it is for
    a_user, a_password = TENANTS["tenantA"]
    a_token = ks.token(a_user, a_password, "tenantA")[0]
    body = {"application_credential": {"name": APP_CRED_NAME, "secret": APP_CRED_SECRET, "description": "opencloud.images tests"}}
    cred = ks.call("POST", f"/users/{out['users'][a_user]['id']}/application_credentials", a_token, json=body)
    cred = cred["application_credential"]
    out["application_credential"] = {
        "id": cred["id"], "name": cred["name"], "secret": APP_CRED_SECRET, "user": a_user,
        "user_id": out["users"][a_user]["id"], "project": "tenantA", "project_id": cred["project_id"]}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keystone-url", required=True)
    ap.add_argument("--glance-trusted-url", required=True)
    ap.add_argument("--glance-keystone-url", required=True)
    ap.add_argument("--glance-keystone2-url", required=True)
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    t0 = time.monotonic()
    ks = Keystone(args.keystone_url)
    image_endpoints = {REGION: args.glance_keystone_url, REGION_TWO: args.glance_keystone2_url}
    seeded = seed(ks, os.environ["PEER_ADMIN_PASSWORD"], image_endpoints, os.environ["PEER_GLANCE_SERVICE_PASSWORD"])
    run_dir = pathlib.Path(args.run_dir)
    peers = {
        "glance_trusted_url": args.glance_trusted_url,
        "glance_keystone_url": args.glance_keystone_url,
        "glance_keystone2_url": args.glance_keystone2_url,
        "keystone_url": args.keystone_url,
        "image_endpoint": args.glance_keystone_url,
        "image_endpoints": image_endpoints,
        "region": REGION,
        "regions": [REGION, REGION_TWO],
        "domain": DOMAIN,
        **seeded,
        "glance_trusted_roles": ["member", "reader"],
        "logs": {
            "keystone": str(run_dir / "keystone" / "keystone.log"),
            "glance_trusted": str(run_dir / "glance" / "glance-api.log"),
            "glance_keystone": str(run_dir / "glance-ks" / "glance-api.log"),
            "glance_keystone2": str(run_dir / "glance-ks2" / "glance-api.log"),
        },
    }
    pathlib.Path(args.out).write_text(json.dumps(peers, indent=2, sort_keys=True) + "\n")
    print(f"seeded keystone in {time.monotonic() - t0:.2f}s")


if __name__ == "__main__":
    main()
