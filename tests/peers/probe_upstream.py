"""Record what the real upstream Glance / Keystone answer on the wire (source of UPSTREAM-NOTES.md).

Run against freshly started peers (it creates images in them), with a python that has `requests`
(the peers' venvs do):

    bash tests/peers/start.sh /tmp/peers-run
    ~/.cache/opencloud-images-dev/peers/glance/bin/python tests/peers/probe_upstream.py /tmp/peers-run > /tmp/probe.txt

Prints one block per request: method, path, request content type, status, headers of interest, body.
"""

import json
import sys
import uuid

import requests

sys.path.insert(0, __import__("os").path.dirname(__file__))
from peers import app_credential_auth_body, load_peers, password_auth_body, trusted_headers  # noqa: E402

HEADERS_OF_INTEREST = ("content-type", "location", "www-authenticate", "x-subject-token", "openstack-image-import-methods",
                       "openstack-image-store-ids", "x-openstack-request-id", "content-length")
PATCH_CT = "application/openstack-images-v2.1-json-patch"


def show(label, r, body_chars=900, body=None):
    print(f"### {label}")
    print(f"{r.request.method} {r.request.path_url}")
    ct = r.request.headers.get("Content-Type")
    if ct:
        print(f"  request Content-Type: {ct}")
    if r.request.body and len(r.request.body) < 400:
        print(f"  request body: {r.request.body if isinstance(r.request.body, str) else r.request.body.decode()}")
    print(f"-> {r.status_code} {r.reason}")
    for h in HEADERS_OF_INTEREST:
        if h in r.headers:
            v = r.headers[h]
            if h == "x-subject-token":
                v = f"<{len(v)} chars, starts {v[:8]}>"
            print(f"  {h}: {v}")
    text = body if body is not None else r.text
    print("  body: " + (text[:body_chars] + (" …" if len(text) > body_chars else "")))
    print()
    return r


