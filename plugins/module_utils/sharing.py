# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sharing an image with other accounts of the same region (Glance members), from both sides."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, Conflict, NotFound, PermissionDenied
from ansible_collections.opencloud.images.plugins.module_utils.images import list_filters, looks_like_id, only_one

# Rackspace tenant ids are numbers, Keystone project ids hex strings; both fit this.
_MEMBER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,254}$")
TRANSFER_HINT = ("Images can only be shared inside one region: to give an account in another region this image, copy it "
                 "there first with opencloud.images.image_transfer, then share the copy.")


def check_members(members, owner):
    """The member ids, deduplicated and checked: each error names the option."""
    checked = []
    for member in members or []:
        if not isinstance(member, str) or not _MEMBER_ID.match(member):
            raise ConfigError("members: %r is not a tenant (account) or project id." % (member,), option="members")
        if member == owner:
            raise ConfigError("members: %s is the image's owner, your own account; share with other accounts." % member,
                              option="members")
        if member not in checked:
            checked.append(member)
    return checked


def member_view(members):
    """{member id: status} of a member list, as a diff shows it."""
    return dict((m["member_id"], m.get("status")) for m in members)


class SharePlan:
    """The changes of one run, the same for check mode and the real run: member ids to ``add`` and ``remove``, the
    members ``before`` and ``after`` ({member id: status}; a new member is pending until it answers), and the image's
    ``visibility_before`` and ``visibility_after``; ``validation``: what the identity service said of the members to add.

    Upstream Glance (image API 2.5 and later) takes members only on a ``shared`` image and refuses (403) to list the
    members of a private one (``members_refused``): adding members to it then makes it ``shared`` first. Rackspace's
    API lists and takes members on a private image, which stays private.
    """

    def __init__(self, current, add, remove, visibility=None, members_refused=False, validation=None):
        self.add = add
        self.validation = validation
        self.remove = remove
        self.before = member_view(current)
        self.after = dict((m, s) for m, s in self.before.items() if m not in remove)
        self.after.update((m, "pending") for m in add)
        self.visibility_before = visibility
        self.visibility_after = "shared" if add and members_refused and visibility == "private" else visibility

    @property
    def visibility_changed(self):
        return self.visibility_after != self.visibility_before

    def diff(self):
        """The diff: members (id: status) before and after, and ``visibility`` when the image's changes."""
        before, after = dict(self.before), dict(self.after)
        if self.visibility_changed:
            before["visibility"], after["visibility"] = self.visibility_before, self.visibility_after
        return {"before": before, "after": after}


class Sharer:
    """The owner's side: find the image, work out the member changes, make them."""

    def __init__(self, images, project_id, region):
        self.images = images
        self.project_id = project_id
        self.region = region

    def find_own_image(self, reference):
        image = only_one(self.images.find(reference), reference)
        if image is None:
            raise ConfigError("No image '%s' in region %s. %s" % (reference, self.region, TRANSFER_HINT), option="image")
        if image.get("owner") != self.project_id:
            raise ConfigError("Image %s belongs to account %s, not to yours (%s): only its owner can share it." % (
                image["id"], image.get("owner"), self.project_id), option="image")
        if image.get("visibility") in ("public", "community"):
            raise ConfigError("Image %s is %s: everyone can already use it, so it cannot be shared with members." % (
                image["id"], image.get("visibility")), option="image")
        return image

    def plan(self, image, members, state, validate=None):
        """The :class:`SharePlan` for state present, absent or exact.

        ``validate`` (the members to add -> what the identity service says of them, see projects.check_new_members)
        checks only the members to add: removing an id that is no account (a pending member left by a typo) must work.
        It raises on an unknown one, so nothing is changed.
        """
        current, refused = self.images.member_listing(image["id"])
        have = [m["member_id"] for m in current]
        add = [m for m in members if m not in have] if state != "absent" else []
        if state == "absent":
            remove = [m for m in members if m in have]
        else:
            remove = [m for m in have if m not in members] if state == "exact" else []
        return SharePlan(current, add, remove, image.get("visibility"), refused, validate(add) if validate else None)

    def apply(self, image, plan):
        """Make the changes of ``plan``; return True when the image's visibility was set to ``shared``.

        The plan's visibility change is made first. Should the image service still refuse a member on a private
        image (403), the visibility is set to ``shared`` then and the plan updated, so it says what was done.
        """
        made_shared = False
        if plan.visibility_changed:
            self._make_shared(image)
            made_shared = True
        for member in plan.add:
            try:
                self.images.add_member(image["id"], member)
            except Conflict:
                continue  # already a member: the state wanted is there
            except PermissionDenied:
                if made_shared or image.get("visibility") != "private":
                    raise
                self._make_shared(image)
                made_shared = True
                plan.visibility_after = "shared"
                self.images.add_member(image["id"], member)
        for member in plan.remove:
            try:
                self.images.remove_member(image["id"], member)
            except NotFound:
                continue
        return made_shared

    def _make_shared(self, image):
        self.images.update(image["id"], [{"op": "replace", "path": "/visibility", "value": "shared"}])


def find_shared_image(images, reference):
    """The consumer's side: an image shared with this account, by id or by name, whatever the member status."""
    if looks_like_id(reference):
        try:
            return images.get(reference)
        except NotFound:
            pass
    image = only_one(list(images.list(list_filters(name=reference, visibility="shared", member_status="all"))), reference)
    if image is not None:
        return image
    raise ConfigError("No image '%s' is shared with your account in this region. The owner must add your account as a "
                      "member first. %s" % (reference, TRANSFER_HINT), option="image")


def answer_share(images, image_id, member, status, apply=True):
    """Set this account's status on a share (``apply=False``: only say what it would be); return (before, after).

    Only the member itself may do this."""
    try:
        current = images.get_member(image_id, member)
    except NotFound:
        raise ConfigError("Image %s is not shared with account %s: the owner must add it as a member first (and only the "
                          "member can accept, with its own credentials)." % (image_id, member), option="image")
    if current.get("status") == status:
        return current, current
    if not apply:
        return current, dict(current, status=status)
    try:
        return current, images.set_member_status(image_id, member, status)
    except PermissionDenied:
        raise ConfigError("Account %s may not answer the share of image %s: only the member account can accept or reject, "
                          "with its own credentials (the owner gets 403)." % (member, image_id), option="status")
