"""Nova's version documents at ``/regions/<REGION>/compute/`` (the list) and ``.../compute/v2`` (the v2 API's own).

Part of the compute service. Clients discover the API from them (keystoneauth takes the catalog's
``.../compute/v2/<tenant>``, then tries it without the tenant); Rackspace's v2.0 catalog names them too (``versionList``,
``versionInfo``). The shapes are upstream Nova's (nova/api/openstack/compute/versions.py and views/versions.py, the
legacy v2.0 API): Rackspace's Cloud Servers is that API only, so it is CURRENT and announces no microversions (``version``
and ``min_version`` empty), and clients send no ``OpenStack-API-Version`` header. As in Nova's paste pipelines, these
documents need no token, and only the ``/v2`` one carries request ids.
"""

import re

from flask import Blueprint, g, request
from werkzeug.exceptions import NotFound

from . import compute
from .errors import json_response
from .state import current_state

SERVICE = compute.SERVICE
PATH_RE = re.compile(r"^/regions/[^/]+/compute/?$|^/regions/[^/]+/compute/v2/?$")
blueprint = Blueprint("compute_versions", __name__, url_prefix="/regions/<region>/compute")
http_error = compute.http_error

V2_MEDIA_TYPE = "application/vnd.openstack.compute+json;version=2"


@blueprint.url_value_preprocessor
def _pull_region(_endpoint, values):
    g.region = values.pop("region").upper()


@blueprint.before_request
def _known_region():
    if g.region not in current_state().regions:
        return http_error(NotFound())
    return None


def _v2(links):
    return {"id": "v2.0", "status": "CURRENT", "version": "", "min_version": "", "updated": "2011-01-21T11:33:21Z", "links": links}


def _self_link():
    return {"rel": "self", "href": f"{request.host_url}regions/{g.region}/compute/v2/"}


@blueprint.get("/", strict_slashes=False)
def versions():
    return json_response({"versions": [_v2([_self_link()])]})


@blueprint.get("/v2", strict_slashes=False)
def version_v2():
    links = [_self_link(), {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}]
    return json_response({"version": {**_v2(links), "media-types": [{"base": "application/json", "type": V2_MEDIA_TYPE}]}})
