# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service catalog of an Identity v2.0 or v3 token, and endpoint selection from it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError

# Where a catalog has several services of one type (mimic, some Rackspace accounts), prefer these.
PREFERRED_SERVICE_NAMES = {
    "compute": ("cloudServersOpenStack", "nova"),
    "image": ("cloudImages", "glance"),
    "object-store": ("cloudFiles", "swift"),
}
_V2_INTERFACE_KEYS = (("publicURL", "public"), ("internalURL", "internal"), ("adminURL", "admin"))
# An image endpoint that already names the v2 API: ".../v2", ".../v2.1" or the older ".../v2/<tenant>".
_IMAGE_V2_ROOT = re.compile(r"/v2(?:\.\d+)?(?:/[^/]+)?$")


class Endpoint:
    def __init__(self, service_type, service_name, region, interface, url):
        self.service_type = service_type
        self.service_name = service_name
        self.region = region
        self.interface = interface
        self.url = url

    def as_dict(self):
        return {"type": self.service_type, "name": self.service_name, "region": self.region,
                "interface": self.interface, "url": self.url}


class ServiceCatalog:
    """A flat list of endpoints, whatever the shape of the catalog it came from."""

    def __init__(self, endpoints):
        self.endpoints = list(endpoints)

    @classmethod
    def from_v2(cls, service_catalog):
        """From Identity v2.0 ``access.serviceCatalog``."""
        endpoints = []
        for service in service_catalog or []:
            for entry in service.get("endpoints", []):
                for key, interface in _V2_INTERFACE_KEYS:
                    if entry.get(key):
                        endpoints.append(Endpoint(service.get("type"), service.get("name"),
                                                  entry.get("region"), interface, entry[key]))
        return cls(endpoints)

    @classmethod
    def from_v3(cls, catalog):
        """From Keystone v3 ``token.catalog``."""
        endpoints = []
        for service in catalog or []:
            for entry in service.get("endpoints", []):
                endpoints.append(Endpoint(service.get("type"), service.get("name"),
                                          entry.get("region_id") or entry.get("region"),
                                          entry.get("interface"), entry.get("url")))
        return cls(endpoints)

    @classmethod
    def from_dicts(cls, items):
        """From :meth:`as_dicts` (the token cache)."""
        return cls(Endpoint(i["type"], i["name"], i["region"], i["interface"], i["url"]) for i in items)

    def as_dicts(self):
        return [e.as_dict() for e in self.endpoints]

    def regions(self, service_type=None):
        """The regions of the catalog, or of one service of it."""
        return sorted(set(e.region for e in self.endpoints if e.region and service_type in (None, e.service_type)))

    def service_types(self):
        return sorted(set("%s (%s)" % (e.service_type, e.service_name) for e in self.endpoints))

    def endpoint(self, service_type, region=None, interface="public"):
        """The URL of ``service_type`` in ``region`` (case-insensitive) for ``interface``.

        Without a region, the service must be offered in exactly one region. Every failure
        names what the catalog does offer.
        """
        of_type = [e for e in self.endpoints if e.service_type == service_type]
        if not of_type:
            raise ConfigError("The service catalog has no '%s' service; it offers: %s." % (
                service_type, ", ".join(self.service_types()) or "nothing"))
        regions = self.regions(service_type)
        if region:
            in_region = [e for e in of_type if (e.region or "").lower() == region.lower()]
            if not in_region:
                raise ConfigError("Region '%s' is not in the service catalog for the '%s' service; it offers: %s. "
                                  "Set region to one of these." % (region, service_type, ", ".join(regions)),
                                  option="region")
        elif len(regions) > 1:
            raise ConfigError("The '%s' service is offered in several regions (%s): set region to one of them."
                              % (service_type, ", ".join(regions)), option="region")
        else:
            in_region = of_type
        matching = [e for e in in_region if e.interface == interface]
        if not matching:
            raise ConfigError("The '%s' service in %s has no %s endpoint; it has: %s." % (
                service_type, region or regions[0] if regions else "the catalog", interface,
                ", ".join(sorted(set(e.interface for e in in_region)))), option="interface")
        preferred = PREFERRED_SERVICE_NAMES.get(service_type, ())
        matching.sort(key=lambda e: preferred.index(e.service_name) if e.service_name in preferred else len(preferred))
        return matching[0].url


def image_api_root(url):
    """The Glance v2 root of an image endpoint, so that ``root + '/images'`` is the images collection.

    Catalogs differ: Rackspace lists ``https://iad.images.api.rackspacecloud.com/v2``, Keystone
    deployments usually the bare ``http://glance:9292``, older Rackspace catalogs ``.../v2/<tenant>``.
    """
    url = url.rstrip("/")
    if _IMAGE_V2_ROOT.search(url):
        return url
    return url + "/v2"
