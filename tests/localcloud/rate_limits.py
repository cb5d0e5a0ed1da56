"""Rate limits per account, as Rackspace applies them in front of its APIs (Repose; docs-cloud-servers
general-api-info/limits.rst): each rule is a method, a human-readable ``uri``, a ``regex`` matched from the start of the path
after the service's root (``^/servers`` matches ``.../v2/010101/servers``), and ``value`` requests per ``unit``.

Every rule that matches a request must have room in its window, else the answer is 413 with the body of
general-api-info/faults.rst ("Example: Fault, Over Limit") and a ``Retry-After`` header. Counting is per account (the
token's tenant), per rule, in a sliding window on the state's clock; requests refused do not count. Rules are the config's
``rate_limits`` (``[]``: off, the default).
"""

import math
import re
from datetime import timedelta

from .errors import json_response
from .servers import RATE_UNITS
from .state import isotime

# Rackspace's default Cloud Servers limits (limits.rst "Default rate limits", without the networks and virtual interfaces).
RACKSPACE_RATE_LIMITS = [
    {"method": "GET", "uri": "*", "regex": ".*", "value": 1000, "unit": "MINUTE"},
    {"method": "POST", "uri": "*", "regex": ".*", "value": 100, "unit": "MINUTE"},
    {"method": "POST", "uri": "/servers *", "regex": "^/servers$", "value": 1000, "unit": "DAY"},
]
# The path after each service's root: compute /v2/<tenant>, image /v2 (or none), object-store /v1/<account>.
_ROOTS = {"compute": re.compile(r"^/regions/[^/]+/compute/v2/[^/]+"), "image": re.compile(r"^/regions/[^/]+/image(/v2)?"),
          "object-store": re.compile(r"^/regions/[^/]+/(snet-)?object-store/v1/[^/]+")}


def _relative_path(service, path):
    root = _ROOTS.get(service)
    match = root.match(path) if root else None
    return path[match.end():] if match else None


def _matching(rules, service, method, path):
    """(index, rule) of every rule for this request."""
    relative = _relative_path(service, path)
    if relative is None:
        return []
    return [(index, rule) for index, rule in enumerate(rules)
            if rule["service"] in ("*", service) and rule["method"] == method and re.search(rule["regex"], relative)]


def _recent(state, account, index, rule, now):
    """The times of the counted requests of this account and rule still inside the window (older ones are dropped)."""
    window = timedelta(seconds=RATE_UNITS[rule["unit"]])
    times = state.rate_counts.setdefault((account, index), [])
    times[:] = [moment for moment in times if moment > now - window]
    return times


def over_limit(state, account, service, method, path):
    """The 413 for a request over one of its rules (counting it otherwise), or None."""
    with state.lock:
        rules = state.config["rate_limits"]
        if not rules:
            return None
        now = state.now()
        matching = _matching(rules, service, method, path)
        for index, rule in matching:
            times = _recent(state, account, index, rule, now)
            if len(times) >= rule["value"]:
                retry_at = times[0] + timedelta(seconds=RATE_UNITS[rule["unit"]]) if times else now
                retry_after = max(1, math.ceil((retry_at - now).total_seconds()))
                details = f"Only {rule['value']} {rule['method']} request(s) can be made to {rule['uri']} every {rule['unit']}."
                body = {"overLimit": {"code": 413, "message": "OverLimit Retry...", "details": details, "retryAt": isotime(retry_at)}}
                return json_response(body, 413, {"Retry-After": str(retry_after)})
        for index, rule in matching:
            state.rate_counts.setdefault((account, index), []).append(now)
    return None


def limits_view(state, account):
    """The compute rules as Nova's ``GET /limits`` shows them in ``rate``, with what is left for this account."""
    with state.lock:
        now = state.now()
        shown = []
        for index, rule in enumerate(state.config["rate_limits"]):
            if rule["service"] not in ("*", "compute"):
                continue
            times = _recent(state, account, index, rule, now)
            next_available = times[0] + timedelta(seconds=RATE_UNITS[rule["unit"]]) if len(times) >= rule["value"] else now
            shown.append({"uri": rule["uri"], "regex": rule["regex"], "limit": [
                {"verb": rule["method"], "value": rule["value"], "remaining": max(0, rule["value"] - len(times)), "unit": rule["unit"],
                 "next-available": isotime(next_available)}]})
        return shown
