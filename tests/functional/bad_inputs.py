"""The bad-input catalogue: inputs every module and role must refuse clearly, naming the option, changing nothing.

Each case is one task: a module with these arguments, or a role (through include_role) with these variables. The
option is the one the message must name (the module's ``option`` result field when it sets one, else the option's
name in ``msg``); the words must all be in ``msg``. A case with ``bug`` set shows a known defect of the collection and
is an expected failure until it is fixed (the reason says what happens and where).

test_bad_input_catalogue.py runs them against the local cloud. In argument values, ``${files}`` is a directory holding
the files of ``write_files()``, and ``${shared_image}`` (the consumer's image, shared with demo and accepted),
``${own_image}`` (demo's web01-2026-11-20 in DFW), ``${consumer_image}`` (the consumer's private image) and ``${web01}``
(the id of demo's server web01 in DFW) are ids of that cloud.

``python tests/functional/bad_inputs.py --count`` prints the size of the catalogue.
"""

import os
import struct
import sys
import uuid
from collections import Counter, namedtuple

MODULES = ("image_create", "image", "image_info", "image_prune", "image_share", "image_transfer", "image_import",
           "object_download", "object_upload", "server_info", "server", "server_rebuild", "image_verify")
ROLES = ("server_image", "mysql_backup", "mysql_restore", "postgresql_backup", "postgresql_restore", "windows_dc_check",
         "backup_run_dir")
KINDS = ("wrong type", "empty", "oversize", "out of range", "unknown id", "wrong region", "another account",
         "iso file", "truncated vhd", "disk file", "json-patch value", "unicode or path-like", "conflicting options")
ZERO_UUID = "00000000-0000-4000-8000-000000000000"
# Task arguments reach the play as they are: the consumer's key comes from the environment, as in playbook_support.
CONSUMER = {"username": "consumer", "api_key": "{{ lookup('ansible.builtin.env', 'CONSUMER_KEY') }}"}
# The role cases never look for a database server: mysql_backup and postgresql_backup are tested on their own.
NO_MYSQL = {"server_image_mysql": "never", "server_image_postgresql": "never"}
# Polling of the cases that may get as far as making an image (the local cloud's phases take 0.3 s).
FAST = {"poll_interval": 0.2, "max_poll_interval": 0.5}


class Case(namedtuple("Case", "id target args option words kind bug")):
    """``target`` is a module of MODULES or a role of ROLES; ``args`` its arguments or variables."""

    @property
    def is_role(self):
        return self.target in ROLES

    @property
    def group(self):
        """Cases of one group run in one play; a known bug runs alone, as it may change the cloud."""
        return self.id if self.bug else self.target


def case(case_id, target, args, option, words, kind, bug=None):
    return Case(case_id, target, args, option, tuple(words), kind, bug)


