# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  cloud:
    description:
      - Name of a cloud in a standard C(clouds.yaml) (and C(secure.yaml)), searched in E(OS_CLIENT_CONFIG_FILE), the current
        directory, C(~/.config/openstack/) and C(/etc/openstack/). Its C(auth), C(region_name), C(auth_type),
        C(identity_api_version), C(verify) and C(cacert) fill every option not set in the task.
      - Falls back to E(OS_CLOUD).
    type: str
  auth_url:
    description:
      - Identity endpoint. A URL ending in C(/v2.0) is Rackspace Identity v2.0, one ending in C(/v3) is Keystone v3; for a URL
        with no version, O(identity_api_version) decides, else v2.0 for O(api_key) logins and v3 for the others.
      - Falls back to E(RAX_AUTH_URL), then E(OS_AUTH_URL), then C(https://identity.api.rackspacecloud.com/v2.0/).
    type: str
  identity_api_version:
    description:
      - Identity API version when O(auth_url) does not end in one. Falls back to E(OS_IDENTITY_API_VERSION).
    type: str
    choices: ['2.0', '3']
  auth_type:
    description:
      - How to log in. Without it the method follows from the credentials given (application credential, then
        O(api_key), O(password), O(token)); set it when several are present. Falls back to E(OPENCLOUD_AUTH_TYPE).
      - V(apikey) is Rackspace's C(RAX-KSKEY:apiKeyCredentials) (Identity v2.0 only); V(token) reuses a pre-issued token;
        V(application_credential) is Keystone v3 only.
    type: str
    choices: [apikey, password, token, application_credential]
  username:
    description:
      - User name. Falls back to E(RAX_USERNAME), then E(OS_USERNAME).
    type: str
  user_id:
    description:
      - User id, instead of O(username) for Keystone v3 password logins. Falls back to E(OS_USER_ID).
    type: str
  api_key:
    description:
      - Rackspace API key. Falls back to E(RAX_API_KEY).
    type: str
  password:
    description:
      - Password. Falls back to E(RAX_PASSWORD), then E(OS_PASSWORD).
    type: str
  token:
    description:
      - A pre-issued token, exchanged for a token with a service catalog. Falls back to E(RAX_AUTH_TOKEN), then E(OS_TOKEN).
    type: str
  project_id:
    description:
      - Tenant (Rackspace account number) or Keystone project id to scope the token to.
      - Falls back to E(RAX_TENANT_ID), E(OS_PROJECT_ID), E(OS_TENANT_ID).
    type: str
    aliases: [tenant_id]
  project_name:
    description:
      - Tenant or Keystone project name to scope the token to; with Keystone v3 it is looked up in O(project_domain_id)
        or O(project_domain_name) (default the user's domain, else C(default)).
      - Falls back to E(RAX_TENANT_NAME), E(OS_PROJECT_NAME), E(OS_TENANT_NAME).
    type: str
    aliases: [tenant_name]
  user_domain_id:
    description:
      - Keystone v3 domain id of the user (default C(default)). Falls back to E(OS_USER_DOMAIN_ID).
    type: str
  user_domain_name:
    description:
      - Keystone v3 domain name of the user. Falls back to E(OS_USER_DOMAIN_NAME).
    type: str
  project_domain_id:
    description:
      - Keystone v3 domain id of the project. Falls back to E(OS_PROJECT_DOMAIN_ID).
    type: str
  project_domain_name:
    description:
      - Keystone v3 domain name of the project. Falls back to E(OS_PROJECT_DOMAIN_NAME).
    type: str
  application_credential_id:
    description:
      - Keystone v3 application credential id. Falls back to E(OS_APPLICATION_CREDENTIAL_ID).
    type: str
  application_credential_secret:
    description:
      - Keystone v3 application credential secret. Falls back to E(OS_APPLICATION_CREDENTIAL_SECRET).
    type: str
  region:
    description:
      - Region of the service catalog to work in (case-insensitive, for example V(DFW), V(ORD), V(IAD), V(LON)).
      - Falls back to E(RAX_REGION), then E(OS_REGION_NAME), then the account's default region (Rackspace), else the
        only region the catalog offers. An unknown region fails with the list of regions the catalog offers.
    type: str
  validate_certs:
    description:
      - Check TLS certificates. Defaults to V(true) (or C(verify) from O(cloud)); turning it off prints a warning.
    type: bool
  ca_cert:
    description:
      - CA bundle to check TLS certificates against, for a private CA. Falls back to E(OS_CACERT).
    type: path
  api_timeout:
    description:
      - Seconds to wait for an answer to one API request (not for a whole operation, which has its own timeout).
    type: int
    default: 60
  token_cache:
    description:
      - Reuse tokens across tasks and runs. Tokens are kept in C($XDG_CACHE_HOME/opencloud.images/tokens) (default
        C(~/.cache/...)), one file per identity, mode 0600; the files never hold the API key or password.
    type: bool
    default: true
notes:
  - Every module of this collection is in the action group C(opencloud.images.opencloud), so credentials can be set once
    with C(module_defaults) (C(group/opencloud.images.opencloud)).
  - Requests that failed on a connection error, a 5xx on an idempotent call, or 413/429/503 are repeated a few times with
    backoff, honouring C(Retry-After).
  - With C(-vvvv), results carry C(api_trace), the API calls made (secrets masked).
requirements:
  - python >= 3.9
  - requests
'''
