#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: image_share
short_description: Share an image with other accounts of its region, and accept shares
version_added: 0.1.0
description:
  - B(Owner side.) Adds (O(state=present)), removes (O(state=absent)) or sets exactly (O(state=exact)) the accounts an
    image is shared with (Glance image members). A new member is C(pending) until that account accepts.
  - B(Both sides in one task.) With O(consumer), the consumer account's credentials, the share is accepted right after it
    is made, as pipelines that hold both accounts' credentials need.
  - B(Consumer side.) With O(status) (and no O(members)), the task runs as the consumer and accepts, rejects or resets
    its own membership; only the member account can do that (the owner gets 403, a stranger 404).
  - Sharing works only inside one region. An image not found in the region fails with that reminder; to reach an account
    in another region, copy the image there with C(opencloud.images.image_transfer) and share the copy.
  - Upstream Glance (image API 2.5 and later) wants an image's visibility to be C(shared) before it takes members; when
    it refuses to list the members of a private image, the visibility is set to C(shared) before members are added
    (and, should it refuse a member all the same, on that refusal). Rackspace's API takes members on private images as
    they are.
  - The image service takes any member id, and keeps one that is no account as a pending member. So the members to add
    are first checked with the identity service, as far as it lets this account (O(validate_members)); an id it says does
    not exist fails the task before anything is changed. Keystone lets a project member look up only its own projects, and
    Rackspace Identity lets no account look up another, so there the members usually cannot be checked; the task says so
    with a warning and in RV(member_validation), and shares with them as given.
  - Public images cannot be shared (everyone can use them already).
  - Rejected members still count as members, so O(state=exact) removes them if they are not listed.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
attributes:
  check_mode:
    support: full
    description: Reports the member changes and the visibility change (and the diff) without making them.
  diff_mode:
    support: full
    description: Shows the member list, and a change of the image's visibility, before and after.