CASES = [
    # image_create
    case("create-timeout-not-a-number", "image_create", {"server": "web01", "name": "x", "timeout": "soon"},
         "timeout", ["cannot be converted to an int"], "wrong type"),
    case("create-empty-server", "image_create", {"server": "", "name": "x"}, "server", ["No server with id or name ''"], "empty"),
    case("create-unknown-server-id", "image_create", {"server": ZERO_UUID, "name": "x"}, "server",
         ["No server with id or name '%s'" % ZERO_UUID], "unknown id"),
    case("create-server-of-another-region", "image_create", {"server": "web01", "name": "x", "region": "IAD"}, "server",
         ["region IAD"], "wrong region"),
    case("create-server-of-another-account", "image_create", dict(CONSUMER, server="${web01}", name="x"), "server",
         ["No server with id or name '${web01}'"], "another account"),
    case("create-metadata-key-of-the-collection", "image_create",
         {"server": "web01", "name": "x", "metadata": {"opencloud.images.server": "x"}}, "metadata",
         ["metadata.opencloud.images.server", "the collection's own"], "conflicting options"),
    case("create-negative-poll-interval", "image_create", {"server": "web01", "name": "x", "poll_interval": -1}, "poll_interval",
         ["poll_interval"], "out of range"),
    case("create-negative-retries", "image_create", dict(FAST, server="web01", name="x", retries=-1), "retries", ["retries"],
         "out of range"),
    case("create-name-over-255-characters", "image_create", dict(FAST, server="web01", name="n" * 300), "name", ["name"], "oversize"),
    # image
    case("image-protected-not-a-boolean", "image", {"image": "${own_image}", "protected": "yes please"}, "protected",
         ["convert to bool"], "wrong type"),
    case("image-tags-not-a-list", "image", {"image": "${own_image}", "tags": {"web": 1}}, "tags", ["convert to list"],
         "wrong type"),
    case("image-empty-name", "image", {"image": "${own_image}", "name": ""}, "name", ["name must not be empty"], "empty"),
    case("image-rackspace-property", "image", {"image": "${own_image}", "properties": {"com.rackspace__1__options": "0"}},
         "properties", ["properties.com.rackspace__1__options cannot be set"], "json-patch value"),
    case("image-of-another-region", "image", {"image": "${own_image}", "region": "ORD", "tags": ["x"]}, "image",
         ["No image with id or name '${own_image}' in region ORD"], "wrong region"),
    case("image-property-holding-a-dict", "image", {"image": "${own_image}", "properties": {"build": {"id": 1}}}, "properties",
         ["properties.build"], "json-patch value"),
    case("image-property-name-with-a-slash", "image", {"image": "${own_image}", "properties": {"build/id": "1"}}, "properties",
         ["properties"], "unicode or path-like"),
    case("image-empty-property-name", "image", {"image": "${own_image}", "properties": {"": "x"}}, "properties",
         ["properties"], "empty"),
    case("image-of-another-account", "image", {"image": "${shared_image}", "tags": ["mine"]}, "image",
         ["belongs to account 100002"], "another account"),
    case("image-name-over-255-characters", "image", {"image": "${own_image}", "name": "n" * 300}, "name", ["name"], "oversize"),
    # image_info
    case("info-limit-not-a-number", "image_info", {"limit": "ten"}, "limit", ["cannot be converted to an int"], "wrong type"),
    case("info-empty-tag", "image_info", {"tags": [""]}, "tags", ["tags must be a list of non-empty strings"], "empty"),
    case("info-property-name-with-a-slash", "image_info", {"properties": {"build/id": "1"}}, "properties",
         ["invalid property name 'build/id'"], "unicode or path-like"),
    case("info-sort-key-with-sql", "image_info", {"sort_key": "name;drop"}, "sort_key", ["must be one of"], "unicode or path-like"),
    case("info-image-of-another-account", "image_info", {"id": "${consumer_image}"}, "id",
         ["No image with id ${consumer_image}"], "another account"),
    case("info-image-of-another-region", "image_info", {"id": "${own_image}", "region": "ORD"}, "id",
         ["No image with id ${own_image} in region ORD"], "wrong region"),
    case("info-path-like-id", "image_info", {"id": "../images"}, "id", ["No image with id ../images"], "unicode or path-like"),
    # image_prune
    case("prune-keep-not-a-number", "image_prune", {"keep": "all"}, "keep", ["cannot be converted to an int"], "wrong type"),
    case("prune-negative-age", "image_prune", {"older_than_days": -1}, "older_than_days", ["older_than_days must be 0 or more"],
         "out of range"),
    case("prune-server-of-another-region", "image_prune", {"server": "web01", "keep": 1, "region": "IAD"}, "server",
         ["No server with id or name 'web01' in region IAD"], "wrong region"),
    case("prune-unknown-server-id", "image_prune", {"server": ZERO_UUID, "keep": 1}, "server",
         ["No server with id or name '%s'" % ZERO_UUID], "unknown id"),
    # image_share
    case("share-image-of-another-account", "image_share", {"image": "${shared_image}", "members": ["100003"]}, "image",
         ["belongs to account 100002", "only its owner can share it"], "another account"),
    case("share-member-id-of-300-digits", "image_share", {"image": "${own_image}", "members": ["1" * 300]}, "members",
         ["is not a tenant (account) or project id"], "oversize"),
    case("share-member-with-an-arabic-digit", "image_share", {"image": "${own_image}", "members": ["1000\u06602"]}, "members",
         ["is not a tenant (account) or project id"], "unicode or path-like"),
    case("share-status-and-consumer", "image_share",
         {"image": "${own_image}", "status": "accepted", "consumer": CONSUMER}, "status",
         ["mutually exclusive: status|consumer"], "conflicting options"),
    case("share-consumer-status-out-of-choices", "image_share",
         {"image": "${own_image}", "members": ["100002"], "consumer_status": "maybe"}, "consumer_status", ["must be one of"],
         "out of range"),
    case("share-consumer-not-a-dict", "image_share", {"image": "${own_image}", "members": ["100002"], "consumer": "consumer"},
         "consumer", ["convert to dict"], "wrong type"),
    case("share-image-of-another-region", "image_share", {"image": "web01-2026-11-20", "members": ["100002"], "region": "ORD"},
         "image", ["No image 'web01-2026-11-20' in region ORD", "image_transfer"], "wrong region"),
    # image_transfer
    case("transfer-to-its-own-region", "image_transfer", {"image": "${own_image}", "target_region": "DFW"}, "target_region",
         ["target_region is the image's own region"], "conflicting options"),
    case("transfer-image-of-another-account", "image_transfer", {"image": "${shared_image}", "target_region": "ORD"}, "image",
         ["belongs to account 100002", "only images you own can be transferred"], "another account"),
    case("transfer-image-of-another-region", "image_transfer", {"image": "${own_image}", "target_region": "IAD", "region": "ORD"},
         "image", ["No image '${own_image}' in region ORD"], "wrong region"),
    case("transfer-unknown-image-id", "image_transfer", {"image": ZERO_UUID, "target_region": "ORD"}, "image",
         ["No image '%s' in region DFW" % ZERO_UUID], "unknown id"),
    case("transfer-export-container-with-a-dot", "image_transfer",
         {"image": "${own_image}", "target_region": "ORD", "export_container": "exports.2026"}, "export_container",
         ["may not contain '/', '?' or '.'"], "unicode or path-like"),
    case("transfer-target-container-path", "image_transfer",
         {"image": "${own_image}", "target_region": "ORD", "target_container": "images/2026"}, "target_container",
         ["Cloud Files container name", "no '/'"], "unicode or path-like"),
    case("transfer-no-workers", "image_transfer", {"image": "${own_image}", "target_region": "ORD", "workers": 0}, "workers",
         ["workers must be between 1 and 32"], "out of range"),
    case("transfer-method-out-of-choices", "image_transfer", {"image": "${own_image}", "target_region": "ORD", "method": "rsync"},
         "method", ["must be one of"], "out of range"),
    case("transfer-empty-target-region", "image_transfer", {"image": "${own_image}", "target_region": "", "task_poll_interval": 0.2}, "target_region",
         ["target_region"], "empty"),
    case("transfer-read-only-property", "image_transfer",
         {"image": "${own_image}", "target_region": "ORD", "properties": {"owner": "100003"}, "task_poll_interval": 0.2},
         "properties", ["properties.owner cannot be set"], "json-patch value"),
    # image_import
    case("import-iso-named-vhd", "image_import", {"path": "${files}/install.vhd", "name": "x"}, "path",
         ["ISO files cannot be imported"], "iso file"),
    case("import-truncated-fixed-vhd", "image_import", {"path": "${files}/truncated-fixed.vhd", "name": "x"}, "path",
         ["is not a VHD", "conectix"], "truncated vhd"),
    case("import-truncated-dynamic-vhd", "image_import", {"path": "${files}/truncated-dynamic.vhd", "name": "x"}, "path",
         ["footer is missing at the end", "truncated"], "truncated vhd"),
    case("import-vhd-shorter-than-its-footer-says", "image_import", {"path": "${files}/short.vhd", "name": "x"}, "path",
         ["truncated or padded"], "truncated vhd"),
    case("import-damaged-footer", "image_import", {"path": "${files}/damaged.vhd", "name": "x"}, "path",
         ["checksum mismatch"], "disk file"),
    case("import-differencing-vhd", "image_import", {"path": "${files}/differencing.vhd", "name": "x"}, "path",
         ["differencing VHD"], "disk file"),
    case("import-zero-unique-id", "image_import", {"path": "${files}/zero-id.vhd", "name": "x"}, "path",
         ["all-zero VHD unique id"], "disk file"),
    case("import-qcow2", "image_import", {"path": "${files}/disk.qcow2", "name": "x"}, "path", ["qcow2", "qemu-img convert"],
         "disk file"),
    case("import-virtual-size-over-160-gb", "image_import", {"path": "${files}/huge.vhd", "name": "x"}, "path",
         ["at most 160 GB"], "oversize"),
    case("import-empty-file", "image_import", {"path": "${files}/empty.vhd", "name": "x"}, "path", ["has 0 bytes"], "empty"),
    case("import-directory", "image_import", {"path": "${files}", "name": "x"}, "path", ["is not a file"], "unicode or path-like"),
    case("import-zero-segment-size", "image_import", {"path": "${files}/good.vhd", "name": "x", "segment_size": 0},
         "segment_size", ["between 1 and 5120"], "out of range"),
    case("import-object-name-over-1024-bytes", "image_import", {"path": "${files}/good.vhd", "name": "x", "object_name": "o" * 1025},
         "object_name", ["1 to 1024 bytes"], "oversize"),
    case("import-container-path", "image_import", {"path": "${files}/good.vhd", "name": "x", "container": "imports/2026"},
         "container", ["no '/'"], "unicode or path-like"),
    case("import-empty-name", "image_import", {"path": "${files}/good.vhd", "name": " "}, "name", ["name must not be empty"],
         "empty"),
    case("import-read-only-property", "image_import",
         {"path": "${files}/good.vhd", "name": "x", "properties": {"status": "active"}, "task_poll_interval": 0.2}, "properties",
         ["properties.status cannot be set"], "json-patch value"),
    # object_upload
    case("upload-empty-container", "object_upload", {"paths": ["${files}/good.vhd"], "container": ""}, "container",
         ["Cloud Files container name"], "empty"),
    case("upload-unicode-container-over-256-bytes", "object_upload", {"paths": ["${files}/good.vhd"], "container": "\u00e9" * 129},
         "container", ["1 to 256 bytes"], "unicode or path-like"),
    case("upload-no-paths", "object_upload", {"paths": [], "container": "backups"}, "paths", ["paths is empty"], "empty"),
    case("upload-second-path-missing", "object_upload",
         {"paths": ["${files}/good.vhd", "${files}/no-such-file.sql.gz"], "container": "backups"}, "paths",
         ["no-such-file.sql.gz is not a file"], "unknown id"),
    case("upload-prefix-over-1024-bytes", "object_upload",
         {"paths": ["${files}/good.vhd"], "container": "backups", "prefix": "p" * 1020}, "prefix", ["1 to 1024 bytes"], "oversize"),
    case("upload-33-workers", "object_upload", {"paths": ["${files}/good.vhd"], "container": "backups", "workers": 33}, "workers",
         ["workers must be between 1 and 32"], "out of range"),
    case("upload-interface-out-of-choices", "object_upload",
         {"paths": ["${files}/good.vhd"], "container": "backups", "interface": "private"}, "interface", ["must be one of"],
         "out of range"),
    case("upload-segment-size-over-5-gib", "object_upload",
         {"paths": ["${files}/good.vhd"], "container": "backups", "segment_size": 6000}, "segment_size",
         ["between 1 and 5120"], "oversize"),
    case("upload-two-files-of-one-name", "object_upload",
         {"paths": ["${files}/web/dump.sql", "${files}/db/dump.sql"], "container": "backups"}, "paths", ["dump.sql"],
         "conflicting options"),
    # object_download
    case("download-empty-container", "object_download", {"container": "", "prefix": "a/", "dest": "${files}/back"},
         "container", ["Cloud Files container name"], "empty"),
    case("download-unknown-container", "object_download",
         {"container": "no-such-container", "prefix": "a/", "dest": "${files}/back"}, "container",
         ["there is no container"], "unknown id"),
    case("download-neither-objects-nor-prefix", "object_download", {"container": "backups", "dest": "${files}/back"},
         "objects", ["one of the following is required"], "empty"),
    case("download-empty-objects", "object_download", {"container": "backups", "prefix": "a/", "objects": [], "dest": "${files}/back"},
         "objects", ["objects is empty"], "empty"),
    case("download-object-outside-dest", "object_download",
         {"container": "backups", "prefix": "a/", "objects": ["../../etc/cron.d/x"], "dest": "${files}/back"}, "objects",
         ["'..' part"], "unicode or path-like"),
    case("download-object-name-over-1024-bytes", "object_download",
         {"container": "backups", "objects": ["o" * 1025], "dest": "${files}/back"}, "objects", ["1 to 1024 bytes"], "oversize"),
    case("download-dest-is-a-file", "object_download", {"container": "backups", "prefix": "a/", "dest": "${files}/good.vhd"},
         "dest", ["is not a directory"], "wrong type"),
    # server_info (and the authentication options every module shares)
    case("server-info-without-server", "server_info", {}, "server", ["missing required arguments: server"], "empty"),
    case("server-info-server-of-another-account", "server_info", dict(CONSUMER, server="${web01}"), "server",
         ["No server with id or name '${web01}'"], "another account"),
    case("server-info-project-id-and-name", "server_info", {"server": "web01", "project_id": "100001", "project_name": "demo"},
         "project_id", ["not both"], "conflicting options"),
    case("server-info-api-key-with-keystone-v3", "server_info", {"server": "web01", "identity_api_version": "3"}, "api_key",
         ["api_key works only with Rackspace Identity v2.0"], "conflicting options"),
    case("server-info-password-login-without-password", "server_info", {"server": "web01", "auth_type": "password"}, "password",
         ["password login needs password"], "conflicting options"),
    case("server-info-validate-certs-not-a-boolean", "server_info", {"server": "web01", "validate_certs": "maybe"},
         "validate_certs", ["convert to bool"], "wrong type"),
    case("server-info-zero-api-timeout", "server_info", {"server": "web01", "api_timeout": 0}, "api_timeout", ["api_timeout"],
         "out of range"),
    case("server-info-auth-url-without-scheme", "server_info", {"server": "web01", "auth_url": "/etc/openstack"}, "auth_url",
         ["auth_url"], "unicode or path-like"),
    # server, server_rebuild, image_verify: refused before any server is created or rebuilt
    case("server-negative-count", "server", {"name": "web", "count": -1, "image": "${own_image}"}, "count",
         ["count must be 0 or more"], "out of range"),
    case("server-a-name-twice", "server", {"deployment": "db", "names": ["db01", "db01"], "image": "${own_image}"}, "names",
         ["names lists a name twice: db01"], "conflicting options"),
    case("server-image-of-another-account", "server", {"name": "web", "count": 1, "image": "${consumer_image}"}, "image",
         ["No image with id or name '${consumer_image}'"], "another account"),
    case("server-image-not-active", "server", {"name": "web", "count": 1, "image": "${queued_image}"}, "image",
         ["is queued, not active"], "out of range"),
    case("server-flavor-too-small", "server", {"name": "web", "count": 1, "image": "${large_image}", "flavor": "general1-1"},
         "flavor", ["Flavor general1-1 cannot boot image ${large_image}", "min_disk (100 GB)", "The smallest flavor that fits"],
         "out of range"),
    case("server-unknown-network", "server", {"name": "web", "count": 1, "image": "${own_image}", "networks": ["public", "nonet"]},
         "networks", ["no network 'nonet'"], "unknown id"),
    case("server-auto-disk-config-on-an-image-that-disables-it", "server",
         {"name": "web", "count": 1, "image": "${own_image}", "disk_config": "AUTO"}, "disk_config",
         ["auto_disk_config is 'disabled'"], "conflicting options"),
    case("rebuild-onto-a-flavor-too-small", "server_rebuild", {"server": "web01", "image": "${large_image}", "confirm": True},
         "image", ["does not fit it", "min_disk (100 GB)"], "out of range"),
    case("rebuild-without-confirm", "server_rebuild", {"server": "web01", "image": "${own_image}"}, "confirm",
         ["Set confirm: true", "nothing was sent"], "conflicting options"),
    case("rebuild-unknown-server", "server_rebuild", {"server": ZERO_UUID, "image": "${own_image}", "confirm": True}, "server",
         ["No server with id or name '%s'" % ZERO_UUID], "unknown id"),
    case("verify-port-out-of-range", "image_verify", {"image": "${own_image}", "port": 70000}, "port",
         ["port must be a TCP port"], "out of range"),
    case("verify-flavor-too-small", "image_verify", {"image": "${large_image}", "flavor": "2"}, "flavor",
         ["Flavor 2 cannot boot image ${large_image}"], "out of range"),
    case("verify-empty-image", "image_verify", {"image": ""}, "image", ["image must not be empty"], "empty"),
    # server_image
    case("role-server-image-keep-not-a-number", "server_image", dict(NO_MYSQL, server_image_server="web01", server_image_keep="many"),
         "server_image_keep", ["Validation of arguments failed", "convert to int"], "wrong type"),
    case("role-server-image-mysql-out-of-choices", "server_image", {"server_image_server": "web01", "server_image_mysql": "sometimes"},
         "server_image_mysql", ["must be one of: auto, always, never"], "out of range"),
    case("role-server-image-metadata-not-a-dict", "server_image",
         dict(NO_MYSQL, server_image_server="web01", server_image_metadata="web server"), "server_image_metadata",
         ["convert to dict"], "wrong type"),
    case("role-server-image-unknown-server", "server_image", dict(NO_MYSQL, server_image_server="web99"), "server",
         ["No server with id or name 'web99'"], "unknown id"),
    case("role-server-image-appliance-not-acknowledged", "server_image", dict(NO_MYSQL, server_image_server="fortigate01"),
         "server_image_appliance_acknowledged", ["turnkey appliance"], "conflicting options"),
    case("role-server-image-38-metadata-items", "server_image",
         dict(NO_MYSQL, server_image_server="web01", server_image_metadata=dict(("k%d" % n, "v") for n in range(38))),
         "metadata", ["metadata has 38 items", "at most 37"], "oversize"),
    case("role-server-image-negative-keep", "server_image",
         dict(NO_MYSQL, server_image_server="web01", server_image_keep=-1, server_image_poll_interval=0.2), "keep",
         ["keep must be 0 or more"], "out of range"),
    # windows_dc_check
    case("role-dc-check-unknown-domain-role", "windows_dc_check", {"windows_dc_check_domain_role": "7"},
         "windows_dc_check_domain_role", ["domain role '7' is not a known one"], "out of range"),
    case("role-dc-check-empty-domain-role", "windows_dc_check", {"windows_dc_check_domain_role": ""},
         "windows_dc_check_domain_role", ["domain role '' is not a known one"], "empty"),
    case("role-dc-check-gather-facts-not-a-boolean", "windows_dc_check", {"windows_dc_check_gather_facts": "maybe"},
         "windows_dc_check_gather_facts", ["Validation of arguments failed", "convert to bool"], "wrong type"),
    case("role-dc-check-no-facts-and-no-role", "windows_dc_check", {"windows_dc_check_gather_facts": False},
         "windows_dc_check_gather_facts", ["operating system family is unknown"], "conflicting options"),
    # mysql_backup (refused before it looks for a database server)
    case("role-mysql-backup-relative-dir", "mysql_backup", {"mysql_backup_dir": "backups/mysql"}, "mysql_backup_dir",
         ["mysql_backup_dir must be an absolute path"], "unicode or path-like"),
    case("role-mysql-backup-compression-out-of-choices", "mysql_backup", {"mysql_backup_compression": "bzip2"},
         "mysql_backup_compression", ["must be one of: gzip, zstd, none"], "out of range"),
    case("role-mysql-backup-negative-keep", "mysql_backup", {"mysql_backup_keep": -1}, "mysql_backup_keep",
         ["mysql_backup_keep must be 0 or more"], "out of range"),
    case("role-mysql-backup-password-in-extra-args", "mysql_backup",
         {"mysql_backup_dump_extra_args": ["--password=dump-password-SECRET"]}, "mysql_backup_dump_extra_args",
         ["must not hold a password"], "conflicting options"),
    case("role-mysql-backup-port-not-a-number", "mysql_backup", {"mysql_backup_login_port": "three"}, "mysql_backup_login_port",
         ["convert to int"], "wrong type"),
    case("role-mysql-backup-databases-not-a-list", "mysql_backup", {"mysql_backup_databases": {"shop": 1}},
         "mysql_backup_databases", ["convert to list"], "wrong type"),
    case("role-mysql-backup-newline-in-password", "mysql_backup", {"mysql_backup_login_password": "line1\nline2-SECRET"},
         "mysql_backup_login_password", ["the password must not hold a newline"], "unicode or path-like"),
    case("role-mysql-backup-system-schema", "mysql_backup", {"mysql_backup_databases": ["shop", "mysql"]},
         "mysql_backup_databases", ["must not list the system schemas (mysql)", "users.sql.gz"], "conflicting options"),
    # backup_run_dir (the backup roles' first step; refused before it makes a directory)
    case("role-backup-run-dir-no-path", "backup_run_dir", {"backup_run_dir_caller": "mysql_backup"}, "backup_run_dir_path",
         ["missing required arguments: backup_run_dir_path"], "empty"),
    case("role-backup-run-dir-relative-path", "backup_run_dir",
         {"backup_run_dir_path": "backups/runs", "backup_run_dir_caller": "mysql_backup"}, "backup_run_dir_path",
         ["backup_run_dir_path must be an absolute path"], "unicode or path-like"),
    # postgresql_backup (refused before it looks for a database server)
    case("role-postgresql-backup-relative-dir", "postgresql_backup", {"postgresql_backup_dir": "backups/pg"},
         "postgresql_backup_dir", ["postgresql_backup_dir must be an absolute path"], "unicode or path-like"),
    case("role-postgresql-backup-format-out-of-choices", "postgresql_backup", {"postgresql_backup_format": "tar"},
         "postgresql_backup_format", ["must be one of: custom, directory"], "out of range"),
    case("role-postgresql-backup-jobs-with-custom-format", "postgresql_backup", {"postgresql_backup_jobs": 4},
         "postgresql_backup_jobs", ["more than 1 only with the directory format"], "conflicting options"),
    case("role-postgresql-backup-password-in-extra-args", "postgresql_backup",
         {"postgresql_backup_dump_extra_args": ["--password"]}, "postgresql_backup_dump_extra_args",
         ["must not set the format, file, database, jobs, snapshot, connection or", "password"], "conflicting options"),
    case("role-postgresql-backup-port-not-a-number", "postgresql_backup", {"postgresql_backup_login_port": "three"},
         "postgresql_backup_login_port", ["convert to int"], "wrong type"),
    # postgresql_restore (refused before it asks a database server anything)
    case("role-postgresql-restore-no-run", "postgresql_restore", {}, "postgresql_restore_run_dir",
         ["set one of postgresql_restore_run_dir", "postgresql_restore_cloudfiles_container"], "empty"),
    case("role-postgresql-restore-run-dir-and-cloudfiles", "postgresql_restore",
         {"postgresql_restore_run_dir": "/nonexistent/20250301T020000Z", "postgresql_restore_cloudfiles_container": "backups"},
         "postgresql_restore_cloudfiles_container", ["not both"], "conflicting options"),
    case("role-postgresql-restore-no-such-run", "postgresql_restore",
         {"postgresql_restore_run_dir": "/nonexistent/20250301T020000Z"}, "postgresql_restore_run_dir",
         ["is not a complete run of opencloud.images.postgresql_backup", "nothing was restored"], "unknown id"),
    case("role-postgresql-restore-jobs-zero", "postgresql_restore",
         {"postgresql_restore_run_dir": "/nonexistent/20250301T020000Z", "postgresql_restore_jobs": 0},
         "postgresql_restore_jobs", ["postgresql_restore_jobs must be 1 or more"], "out of range"),
    # mysql_restore (refused before it asks a database server anything)
    case("role-mysql-restore-no-run-dir", "mysql_restore", {}, "mysql_restore_run_dir",
         ["set one of mysql_restore_run_dir", "mysql_restore_cloudfiles_container"], "empty"),
    case("role-mysql-restore-run-dir-and-cloudfiles", "mysql_restore",
         {"mysql_restore_run_dir": "/nonexistent/20250301T020000Z", "mysql_restore_cloudfiles_container": "backups"},
         "mysql_restore_cloudfiles_container", ["not both"], "conflicting options"),
    case("role-mysql-restore-unknown-cloudfiles-container", "mysql_restore",
         {"mysql_restore_cloudfiles_container": "no-such-container", "mysql_restore_cloudfiles_prefix": "db01/20250301T020000Z"},
         "mysql_restore_cloudfiles_container", ["cannot be downloaded", "there is no container", "Nothing was changed"],
         "unknown id"),
    case("role-mysql-restore-relative-run-dir", "mysql_restore", {"mysql_restore_run_dir": "backups/20250301T020000Z"},
         "mysql_restore_run_dir", ["mysql_restore_run_dir must be the absolute path of a complete run"], "unicode or path-like"),
    case("role-mysql-restore-no-such-run", "mysql_restore", {"mysql_restore_run_dir": "/nonexistent/20250301T020000Z"},
         "mysql_restore_run_dir", ["is not a complete mysql_backup run", "Nothing was changed"], "unknown id"),
    case("role-mysql-restore-users-out-of-choices", "mysql_restore",
         {"mysql_restore_run_dir": "/nonexistent/20250301T020000Z", "mysql_restore_users": "all"},
         "mysql_restore_users", ["must be one of: missing, replace, none"], "out of range"),
    case("role-mysql-restore-keep-account-without-host", "mysql_restore",
         {"mysql_restore_run_dir": "/nonexistent/20250301T020000Z", "mysql_restore_keep_accounts": ["root"]},
         "mysql_restore_keep_accounts", ["mysql_restore_keep_accounts holds user@host entries"], "conflicting options"),
]

