"""Swift's ``GET /info`` (cluster capabilities) of Cloud Files, unauthenticated, at the root of the storage endpoint:
``/regions/<REGION>/object-store/info`` (and ``snet-object-store``), where python-swiftclient looks for it (it replaces
the storage URL's ``/v1/<account>`` with ``/info``), as it lives at ``https://storage101.dfw1.clouddrive.com/info``.

The sections and keys are those of a real Swift proxy (swift.proxy.server, the slo and bulk middlewares), limited to what
the local cloud has, with the values it enforces: no ``dlo`` section (the dlo middleware registers none), no ``tempurl``,
``formpost`` or ``bulk_upload`` (not emulated).
"""

import json
import re

from flask import Blueprint, Response

from . import object_store
from .errors import swift_response
from .state import current_state

SERVICE = object_store.SERVICE
PATH_RE = re.compile(r"^/regions/[^/]+/(snet-)?object-store/info$")
blueprint = Blueprint("object-store-info", __name__)
http_error = object_store.http_error


def capabilities(config):
    """The /info of a local cloud with this config."""
    return {
        "swift": {"max_file_size": config["object_max_bytes"], "max_meta_name_length": object_store.MAX_META_NAME_LENGTH,
                  "max_meta_value_length": object_store.MAX_META_VALUE_LENGTH, "max_meta_count": object_store.MAX_META_COUNT,
                  "max_meta_overall_size": object_store.MAX_META_OVERALL_SIZE, "max_object_name_length": object_store.MAX_OBJECT_NAME,
                  "max_container_name_length": object_store.MAX_CONTAINER_NAME,
                  "container_listing_limit": object_store.LISTING_LIMIT, "account_listing_limit": object_store.LISTING_LIMIT,
                  "allow_account_management": False, "account_autocreate": True},
        "slo": {"max_manifest_segments": config["slo_max_segments"], "max_manifest_size": object_store.MAX_MANIFEST_BYTES,
                "min_segment_size": config["slo_min_segment_bytes"]},
        "bulk_delete": {"max_deletes_per_request": object_store.MAX_BULK_DELETES},
    }


@blueprint.route('/regions/<region>/<any("object-store", "snet-object-store"):_network>/info', methods=["GET", "HEAD"])
def info(region, _network):
    """The capabilities as JSON (werkzeug leaves the body out of a HEAD answer, keeping its Content-Length)."""
    state = current_state()
    if region.upper() not in state.regions:
        return swift_response(404)
    with state.lock:
        body = json.dumps(capabilities(state.config))
    return Response(body, 200, content_type="application/json; charset=UTF-8")
