# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.errors import AuthenticationError, ConfigError

NO_FILES = ([], [])


def resolve(params=None, environ=None, files=NO_FILES):
    return auth.resolve(params or {}, environ=environ or {}, cloud_files=files)


def test_rackspace_api_key_defaults_to_rackspace_identity_v2():
    config = resolve({"username": "demo", "api_key": "k-SECRET"})
    assert config.method == "apikey"
    assert config.version == "2.0"
    assert config.auth_url == "https://identity.api.rackspacecloud.com/v2.0"
    assert auth._v2_body(config) == {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": "k-SECRET"}}}


def test_environment_fills_gaps_and_is_named_in_sources():
    config = resolve({"region": "ORD"}, {"RAX_USERNAME": "demo", "RAX_API_KEY": "k-SECRET", "RAX_REGION": "DFW"})
    assert config.region == "ORD"
    assert config.get("api_key") == "k-SECRET"
    assert "RAX_API_KEY" in config.source("api_key")
    assert config.source("region") == "option region"


def test_stray_environment_password_does_not_change_an_api_key_login():
    config = resolve({"username": "demo", "api_key": "k-SECRET"}, {"OS_PASSWORD": "p-SECRET"})
    assert config.method == "apikey"


def test_contradictory_task_credentials_are_refused_with_the_option_named():
    with pytest.raises(ConfigError) as err:
        resolve({"username": "demo", "api_key": "k-SECRET", "password": "p-SECRET"})
    assert err.value.option == "auth_type"
    assert "api_key" in err.value.message and "password" in err.value.message
    assert "SECRET" not in err.value.message


def test_explicit_auth_type_settles_a_contradiction():
    config = resolve({"username": "demo", "api_key": "k-SECRET", "password": "p-SECRET", "auth_type": "password"})
    assert config.method == "password"


def test_missing_credentials_say_what_to_set():
    with pytest.raises(ConfigError) as err:
        resolve({"username": "demo"})
    assert "api_key" in err.value.message and "RAX_API_KEY" in err.value.message


def test_api_key_needs_username():
    with pytest.raises(ConfigError) as err:
        resolve({"api_key": "k-SECRET"})
    assert err.value.option == "username"


def test_api_key_against_keystone_v3_is_refused():
    with pytest.raises(ConfigError) as err:
        resolve({"username": "demo", "api_key": "k-SECRET", "auth_url": "https://keystone.example.com/v3"})
    assert err.value.option == "api_key"


def test_both_tenant_id_and_name_refused_for_v2():
    with pytest.raises(ConfigError) as err:
        resolve({"username": "demo", "api_key": "k", "project_id": "1", "project_name": "x"})
    assert err.value.option == "project_id"


@pytest.mark.parametrize("url,expected_url,version", [
    ("http://keystone:5000", "http://keystone:5000/v3", "3"),
    ("http://keystone:5000/v3/", "http://keystone:5000/v3", "3"),
    ("http://keystone:5000/v2.0", "http://keystone:5000/v2.0", "2.0"),
])
def test_password_login_version_follows_the_url(url, expected_url, version):
    config = resolve({"username": "u", "password": "p", "auth_url": url, "project_name": "proj"})
    assert (config.auth_url, config.version) == (expected_url, version)


def test_v3_password_body_with_domains_and_project_scope():
    config = resolve({"username": "u", "password": "p", "auth_url": "http://k/v3", "project_name": "proj",
                      "user_domain_name": "Users", "project_domain_id": "pd"})
    body = auth._v3_body(config)
    assert body["auth"]["identity"]["password"]["user"] == {"name": "u", "domain": {"name": "Users"}, "password": "p"}
    assert body["auth"]["scope"] == {"project": {"name": "proj", "domain": {"id": "pd"}}}


def test_application_credential_is_v3_and_unscoped():
    config = resolve({"application_credential_id": "ac", "application_credential_secret": "s", "auth_url": "http://k:5000"})
    assert config.method == "application_credential" and config.version == "3"
    assert auth._v3_body(config) == {"auth": {"identity": {"methods": ["application_credential"],
                                                           "application_credential": {"id": "ac", "secret": "s"}}}}


def test_token_login_v2_keeps_the_tenant():
    config = resolve({"token": "t-SECRET", "project_id": "100001"})
    assert auth._v2_body(config) == {"auth": {"token": {"id": "t-SECRET"}, "tenantId": "100001"}}


def test_cache_key_depends_on_identity_not_on_secret():
    a = resolve({"username": "demo", "api_key": "one"})
    b = resolve({"username": "demo", "api_key": "two"})
    c = resolve({"username": "other", "api_key": "one"})
    assert a.cache_key() == b.cache_key() != c.cache_key()


def write(path, text):
    path.write_text(text)
    return str(path)


def test_clouds_yaml_with_secure_yaml_and_task_override(tmp_path):
    clouds = write(tmp_path / "clouds.yaml", """
clouds:
  lab:
    auth:
      auth_url: http://keystone:5000/v3
      username: alice
      project_name: team
      user_domain_name: Default
    region_name: RegionOne
    verify: false
""")
    secure = write(tmp_path / "secure.yaml", "clouds:\n  lab:\n    auth:\n      password: p-SECRET\n")
    config = resolve({"cloud": "lab", "region": "RegionTwo"}, files=([clouds], [secure]))
    assert config.method == "password" and config.version == "3"
    assert config.get("password") == "p-SECRET"
    assert config.region == "RegionTwo"
    assert config.validate_certs is False
    assert "clouds.yaml" in config.source("username")


def test_unknown_cloud_lists_the_clouds_defined(tmp_path):
    clouds = write(tmp_path / "clouds.yaml", "clouds:\n  one: {}\n  two: {}\n")
    with pytest.raises(ConfigError) as err:
        resolve({"cloud": "three"}, files=([clouds], []))
    assert err.value.option == "cloud"
    assert "one, two" in err.value.message


def test_os_cloud_environment_variable_selects_the_cloud(tmp_path):
    clouds = write(tmp_path / "clouds.yaml", "clouds:\n  rax:\n    auth_type: rackspace_apikey\n    auth:\n"
                                             "      username: demo\n      api_key: k-SECRET\n    region_name: IAD\n")
    config = resolve({}, {"OS_CLOUD": "rax"}, files=([clouds], []))
    assert (config.method, config.version, config.region) == ("apikey", "2.0", "IAD")


CONSUMER_CLOUDS = """
clouds:
  consumer-cloud:
    auth:
      auth_url: http://cloud/identity/v2.0
      username: consumer
    region_name: ORD
"""


def test_a_second_account_finds_clouds_yaml_through_os_client_config_file_as_the_task_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no clouds.yaml in the current directory
    clouds = write(tmp_path / "awx-clouds.yaml", CONSUMER_CLOUDS)
    secure = write(tmp_path / "awx-secure.yaml", "clouds:\n  consumer-cloud:\n    auth:\n      api_key: c-SECRET\n")
    environ = {"OS_CLIENT_CONFIG_FILE": clouds, "OS_CLIENT_SECURE_FILE": secure}
    task = auth.resolve({"cloud": "consumer-cloud"}, environ=environ)
    second = auth.resolve({"cloud": "consumer-cloud"}, environ=environ, env_credentials=False)
    assert second.values == task.values and second.sources == task.sources
    assert (second.method, second.get("username"), second.get("api_key"), second.region) == \
        ("apikey", "consumer", "c-SECRET", "ORD")


def test_a_second_account_reads_no_credentials_of_the_environment_and_keeps_the_precedence(tmp_path):
    clouds = write(tmp_path / "clouds.yaml", CONSUMER_CLOUDS)
    environ = {"OS_CLOUD": "owner-cloud", "RAX_USERNAME": "demo", "RAX_API_KEY": "owner-SECRET", "RAX_TENANT_ID": "100001",
               "RAX_REGION": "DFW"}
    config = auth.resolve({"cloud": "consumer-cloud", "api_key": "c-SECRET", "region": "IAD"}, environ=environ,
                          cloud_files=([clouds], []), env_credentials=False,
                          fallbacks={"region": ("DFW", "this task's region")})
    assert (config.get("username"), config.get("api_key"), config.get("project_id"), config.region) == \
        ("consumer", "c-SECRET", None, "IAD")
    from_cloud = auth.resolve({"cloud": "consumer-cloud", "api_key": "c-SECRET"}, environ=environ,
                              cloud_files=([clouds], []), env_credentials=False,
                              fallbacks={"region": ("DFW", "this task's region")})
    assert from_cloud.region == "ORD", "clouds.yaml's region_name wins over the task's region"
    with pytest.raises(ConfigError) as err:
        auth.resolve({}, environ=environ, cloud_files=([clouds], []), env_credentials=False)
    assert "owner-SECRET" not in err.value.message


KEYSTONE_401 = "POST https://ks/v3/auth/tokens answered 401 Unauthorized: The request you have made requires authentication."


class RefusingHttp:
    """An identity service that answers every login with Keystone's 401 (the same for a wrong password and project)."""

    def request(self, method, url, **kwargs):
        raise AuthenticationError(KEYSTONE_401, status=401, fault="Unauthorized", method=method, url=url)


def refused(params, environ=None, files=NO_FILES):
    with pytest.raises(AuthenticationError) as err:
        auth.request_token(resolve(params, environ, files), RefusingHttp())
    return err.value.message


V3_LOGIN = {"auth_url": "https://ks/v3", "username": "demo", "password": "p-SECRET"}


def test_refused_v3_login_to_a_project_name_names_the_project_its_domain_and_the_options():
    message = refused(dict(V3_LOGIN, project_name="no-such-project", project_domain_name="Example"))
    assert "project 'no-such-project' (option project_name) in domain Example (option project_domain_name)" in message
    assert "rejected the credentials (user demo; option password) or the project" in message
    for option in ("project_name", "project_domain_name", "project_domain_id", "project_id"):
        assert option in message
    assert ".." not in message and "SECRET" not in message


def test_refused_v3_login_to_a_project_id_names_it_and_where_it_came_from():
    message = refused(dict(V3_LOGIN), {"OS_PROJECT_ID": "4f1e0c"})
    assert "project id 4f1e0c (project_id (environment variable OS_PROJECT_ID))" in message
    assert "same answer for wrong credentials and for a project that does not exist" in message
    assert ".." not in message and "SECRET" not in message


def test_refused_v3_login_without_domain_says_the_default_domain_was_asked():
    message = refused(dict(V3_LOGIN, project_name="team"))
    assert "project 'team' (option project_name) in domain id default" in message


def test_refused_unscoped_login_blames_only_the_credentials_and_has_one_period():
    message = refused({"auth_url": "https://ks/v3", "application_credential_id": "ac1",
                       "application_credential_secret": "s-SECRET"})
    assert "rejected the credentials (application credential ac1; option application_credential_secret)" in message
    assert "project" not in message
    assert "requires authentication. Check them" in message and ".." not in message


def test_parse_v2_and_v3_responses():
    v2 = auth._parse_v2({"access": {"token": {"id": "tok", "expires": "2014-11-24T22:05:39.115Z", "tenant": {"id": "1"}},
                                    "user": {"id": "u1", "name": "demo", "RAX-AUTH:defaultRegion": "DFW"},
                                    "serviceCatalog": [{"name": "cloudImages", "type": "image",
                                                        "endpoints": [{"region": "DFW", "publicURL": "https://i/v2"}]}]}})
    assert (v2.token, v2.project_id, v2.default_region) == ("tok", "1", "DFW")
    assert v2.expires_epoch == 1416866739
    assert auth._parse_v2({"html": "not identity"}) is None
    v3 = auth._parse_v3({"token": {"expires_at": "2026-11-26T05:30:00.000000Z", "project": {"id": "p"}, "user": {"id": "u"},
                                   "catalog": []}}, "tok3")
    assert (v3.token, v3.project_id) == ("tok3", "p")
    assert auth._parse_v3({"token": {}}, None) is None
    restored = auth.AuthResult.from_dict(v2.as_dict())
    assert restored.catalog.endpoint("image", "dfw") == "https://i/v2"