MIB = 1024 * 1024


def vhd_footer(data_bytes, disk_type=2, unique_id=None, virtual_bytes=None, damaged=False):
    """A 512-byte VHD footer (cookie, sizes, disk type, unique id, checksum), as vhd.validate_vhd reads it."""
    footer = bytearray(512)
    footer[0:8] = b"conectix"
    footer[40:48] = struct.pack(">Q", data_bytes)
    footer[48:56] = struct.pack(">Q", data_bytes if virtual_bytes is None else virtual_bytes)
    footer[60:64] = struct.pack(">I", disk_type)
    footer[68:84] = uuid.uuid4().bytes if unique_id is None else unique_id
    checksum = ~sum(footer) & 0xFFFFFFFF
    footer[64:68] = struct.pack(">I", checksum ^ 1 if damaged else checksum)
    return bytes(footer)


def write_files(directory):
    """The local files the cases name under ``${files}``."""
    data = bytes(range(256)) * (MIB // 256)
    dynamic = vhd_footer(0, disk_type=3, virtual_bytes=20 * 1024 ** 3)
    files = {
        "good.vhd": data + vhd_footer(MIB),
        "install.vhd": b"\0" * 32769 + b"CD001" + b"\0" * 4000,
        "truncated-fixed.vhd": (data + vhd_footer(MIB))[:MIB // 2],
        "truncated-dynamic.vhd": dynamic + b"cxsparse" + b"\0" * 1016 + data[:MIB // 2],
        "short.vhd": data[:MIB // 2] + vhd_footer(MIB),
        "damaged.vhd": data + vhd_footer(MIB, damaged=True),
        "differencing.vhd": data + vhd_footer(MIB, disk_type=4),
        "zero-id.vhd": data + vhd_footer(MIB, unique_id=b"\0" * 16),
        "huge.vhd": b"\0" * 1536 + vhd_footer(0, disk_type=3, virtual_bytes=200 * 1024 ** 3),
        "disk.qcow2": b"QFI\xfb\0\0\0\x03" + b"\0" * 4088,
        "empty.vhd": b"",
        "web/dump.sql": b"-- web\n",
        "db/dump.sql": b"-- db\n",
    }
    for name, content in files.items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content)


def summary():
    kinds = Counter(c.kind for c in CASES)
    known = sum(1 for c in CASES if c.bug)
    return "bad-input catalogue: %d cases (%d known bugs) over %d modules and %d roles; %s" % (
        len(CASES), known, len(set(c.target for c in CASES) & set(MODULES)), len(set(c.target for c in CASES) & set(ROLES)),
        ", ".join("%s %d" % (kind, kinds[kind]) for kind in KINDS))


if __name__ == "__main__":
    if sys.argv[1:] != ["--count"]:
        sys.exit("usage: python tests/functional/bad_inputs.py --count")
    print(summary())
