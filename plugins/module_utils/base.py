# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the client meets Ansible: options, the session, and errors turned into results."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, OpenCloudError
from ansible_collections.opencloud.images.plugins.module_utils.large_objects import check_workers
from ansible_collections.opencloud.images.plugins.module_utils.transport import REQUESTS_IMPORT_ERROR
from ansible_collections.opencloud.images.plugins.module_utils.token_cache import TokenCache

# Mirrors doc_fragments/auth.py; env fallbacks are applied in auth.resolve, not here, so that
# error messages can say whether a value came from the task, clouds.yaml or the environment.
AUTH_ARGUMENT_SPEC = dict(
    cloud=dict(type="str"),
    auth_url=dict(type="str"),
    identity_api_version=dict(type="str", choices=["2.0", "3"]),
    auth_type=dict(type="str", choices=list(auth.METHODS)),
    username=dict(type="str"),
    user_id=dict(type="str"),
    api_key=dict(type="str", no_log=True),
    password=dict(type="str", no_log=True),
    token=dict(type="str", no_log=True),
    project_id=dict(type="str", aliases=["tenant_id"]),
    project_name=dict(type="str", aliases=["tenant_name"]),
    user_domain_id=dict(type="str"),
    user_domain_name=dict(type="str"),
    project_domain_id=dict(type="str"),
    project_domain_name=dict(type="str"),
    application_credential_id=dict(type="str"),
    application_credential_secret=dict(type="str", no_log=True),
    region=dict(type="str"),
    validate_certs=dict(type="bool"),
    ca_cert=dict(type="path"),
    api_timeout=dict(type="int", default=60),
    token_cache=dict(type="bool", default=True, no_log=False),
)


# The options of the modules that move image data through Cloud Files and wait for tasks (image_transfer, image_import).
MOVER_ARGUMENT_SPEC = dict(
    workers=dict(type="int"),  # None: chosen from the link (links.segment_workers)
    cleanup=dict(type="bool", default=True),
    timeout=dict(type="int", default=21600),
    task_poll_interval=dict(type="float", default=30),
)


# The waits of the modules that change servers (server, server_rebuild); documented in doc_fragments/server_wait.py.
OBJECT_STORE_ARGUMENT_SPEC = dict(
    interface=dict(type="str", choices=["public", "internal"], default="public"),
)


SERVER_WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type="bool", default=True),
    timeout=dict(type="int", default=1800),
    poll_interval=dict(type="float", default=5),
)


def check_seconds(params, *options):
    """Each of these options is a positive number of seconds; the error names the first that is not."""
    for option in options:
        if params[option] <= 0:
            raise ConfigError("%s must be a positive number of seconds, not %s." % (option, params[option]), option=option)


def check_mover_options(params):
    """Bounds of the options in MOVER_ARGUMENT_SPEC; each error names the option. The mover's keyword arguments."""
    check_workers(params["workers"])
    if params["timeout"] <= 0:
        raise ConfigError("timeout must be a positive number of seconds; got %d." % params["timeout"], option="timeout")
    if params["task_poll_interval"] <= 0:
        raise ConfigError("task_poll_interval must be a positive number of seconds; got %s." % params["task_poll_interval"],
                          option="task_poll_interval")
    return dict(timeout=params["timeout"], task_interval=params["task_poll_interval"], workers=params["workers"],
                cleanup=params["cleanup"])


class _AnsibleModule(AnsibleModule):
    """AnsibleModule, failing on bad arguments with every message its validation found, not only the first.

    The first may not name the option: a string given for a dict option whose suboptions are no_log fails ansible-core's
    no_log scan first ("dictionary requested, could not parse JSON or key=value"), before the message that names it.
    """

    def __init__(self, *args, **kwargs):
        self._validating = True
        super().__init__(*args, **kwargs)
        self._validating = False

    def fail_json(self, msg, **kwargs):
        result = getattr(self, "validation_result", None)
        if getattr(self, "_validating", False) and result is not None and result.errors:
            msg = "; ".join([msg] + [more for more in dict.fromkeys(result.errors.messages) if more not in msg])
        super().fail_json(msg=msg, **kwargs)


class OpenCloudModule:
    """Base class of every module: subclasses set ``argument_spec`` and implement ``run()``.

    ``run()`` returns the result dict; every client error becomes ``fail_json`` with a clear
    ``msg`` (never a traceback), plus ``status``/``fault`` for API errors.
    """

    argument_spec = {}
    module_kwargs = {}

    def __init__(self):
        spec = dict(AUTH_ARGUMENT_SPEC)
        spec.update(self.argument_spec)
        self.ansible = _AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        self.params = self.ansible.params
        self.trace = [] if self.ansible._verbosity >= 4 else None
        self._cloud = None

    @property
    def check_mode(self):
        return self.ansible.check_mode

    @property
    def cloud(self):
        """The authenticated session, created on first use."""
        if self._cloud is None:
            self._cloud = self.open_session(self.params)
        return self._cloud

    def open_session(self, params, environ=None, env_credentials=True, fallbacks=None):
        """A session for these auth options; a second account of the task gives ``env_credentials=False`` (see
        auth.resolve: its clouds.yaml is found as the task's, the environment's credentials are the task's own)."""
        if params.get("api_timeout") is not None and params["api_timeout"] <= 0:
            raise ConfigError("api_timeout must be a positive number of seconds (how long one API call may take), not %s."
                              % params["api_timeout"], option="api_timeout")
        config = auth.resolve(params, environ=environ, env_credentials=env_credentials, fallbacks=fallbacks)
        if not config.validate_certs:
            self.ansible.warn("validate_certs is false: TLS certificates of %s and every endpoint are not checked. "
                              "Use ca_cert for a private CA instead." % config.auth_url)
        cache = TokenCache() if self.params["token_cache"] else None
        return CloudSession(config, cache=cache, timeout=self.params["api_timeout"],
                            trace=self.trace.append if self.trace is not None else None)

    def run(self):
        raise NotImplementedError

    def fail(self, msg, **extra):
        if self._cloud is not None:
            msg = self._cloud.http.redact(msg)
        self.ansible.fail_json(msg=msg, **self._with_trace(extra))

    def _with_trace(self, result):
        if self.trace is not None:
            result["api_trace"] = list(self.trace)
        return result

    @classmethod
    def main(cls):
        module = cls()
        if REQUESTS_IMPORT_ERROR is not None:
            module.ansible.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        try:
            result, error = module.run(), None
        except OpenCloudError as exc:
            result, error = None, exc
        # Failing outside the except block keeps Ansible from attaching a traceback to a clear message.
        if error is not None:
            module.fail(error.message, **module.error_details(error))
        module.ansible.exit_json(**module._with_trace(result))

    def error_details(self, error):
        """The error's own fields for the result. An option is named only if it is one of this module's: the client
        names its own inputs (a catalog ``interface``, a ``segment_size``), which a given module may not have."""
        details = error.details()
        if "option" in details and details["option"] not in self.ansible.argument_spec:
            details["option"] = None
        return details
