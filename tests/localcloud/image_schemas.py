"""Glance's JSON schema documents, ``GET /v2/schemas/{image,images,member,members,task,tasks}``.

The documents are upstream Glance's (glance/api/v2/images.py ``get_base_properties``, image_members.py, tasks.py; served the
same by the real peer, which tests/contract/test_third_party_openstacksdk.py checks), with Rackspace's differences, each
from Rackspace's own schema documents (docs-cloud-images api-reference ``get-get-image-schema-schemas-image.rst`` and
``get-get-task-schema-schemas-task.rst``):

* the image schema adds the custom properties of Rackspace's ``schema-image.json`` (``RACKSPACE_IMAGE_PROPERTIES``);
* task types are ``import`` and ``export`` (upstream: ``import``, ``api_image_import``, ``location_import``), and a task has no
  ``image_id``, ``request_id`` or ``user_id`` (added upstream after Icehouse; this cloud's tasks do not carry them).

images.py validates PATCH values with its own ``ATTRIBUTE_SCHEMA``; test_image_schemas.py keeps the two in agreement.
"""

import copy

UUID_PATTERN = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"


def _read_only(kind, description):
    return {"type": kind, "readOnly": True, "description": description}


_LOCATION = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "maxLength": 255},
        "metadata": {"type": "object"},
        "validation_data": {
            "description": "Values to be used to populate the corresponding image properties. If the image status is not 'queued', "
                           "values must exactly match those already contained in the image properties.",
            "type": "object", "writeOnly": True, "additionalProperties": False,
            "properties": {"checksum": {"type": "string", "minLength": 32, "maxLength": 32},
                           "os_hash_algo": {"type": "string", "maxLength": 64},
                           "os_hash_value": {"type": "string", "maxLength": 128}},
            "required": ["os_hash_algo", "os_hash_value"]},
    },
    "required": ["url", "metadata"],
}

