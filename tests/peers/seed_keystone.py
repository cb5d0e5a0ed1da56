"""Seed the peer Keystone for the tests and write peers.json. Run by start.sh with the keystone venv's python.

Creates (all in domain "default", region "RegionOne"):
  * project "service" + user "glance" (role service): keystonemiddleware's service user for glance-ks
  * projects tenantA / tenantB, users userA / userB (roles member + reader on their own project)
  * service "glance" (type image) with public + internal endpoints -> the keystone-flavor Glance,
    registered WITHOUT /v2 as real deployments do
  * an application credential of userA on tenantA
"""

import argparse
import json
import os
import pathlib
import time

import requests

DOMAIN = "default"
REGION = "RegionOne"
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


def seed(ks, admin_password, glance_ks_url, glance_service_password):
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
    for iface in ("public", "internal"):
        call("POST", "/endpoints", json={"endpoint": {
            "service_id": svc["service"]["id"], "interface": iface, "url": glance_ks_url, "region_id": REGION}})

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
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    t0 = time.monotonic()
    ks = Keystone(args.keystone_url)
    seeded = seed(ks, os.environ["PEER_ADMIN_PASSWORD"], args.glance_keystone_url,
                  os.environ["PEER_GLANCE_SERVICE_PASSWORD"])
    run_dir = pathlib.Path(args.run_dir)
    pids = {p.stem: int(p.read_text().strip()) for p in sorted((run_dir / "pids").glob("*.pid"))}
    peers = {
        "glance_trusted_url": args.glance_trusted_url,
        "glance_keystone_url": args.glance_keystone_url,
        "keystone_url": args.keystone_url,
        "image_endpoint": args.glance_keystone_url,
        "region": REGION,
        "domain": DOMAIN,
        **seeded,
        "glance_trusted_roles": ["member", "reader"],
        "run_dir": str(run_dir),
        "logs": {
            "keystone": str(run_dir / "keystone" / "keystone.log"),
            "glance_trusted": str(run_dir / "glance" / "glance-api.log"),
            "glance_keystone": str(run_dir / "glance-ks" / "glance-api.log"),
        },
        "pids": pids,
    }
    pathlib.Path(args.out).write_text(json.dumps(peers, indent=2, sort_keys=True) + "\n")
    print(f"seeded keystone in {time.monotonic() - t0:.2f}s")


if __name__ == "__main__":
    main()