def main():
    peers = load_peers(sys.argv[1] if len(sys.argv) > 1 else None)
    G = peers["glance_trusted_url"]
    A = trusted_headers("tenantA", "userA")
    B = trusted_headers("tenantB", "userB")
    C = trusted_headers("tenantC", "userC")
    s = requests.Session()

    def create(name, hdrs=A, **props):
        body = {"name": name, "disk_format": "raw", "container_format": "bare", **props}
        r = s.post(f"{G}/v2/images", headers=hdrs, json=body)
        r.raise_for_status()
        return r

    print("## Glance (trusted mode, Accept: application/json)\n")
    show("create image", create("probe-first", **{"com.example.role": "db"}, tags=["t1", "t2"]),
         body_chars=2000)
    ids = {}
    for i in range(27):
        props = {"com.example.role": "db" if i % 2 else "web"}
        tags = ["t1"] + (["t2"] if i % 3 == 0 else [])
        ids[i] = create(f"probe-{i:02d}", tags=tags, **props).json()["id"]

    show("list, default page", s.get(f"{G}/v2/images", headers=A), body=json.dumps({
        k: (f"<{len(v)} images>" if k == "images" else v) for k, v in s.get(f"{G}/v2/images", headers=A).json().items()}))
    r = s.get(f"{G}/v2/images", headers=A, params={"limit": 2, "com.example.role": "db", "tag": "t1",
                                                    "sort_key": "name", "sort_dir": "asc"})
    page = r.json()
    show("limit=2 + property + tag filter + sort", r, body=json.dumps(
        {k: ([i["name"] for i in v] if k == "images" else v) for k, v in page.items()}))
    r = s.get(G + page["next"], headers=A)
    show("follow next", r, body=json.dumps(
        {k: ([i["name"] for i in v] if k == "images" else v) for k, v in r.json().items()}))
    r = s.get(f"{G}/v2/images", headers=A, params={"limit": 5000})
    show("limit=5000 (above api_limit_max?)", r, body=f"<{len(r.json()['images'])} images> next={r.json().get('next')}")

    for q in ({"status": "bogus"}, {"visibility": "bogus"}, {"limit": "-1"}, {"limit": "0"}, {"limit": "abc"},
              {"sort_dir": "sideways"}, {"sort_key": "bogus"}, {"marker": str(uuid.uuid4())}, {"marker": "not-a-uuid"},
              {"member_status": "bogus"}, {"size_min": "abc"}, {"name": "probe-03"}, {"name": "probe"},
              {"tag": ["t1", "t2"]}, {"com.example.role": "web", "limit": 100}, {"com.example.role": "nope"},
              {"owner": "tenantA", "limit": 1}):
        r = s.get(f"{G}/v2/images", headers=A, params=q)
        if r.ok:
            show(f"list {q}", r, body=f"<{len(r.json()['images'])} images> next={r.json().get('next')}")
        else:
            show(f"list {q}", r)

    missing = str(uuid.uuid4())
    show("GET unknown image id", s.get(f"{G}/v2/images/{missing}", headers=A))
    show("GET unknown image id, no Accept header", s.get(f"{G}/v2/images/{missing}",
                                                         headers={k: v for k, v in A.items() if k != "Accept"}))
    show("GET non-uuid id", s.get(f"{G}/v2/images/not-a-uuid", headers=A))
    show("DELETE unknown image id", s.delete(f"{G}/v2/images/{missing}", headers=A))
    img = ids[0]
    show("GET image as unrelated tenantC (image not shared with it)", s.get(f"{G}/v2/images/{img}", headers=C))

    def patch(label, ops, ct=PATCH_CT, image=img):
        return show(label, s.patch(f"{G}/v2/images/{image}", headers={**A, "Content-Type": ct}, data=json.dumps(ops)),
                    body_chars=500)

    patch("PATCH wrong content type (application/json)", [{"op": "replace", "path": "/name", "value": "x"}],
          ct="application/json")
    patch("PATCH old v2.0 json-patch content type", [{"op": "replace", "path": "/name", "value": "probe-00"}],
          ct="application/openstack-images-v2.0-json-patch")
    patch("PATCH replace /status (read-only)", [{"op": "replace", "path": "/status", "value": "active"}])
    patch("PATCH replace /id (read-only)", [{"op": "replace", "path": "/id", "value": str(uuid.uuid4())}])
    patch("PATCH replace /owner", [{"op": "replace", "path": "/owner", "value": "tenantB"}])
    patch("PATCH replace missing custom property", [{"op": "replace", "path": "/com.example.missing", "value": "x"}])
    patch("PATCH remove missing custom property", [{"op": "remove", "path": "/com.example.missing"}])
    patch("PATCH add existing custom property", [{"op": "add", "path": "/com.example.role", "value": "db2"}])
    patch("PATCH add /tags/-", [{"op": "add", "path": "/tags/-", "value": "t9"}])
    patch("PATCH replace /tags", [{"op": "replace", "path": "/tags", "value": ["t1", "t9"]}])
    patch("PATCH add /protected true", [{"op": "replace", "path": "/protected", "value": True}])
    show("DELETE protected image", s.delete(f"{G}/v2/images/{img}", headers=A))
    patch("PATCH protected false", [{"op": "replace", "path": "/protected", "value": False}])
    patch("PATCH empty list", [])
    patch("PATCH not a list", {"op": "replace", "path": "/name", "value": "x"})
    show("PUT tag", s.put(f"{G}/v2/images/{img}/tags/newtag", headers=A))
    show("DELETE missing tag", s.delete(f"{G}/v2/images/{img}/tags/nosuchtag", headers=A))
    show("DELETE image", s.delete(f"{G}/v2/images/{img}", headers=A))
    show("DELETE image again", s.delete(f"{G}/v2/images/{img}", headers=A))

    print("## Glance members (trusted mode)\n")
    show("create without visibility (default)", create("probe-default-vis"), body_chars=200)
    priv = create("probe-private", visibility="private").json()["id"]
    show("POST member on a private image", s.post(f"{G}/v2/images/{priv}/members", headers=A, json={"member": "tenantB"}))
    shared = ids[2]
    s.patch(f"{G}/v2/images/{shared}", headers={**A, "Content-Type": PATCH_CT},
            data=json.dumps([{"op": "replace", "path": "/visibility", "value": "shared"}])).raise_for_status()
    show("POST member (visibility shared)", s.post(f"{G}/v2/images/{shared}/members", headers=A, json={"member": "tenantB"}))
    show("POST same member again", s.post(f"{G}/v2/images/{shared}/members", headers=A, json={"member": "tenantB"}))
    show("tenantB lists visibility=shared (pending, no member_status)",
         s.get(f"{G}/v2/images", headers=B, params={"visibility": "shared"}))
    show("tenantB lists member_status=pending&visibility=shared",
         s.get(f"{G}/v2/images", headers=B, params={"member_status": "pending", "visibility": "shared"}), body_chars=300)
    show("owner sets member status", s.put(f"{G}/v2/images/{shared}/members/tenantB", headers=A, json={"status": "accepted"}))
    show("member accepts", s.put(f"{G}/v2/images/{shared}/members/tenantB", headers=B, json={"status": "accepted"}))
    r = s.get(f"{G}/v2/images", headers=B, params={"member_status": "accepted", "visibility": "shared"})
    show("tenantB lists member_status=accepted&visibility=shared", r,
         body=json.dumps({"images": [(i["name"], i["owner"], i["visibility"]) for i in r.json()["images"]],
                          **{k: v for k, v in r.json().items() if k != "images"}}))
    r = s.get(f"{G}/v2/images", headers=B)
    show("tenantB default list (no filters)", r, body=json.dumps([i["name"] for i in r.json()["images"]]))
    show("member GETs member list", s.get(f"{G}/v2/images/{shared}/members", headers=B))
    show("tenantC GETs shared image", s.get(f"{G}/v2/images/{shared}", headers=C))
    show("DELETE non-member", s.delete(f"{G}/v2/images/{shared}/members/tenantC", headers=A))

    print("## Keystone v3\n")
    K = peers["keystone_url"]
    uA = peers["users"]["userA"]
    show("password auth, bad password", s.post(f"{K}/auth/tokens", json=password_auth_body("userA", "wrong", "tenantA")))
    show("malformed body", s.post(f"{K}/auth/tokens", json={"auth": {"identity": {"methods": ["password"]}}}))
    show("not JSON", s.post(f"{K}/auth/tokens", data="{nope", headers={"Content-Type": "application/json"}))
    show("unknown project", s.post(f"{K}/auth/tokens", json=password_auth_body("userA", uA["password"], "tenantB")))
    r = s.post(f"{K}/auth/tokens", json=password_auth_body("userA", uA["password"], "tenantA"))
    tok = r.json()["token"]
    show("password auth, project scoped", r, body=json.dumps({
        "token keys": sorted(tok), "project": tok["project"], "roles": tok["roles"], "expires_at": tok["expires_at"],
        "catalog": [c for c in tok["catalog"] if c["type"] == "image"]}, indent=1))
    token_a = r.headers["X-Subject-Token"]
    ac = peers["application_credential"]
    r = s.post(f"{K}/auth/tokens", json=app_credential_auth_body(ac["id"], ac["secret"]))
    t = r.json()["token"]
    show("application credential auth", r, body=json.dumps({
        "token keys": sorted(t), "methods": t["methods"], "project": t.get("project"), "user": t["user"],
        "roles": t["roles"], "application_credential": t.get("application_credential"),
        "catalog types": sorted(c["type"] for c in t["catalog"])}, indent=1))
    show("application credential, bad secret",
         s.post(f"{K}/auth/tokens", json=app_credential_auth_body(ac["id"], "wrong")))
    show("application credential by name needs user",
         s.post(f"{K}/auth/tokens", json={"auth": {"identity": {"methods": ["application_credential"],
                                                                  "application_credential": {"name": ac["name"],
                                                                                             "secret": ac["secret"]}}}}))
    r = s.post(f"{K}/auth/tokens", json={"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": "userA", "domain": {"id": "default"}, "password": uA["password"]}}}}})
    show("password auth, no scope", r, body=json.dumps({"token keys": sorted(r.json()["token"])}))

    print("## Glance behind keystonemiddleware\n")
    GK = peers["glance_keystone_url"]
    show("no token", s.get(f"{GK}/v2/images", headers={"Accept": "application/json"}))
    show("no token, no Accept", s.get(f"{GK}/v2/images"))
    show("bad token", s.get(f"{GK}/v2/images", headers={"Accept": "application/json", "X-Auth-Token": "nope"}))
    show("valid token", s.get(f"{GK}/v2/images", headers={"Accept": "application/json", "X-Auth-Token": token_a}))
    r = s.post(f"{GK}/v2/images", headers={"X-Auth-Token": token_a},
               json={"name": "ks-probe", "disk_format": "raw", "container_format": "bare"})
    show("create with token (owner = project id?)", r, body=json.dumps({"owner": r.json().get("owner")}))
    r = s.get(f"{GK}/", headers={"Accept": "application/json"})
    show("versions document via keystone-flavor", r, body=json.dumps(r.json()["versions"][:2]))


if __name__ == "__main__":
    main()