UPSTREAM_IMAGE_PROPERTIES = {
    "id": {"type": "string", "description": "An identifier for the image", "pattern": UUID_PATTERN},
    "name": {"type": ["null", "string"], "description": "Descriptive name for the image", "maxLength": 255},
    "status": {**_read_only("string", "Status of the image"),
               "enum": ["queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete", "deactivated"]},
    "visibility": {"type": "string", "description": "Scope of image accessibility", "enum": ["community", "public", "private", "shared"]},
    "protected": {"type": "boolean", "description": "If true, image will not be deletable."},
    "os_hidden": {"type": "boolean", "description": "If true, image will not appear in default image list response."},
    "checksum": {**_read_only(["null", "string"], "md5 hash of image contents."), "maxLength": 32},
    "os_hash_algo": {**_read_only(["null", "string"], "Algorithm to calculate the os_hash_value"), "maxLength": 64},
    "os_hash_value": {**_read_only(["null", "string"],
                                   "Hexdigest of the image contents using the algorithm specified by the os_hash_algo"), "maxLength": 128},
    "owner": {"type": ["null", "string"], "description": "Owner of the image", "maxLength": 255},
    "size": _read_only(["null", "integer"], "Size of image file in bytes"),
    "virtual_size": _read_only(["null", "integer"], "Virtual size of image in bytes"),
    "container_format": {"type": ["null", "string"], "description": "Format of the container",
                         "enum": [None, "ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]},
    "disk_format": {"type": ["null", "string"], "description": "Format of the disk",
                    "enum": [None, "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]},
    "created_at": _read_only("string", "Date and time of image registration"),
    "updated_at": _read_only("string", "Date and time of the last image modification"),
    "tags": {"type": "array", "description": "List of strings related to the image", "items": {"type": "string", "maxLength": 255}},
    "direct_url": _read_only("string", "URL to access the image file kept in external store"),
    "min_ram": {"type": "integer", "description": "Amount of ram (in MB) required to boot image."},
    "min_disk": {"type": "integer", "description": "Amount of disk space (in GB) required to boot image."},
    "self": _read_only("string", "An image self url"),
    "file": _read_only("string", "An image file url"),
    "stores": _read_only("string", "Store in which image data resides.  Only present when the operator has enabled multiple stores.  "
                                   "May be a comma-separated list of store identifiers."),
    "schema": _read_only("string", "An image schema url"),
    "locations": {"type": "array", "items": _LOCATION, "description": "A set of URLs to access the image file kept in external store"},
}

# Rackspace's schema-image.json (its GET /v2/schemas/image example): custom properties Glance documents but does not enforce.
RACKSPACE_IMAGE_PROPERTIES = {
    "architecture": {"description": "Operating system architecture as specified in "
                                    "http://docs.openstack.org/trunk/openstack-compute/admin/content/adding-images.html", "type": "string"},
    "instance_uuid": {"description": "ID of instance used to create this image.", "type": "string"},
    "kernel_id": {"description": "ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.",
                  "pattern": UUID_PATTERN, "type": "string"},
    "os_version": {"description": "Operating system version as specified by the distributor", "type": "string"},
    "ramdisk_id": {"description": "ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.",
                   "pattern": UUID_PATTERN, "type": "string"},
}

_MEMBER_PROPERTIES = {
    "member_id": {"type": "string", "description": "An identifier for the image member (tenantId)"},
    "image_id": {"type": "string", "description": "An identifier for the image", "pattern": UUID_PATTERN},
    "created_at": {"type": "string", "description": "Date and time of image member creation"},
    "updated_at": {"type": "string", "description": "Date and time of last modification of image member"},
    "status": {"type": "string", "description": "The status of this image member", "enum": ["pending", "accepted", "rejected"]},
    "schema": {"readOnly": True, "type": "string"},
}

_TASK_PROPERTIES = {
    "id": {"description": "An identifier for the task", "pattern": UUID_PATTERN, "type": "string"},
    "type": {"description": "The type of task represented by this content", "enum": ["import", "export"], "type": "string"},
    "status": {"description": "The current status of this task", "enum": ["pending", "processing", "success", "failure"], "type": "string"},
    "input": {"description": "The parameters required by task, JSON blob", "type": ["null", "object"]},
    "result": {"description": "The result of current task, JSON blob", "type": ["null", "object"]},
    "owner": {"description": "An identifier for the owner of this task", "type": "string"},
    "message": {"description": "Human-readable informative message only included when appropriate (usually on failure)", "type": "string"},
    "expires_at": {"description": "Datetime when this resource would be subject to removal", "type": ["null", "string"]},
    "created_at": {"description": "Datetime when this resource was created", "type": "string"},
    "updated_at": {"description": "Datetime when this resource was updated", "type": "string"},
    "self": {"readOnly": True, "type": "string"},
    "schema": {"readOnly": True, "type": "string"},
}
# A task in a list is a stub (tasks.Task.stub): Glance leaves these out of the tasks schema's items too.
_TASK_DETAIL_ONLY = ("input", "result", "message")


def _collection(name, item, extra_properties=None, links=None):
    """Glance's collection schema: the items under ``name``, the ``schema`` link, and for images the paging links."""
    properties = {name: {"type": "array", "items": item}, **(extra_properties or {}), "schema": {"type": "string"}}
    return {"name": name, "properties": properties, "links": (links or []) + [{"rel": "describedby", "href": "{schema}"}]}


def _documents():
    image = {"name": "image", "properties": {**UPSTREAM_IMAGE_PROPERTIES, **RACKSPACE_IMAGE_PROPERTIES},
             "additionalProperties": {"type": "string"},
             "links": [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"}, {"rel": "describedby", "href": "{schema}"}]}
    member = {"name": "member", "properties": _MEMBER_PROPERTIES}
    task = {"name": "task", "properties": _TASK_PROPERTIES}
    task_stub = {"name": "task", "properties": {key: value for key, value in _TASK_PROPERTIES.items() if key not in _TASK_DETAIL_ONLY}}
    images = _collection("images", image, {"first": {"type": "string"}, "next": {"type": "string"}},
                         [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"}])
    return {"image": image, "images": images, "member": member, "members": _collection("members", member),
            "task": task, "tasks": _collection("tasks", task_stub)}


_SCHEMAS = _documents()
NAMES = tuple(_SCHEMAS)


def schema(name):
    """The schema document called ``name`` (a copy), or None."""
    found = _SCHEMAS.get(name)
    return copy.deepcopy(found) if found is not None else None
