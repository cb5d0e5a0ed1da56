# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the accounts an image is to be shared with exist, as far as the identity service lets this account ask.

Glance takes any member id and keeps an unknown one as a pending member for ever, so the ids are checked first:

- Keystone v3: ``GET /v3/projects/{id}``. 200 is a project, 404 none. Keystone's default policy (identity:get_project)
  answers 403 to a member or reader for every project it has no role on, one that does not exist included: only an admin
  or a reader of the domain can tell them apart, so 403 means "cannot be checked", not "unknown".
- Rackspace Identity v2.0: a tenant (cloud account number, the id images are shared with) is numeric, and one account
  cannot look another up ("The target consumer must provide their tenant ID to you; you cannot search, browse, or
  otherwise discover their unique ID": rackerlabs/docs-core-infra-user-guide, cloud-config/compute/
  cloud-images-product-concepts/sharing-images/index.rst; ``GET /v2.0/tenants`` lists only the caller's own tenants,
  docs-cloud-identity tenants/get-list-tenants-v2.0.rst). So a number cannot be checked, and anything else is no account.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from urllib.parse import quote

from ansible_collections.opencloud.images.plugins.module_utils.errors import ApiError, ConfigError, NotFound, PermissionDenied

VALIDATION_MODES = ("auto", "always", "never")
_RACKSPACE_ACCOUNT = re.compile(r"^[0-9]+$")
RACKSPACE_CANNOT_CHECK = ("Rackspace Identity lets an account look up only its own tenants, so another account's number "
                          "cannot be checked")
KEYSTONE_CANNOT_CHECK = ("Keystone lets this account look up only the projects it has a role on (403 to GET /v3/projects/{id}); "
                         "an admin, or a reader of the projects' domain, can check them")


def _lookup(session, member):
    """(True: exists, False: does not, None: cannot tell; why) for one member id."""
    if session.config.version == "2.0":
        if not _RACKSPACE_ACCOUNT.match(member):
            return False, "not a Rackspace account number, which is numeric"
        return None, RACKSPACE_CANNOT_CHECK
    try:
        session.request("GET", "%s/projects/%s" % (session.config.auth_url, quote(member, safe="")))
    except NotFound:
        return False, "Keystone has no such project"
    except PermissionDenied:
        return None, KEYSTONE_CANNOT_CHECK
    except ApiError as exc:
        return None, "the identity service answered HTTP %s to the project lookup" % exc.status
    return True, None


def check_new_members(session, members, mode="auto", confirmed=()):
    """Check the member ids about to be added; the result says which were ``confirmed`` and which are ``unverified``
    (with the ``reason``). ``confirmed`` ids are known already (the consumer's own login proved its account).

    An id the identity service says does not exist is refused, naming the option ``members``; with ``mode`` always, so
    is an id it cannot confirm (``validate_members``); ``never`` asks nothing. Both refusals come before any change.
    """
    result = {"confirmed": [], "unverified": [], "reason": None}
    if mode == "never":
        result.update(unverified=list(members), reason="validate_members is never" if members else None)
        return result
    unknown, reasons = [], []
    for member in members:
        found, why = (True, None) if member in confirmed else _lookup(session, member)
        if found:
            result["confirmed"].append(member)
        elif found is False:
            unknown.append("%s (%s)" % (member, why))
        else:
            result["unverified"].append(member)
            reasons.append(why)
    if unknown:
        raise ConfigError("members: no account of this cloud has the id%s %s. Check the ids (a member is the consumer's "
                          "tenant or project id); nothing was shared or changed." % ("s" if len(unknown) > 1 else "", ", ".join(unknown)),
                          option="members")
    result["reason"] = "; ".join(dict.fromkeys(reasons)) or None
    if result["unverified"] and mode == "always":
        raise ConfigError("validate_members is always, but the identity service could not confirm %s: %s. Nothing was "
                          "shared or changed: use credentials that may look projects up, or validate_members auto to share "
                          "with ids that cannot be checked." % (", ".join(result["unverified"]), result["reason"]),
                          option="validate_members")
    return result
