"""The client core against every backend: identity, catalog, and listing images past the first page."""

import pytest

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.errors import AuthenticationError, ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService, list_filters
from ansible_collections.opencloud.images.plugins.module_utils.token_cache import TokenCache


def session(params, cache=None):
    return CloudSession(auth.resolve(params, environ={}, cloud_files=([], [])), cache=cache)


def test_login_gives_a_token_and_an_image_endpoint(backend):
    cloud = session(backend.params)
    assert cloud.auth.token
    assert cloud.auth.project_id == backend.owner
    assert cloud.endpoint("image").startswith("http://127.0.0.1:")
    assert cloud.region.lower() == backend.region.lower()


def test_wrong_secret_is_a_clear_authentication_error(backend):
    params = dict(backend.params)
    secret_option = "api_key" if "api_key" in params else "password"
    params[secret_option] = "wrong-SECRET-value"
    with pytest.raises(AuthenticationError) as err:
        session(params).auth
    assert "rejected the credentials" in err.value.message
    assert secret_option in err.value.message
    assert "wrong-SECRET-value" not in err.value.message


def test_wrong_project_is_named_not_blamed_on_the_password(backend, unique):
    params = dict((k, v) for k, v in backend.params.items() if k not in ("project_id", "project_name"))
    params["project_name"] = "no-such-project-" + unique
    with pytest.raises(AuthenticationError) as err:
        session(params).auth
    message = err.value.message
    assert err.value.status == 401
    assert "project 'no-such-project-%s' (option project_name)" % unique in message
    assert "project_name" in message and ".." not in message
    if backend.params["auth_url"].rstrip("/").endswith("/v3"):
        assert "in domain id default" in message and "project_domain_name" in message
    assert backend.params.get("password", backend.params.get("api_key")) not in message


def test_unknown_region_lists_the_offered_regions(backend):
    cloud = session(dict(backend.params, region="Atlantis"))
    with pytest.raises(ConfigError) as err:
        cloud.endpoint("image")
    assert err.value.option == "region"
    assert backend.region in err.value.message


def test_auth_url_that_is_not_identity_is_named(backend):
    image_endpoint = session(backend.params).endpoint("image")
    version = backend.params["auth_url"].rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(ConfigError) as err:
        session(dict(backend.params, auth_url="%s/%s" % (image_endpoint.rstrip("/"), version))).auth
    assert err.value.option == "auth_url"


def test_token_login_reuses_a_pre_issued_token(backend):
    first = session(backend.params).auth
    params = dict((k, v) for k, v in backend.params.items() if k not in ("api_key", "password", "username"))
    params.update(token=first.token, project_id=first.project_id)
    params.pop("project_name", None)
    again = session(params)
    assert again.auth.project_id == backend.owner
    assert again.endpoint("image") == session(backend.params).endpoint("image")


def test_list_follows_pagination_with_filters(backend, unique):
    ids = set(backend.make_image("%s-%d" % (unique, n), tags=["ct", unique], **{"com.example.batch": unique})
              for n in range(5))
    backend.make_image(unique + "-other", tags=["ct"], **{"com.example.batch": "someone-else"})
    images = ImageService(session(backend.params))
    by_property = list(images.list(list_filters(properties={"com.example.batch": unique}), page_size=2))
    assert set(i["id"] for i in by_property) == ids
    by_tag = list(images.list(list_filters(tags=[unique, "ct"]), page_size=2))
    assert set(i["id"] for i in by_tag) == ids
    first_three = list(images.list(list_filters(tags=[unique], sort_key="name", sort_dir="asc"), page_size=2, limit=3))
    assert [i["name"] for i in first_three] == ["%s-%d" % (unique, n) for n in range(3)]


def test_find_by_name_and_id_and_filters_by_status_and_owner(backend, unique):
    image_id = backend.make_image(unique + "-one")
    images = ImageService(session(backend.params))
    assert [i["id"] for i in images.find(unique + "-one")] == [image_id]
    assert [i["id"] for i in images.find(image_id)] == [image_id]
    mine = list(images.list(list_filters(name=unique + "-one", status="active", owner=backend.owner)))
    assert [i["id"] for i in mine] == [image_id]
    assert list(images.list(list_filters(name=unique + "-one", status="queued"))) == []


def test_token_cache_means_one_login_for_many_sessions(backend, tmp_path, monkeypatch):
    cache = TokenCache(str(tmp_path))
    logins = []
    request_token = auth.request_token
    monkeypatch.setattr(auth, "request_token", lambda *args: logins.append(args) or request_token(*args))
    before = backend.identity_requests() if backend.identity_counted else None
    sessions = [session(backend.params, cache=cache) for attempt in range(5)]
    for cloud in sessions:
        list(ImageService(cloud).list(limit=1))
    assert len(logins) == 1
    if backend.identity_counted:
        assert backend.identity_requests() - before == 1


def test_images_shared_with_me_by_member_status(backend, unique):
    image_id = backend.make_image(unique + "-mine", visibility="private")  # upstream's default is "shared"
    shared_id = backend.share_with_me(unique + "-shared")
    images = ImageService(session(backend.params))
    pending = [i["id"] for i in images.list(list_filters(visibility="shared", member_status="pending"))]
    assert shared_id in pending and image_id not in pending
    accepted = [i["id"] for i in images.list(list_filters(visibility="shared"))]
    assert shared_id not in accepted
    mine = [i["id"] for i in images.list(list_filters(owner=backend.owner))]
    assert image_id in mine and shared_id not in mine