options:
  image:
    description:
      - Id or name of the image. On the consumer side a name is looked up among the images shared with that account.
    type: str
    required: true
  members:
    description:
      - Tenant (Rackspace account number) or project ids to share with. Not the owner's own.
      - The ones to add are checked first (see O(validate_members)); removing (O(state=absent) or O(state=exact)) takes
        any id, so a member that is no account can be removed.
    type: list
    elements: str
  validate_members:
    description:
      - How the members to add are checked with the identity service before anything is changed; an id it says does not
        exist always fails the task, naming it.
      - V(auto) asks what it may. Keystone v3 is asked for each project (C(GET /v3/projects/{id})); it answers a project
        member only about the projects it has a role on (an admin, or a reader of the domain, about any). On Rackspace
        (Identity v2.0) account numbers are numeric and one account cannot look up another, so anything but a number is
        refused and a number cannot be checked. Members that cannot be checked are shared with as given, with a warning
        and in RV(member_validation). With O(consumer), the consumer's own login confirms its account.
      - V(always) also fails, before any change, when a member cannot be confirmed (for pipelines with credentials that
        may look projects up).
      - V(never) asks nothing (an identity service whose policy refuses or breaks the lookup).
    type: str
    choices: [auto, always, never]
    default: auto
  state:
    description:
      - V(present) adds O(members), V(absent) removes them, V(exact) makes the member list exactly O(members).
    type: str
    choices: [present, absent, exact]
    default: present
  consumer:
    description:
      - Credentials of the consumer account, to accept the share in the same task. The consumer must be one of O(members).
      - Its C(cloud) is looked up in the same C(clouds.yaml) and C(secure.yaml) as this task's own O(cloud)
        (E(OS_CLIENT_CONFIG_FILE) and E(OS_CLIENT_SECURE_FILE) first, then the current directory, C(~/.config/openstack/)
        and C(/etc/openstack/)), with the same precedence (a key given here wins over the cloud's). The environment's
        credential variables (E(OS_CLOUD), E(OS_USERNAME), E(RAX_API_KEY)...) belong to this task's account and are not
        read for the consumer. Without a region, the consumer works in this task's region.
      - Its secrets are masked in all output.
    type: dict
    suboptions:
      cloud:
        description: Name of a cloud in C(clouds.yaml), found as for O(cloud).
        type: str
      auth_url:
        description: Identity endpoint, as O(auth_url).
        type: str
      identity_api_version:
        description: Identity API version when O(consumer.auth_url) does not end in one.
        type: str
        choices: ['2.0', '3']
      auth_type:
        description: How to log in, as O(auth_type).
        type: str
        choices: [apikey, password, token, application_credential]
      username:
        description: User name.
        type: str
      user_id:
        description: User id, instead of O(consumer.username) for Keystone v3 password logins.
        type: str
      api_key:
        description: Rackspace API key.
        type: str
      password:
        description: Password.
        type: str
      token:
        description: A pre-issued token.
        type: str
      project_id:
        description: Tenant or Keystone project id to scope the token to.
        type: str
        aliases: [tenant_id]
      project_name:
        description: Tenant or Keystone project name to scope the token to.
        type: str
        aliases: [tenant_name]
      user_domain_id:
        description: Keystone v3 domain id of the user.
        type: str
      user_domain_name:
        description: Keystone v3 domain name of the user.
        type: str
      project_domain_id:
        description: Keystone v3 domain id of the project.
        type: str
      project_domain_name:
        description: Keystone v3 domain name of the project.
        type: str
      application_credential_id:
        description: Keystone v3 application credential id.
        type: str
      application_credential_secret:
        description: Keystone v3 application credential secret.
        type: str
      region:
        description: Region of the consumer's catalog; default the cloud's C(region_name), else this task's region.
        type: str
      validate_certs:
        description: Check TLS certificates (default V(true), or C(verify) from O(consumer.cloud)).
        type: bool
      ca_cert:
        description: CA bundle to check TLS certificates against.
        type: path
  consumer_status:
    description:
      - The status the consumer gives the share when O(consumer) is set.
    type: str
    choices: [accepted, pending, rejected]
    default: accepted
  status:
    description:
      - Consumer side only, with this task's credentials being the consumer's; accept, reject or reset to pending the share
        of O(image) with this account.
    type: str
    choices: [accepted, pending, rejected]
'''

EXAMPLES = r'''
- name: Share and accept in one task (the pipeline holds both accounts' credentials)
  opencloud.images.image_share:
    image: web01-release-42
    members: ["{{ staging_tenant_id }}"]
    consumer:
      username: "{{ staging_username }}"
      api_key: "{{ staging_api_key }}"
      region: IAD
  no_log: false

- name: Two plays, first the owner shares
  opencloud.images.image_share:
    image: web01-release-42
    members: ["123456"]

- name: Then the consumer, in its own play with its own credentials, accepts
  opencloud.images.image_share:
    image: 0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10
    status: accepted

- name: Share with a project that Keystone must confirm exists (admin credentials), else fail without changing anything
  opencloud.images.image_share:
    cloud: keystone-admin
    image: web01-release-42
    members: ["5118bc18ac9048599eceec25f8f04950"]
    validate_members: always

- name: Exactly these accounts (others, rejected ones included, are removed)
  opencloud.images.image_share:
    image: web01-release-42
    members: ["123456", "654321"]
    state: exact
'''

RETURN = r'''
image_id:
  description: Id of the image.
  returned: always
  type: str
  sample: 0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10
members:
  description: The members after the task (owner side), each with C(member_id) and C(status); on the consumer side, this
    account's membership.
  returned: always
  type: list
  elements: dict
  sample: [{"member_id": "123456", "status": "accepted"}]
added:
  description: Members added.
  returned: owner side
  type: list
  elements: str
removed:
  description: Members removed.
  returned: owner side
  type: list
  elements: str
visibility_changed:
  description:
    - Whether the image's visibility was (in check mode, would be) set to C(shared) first (upstream Glance's rule).
    - Check mode predicts it as the real run does. Upstream Glance refuses to list the members of a private image,
      Rackspace's API lists them (and the image stays private).
  returned: owner side
  type: bool
member_validation:
  description:
    - What the identity service said of the members added (in check mode, to be added); see O(validate_members).
  returned: owner side
  type: dict
  contains:
    confirmed:
      description: Members the identity service confirmed exist (or, for the consumer, its login did).
      type: list
      elements: str
      sample: ["5118bc18ac9048599eceec25f8f04950"]
    unverified:
      description: Members that could not be checked, shared with as given (every one with O(validate_members=never)).
      type: list
      elements: str
      sample: ["123456"]
    reason:
      description: Why the unverified members could not be checked; null when there are none.
      type: str
      sample: Rackspace Identity lets an account look up only its own tenants, so another account's number cannot be checked
diff:
  description:
    - Member ids and statuses before and after.
    - On the owner side, when the image's visibility changes (private to C(shared)), also C(visibility) before and
      after.
  returned: always
  type: dict
  sample: {"before": {"visibility": "private"}, "after": {"123456": "pending", "visibility": "shared"}}
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

import functools

from ansible_collections.opencloud.images.plugins.module_utils.auth import AUTH_OPTIONS
from ansible_collections.opencloud.images.plugins.module_utils.base import AUTH_ARGUMENT_SPEC, OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.errors import AuthenticationError, ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.markers import MEMBER_STATUSES
from ansible_collections.opencloud.images.plugins.module_utils.projects import VALIDATION_MODES, check_new_members
from ansible_collections.opencloud.images.plugins.module_utils.sharing import (
    Sharer, answer_share, check_members, find_shared_image, member_view,
)


# The consumer takes the authentication options (not api_timeout or token_cache, which are the task's), with their
# types, aliases and no_log: Ansible validates them and masks the consumer's secrets in every output.
CONSUMER_SPEC = dict((name, dict(spec)) for name, spec in AUTH_ARGUMENT_SPEC.items() if name in AUTH_OPTIONS)


class ImageShareModule(OpenCloudModule):
    argument_spec = dict(
        image=dict(type="str", required=True),
        members=dict(type="list", elements="str"),
        state=dict(type="str", choices=["present", "absent", "exact"], default="present"),
        consumer=dict(type="dict", options=CONSUMER_SPEC),
        consumer_status=dict(type="str", choices=list(MEMBER_STATUSES), default="accepted"),
        status=dict(type="str", choices=list(MEMBER_STATUSES)),
        validate_members=dict(type="str", choices=list(VALIDATION_MODES), default="auto"),
    )
    module_kwargs = dict(required_one_of=[("members", "status")],
                         mutually_exclusive=[("status", "members"), ("status", "consumer")])

    def run(self):
        if self.params["status"]:
            return self.answer()
        return self.share()

    def answer(self):
        """Consumer side: this account's own answer to a share."""
        images = ImageService(self.cloud)
        image = find_shared_image(images, self.params["image"])
        before, after = answer_share(images, image["id"], self.cloud.auth.project_id, self.params["status"],
                                     apply=not self.check_mode)
        return dict(changed=before.get("status") != after.get("status"), image_id=image["id"], members=[after],
                    diff={"before": member_view([before]), "after": member_view([after])})

    def share(self):
        p = self.params
        sharer = Sharer(ImageService(self.cloud), self.cloud.auth.project_id, self.cloud.region)
        image = sharer.find_own_image(p["image"])
        members = check_members(p["members"], image["owner"])
        consumer = self.consumer_session(members) if p["consumer"] else None
        confirmed = [consumer.auth.project_id] if consumer is not None else []
        plan = sharer.plan(image, members, p["state"], validate=functools.partial(
            check_new_members, self.cloud, mode=p["validate_members"], confirmed=confirmed))
        unverified = plan.validation["unverified"]
        if unverified and p["validate_members"] == "auto":
            self.ansible.warn("validate_members: the identity service could not confirm that %s exist%s (%s); shared with as "
                              "given. Check the ids: the image service keeps an id that is no account as a pending member."
                              % (", ".join(unverified), "s" if len(unverified) == 1 else "", plan.validation["reason"]))
        if not self.check_mode:
            sharer.apply(image, plan)
        if consumer is not None:
            me = consumer.auth.project_id
            # In check mode the consumer is not a member yet: it would answer as asked.
            plan.after[me] = p["consumer_status"] if self.check_mode else \
                answer_share(ImageService(consumer), image["id"], me, p["consumer_status"])[1]["status"]
        members_after = [{"member_id": m, "status": s} for m, s in sorted(plan.after.items())]
        return dict(changed=plan.after != plan.before or plan.visibility_changed, image_id=image["id"],
                    members=members_after, added=plan.add, removed=plan.remove,
                    visibility_changed=plan.visibility_changed, member_validation=plan.validation, diff=plan.diff())

    def consumer_session(self, members):
        """The consumer's session; its account must be one of the members."""
        params = dict(self.params["consumer"])
        try:
            # Found and ordered as the task's own credentials (auth.resolve), without the task's environment credentials.
            session = self.open_session(params, env_credentials=False,
                                        fallbacks={"region": (self.cloud.region, "this task's region")})
            account = session.auth.project_id
        except (ConfigError, AuthenticationError) as exc:
            raise ConfigError("consumer: %s" % exc.message, option="consumer")
        if account not in members:
            raise ConfigError("consumer: those credentials are for account %s, which is not among members (%s). Give the "
                              "consumer account's credentials, or add %s to members." % (account, ", ".join(members), account),
                              option="consumer")
        return session


def main():
    ImageShareModule.main()


if __name__ == "__main__":
    main()
