"""Glance v2 image members at ``/regions/<REGION>/image/v2/images/<id>/members``: an image's owner shares it with other tenants.

Part of the image service (same log name, authentication and error format as images.py), in its own blueprint.
Checks, their order, messages and status codes follow upstream Glance 33 (glance/api/v2/image_members.py with the
default policies: ``enforce_new_defaults``), as recorded in tests/peers/UPSTREAM-NOTES.md:

* the body is checked first (400), then the image is looked up (404 if the caller cannot see it), then whether it
  may have members (403, or 404 for a single member), then the member (404: a member sees only itself), then
  who may do what (403: only the owner adds and removes members, only the member sets its status);
* ``GET .../members`` lists every member for the owner, and only the caller's own membership for a member.

One Rackspace difference, switchable: Rackspace's Icehouse-era Glance puts members on ``private`` images too (only
public images have none), while upstream Glance >= 2.5 wants ``visibility: shared``. The config key
``members_need_shared_visibility`` (false, true, or ``{REGION: bool}``) chooses upstream's rule.
"""

import re

from flask import Blueprint, g, request

from . import images
from .errors import GlanceError, json_response
from .state import current_state

SERVICE = images.SERVICE
PATH_RE = re.compile(r"^/regions/[^/]+/image/v2/images/[^/]+/members(/|$)")
blueprint = Blueprint("image_members", __name__, url_prefix="/regions/<region>/image/v2/images/<image_id>/members")
blueprint.url_value_preprocessor(images.pull_region)
blueprint.before_request(images.authenticate)
http_error = images.http_error

STATUSES = ("pending", "accepted", "rejected")


@blueprint.before_request
def _reject_body():
    """Glance's router refuses a body on these GETs and DELETEs (``body_reject``), after authentication."""
    if request.method in ("GET", "DELETE") and request.get_data():
        raise GlanceError(400, "A body is not expected with this request.")


def members_need_shared_visibility(region):
    """Whether the region follows upstream Glance >= 2.5 (members on shared images only) rather than Rackspace."""
    setting = current_state().config["members_need_shared_visibility"]
    return setting.get(region, False) if isinstance(setting, dict) else setting


def _no_members_reason(image):
    """Why the image cannot have members (upstream's message, or Icehouse's for a public image on Rackspace), or None."""
    if image["visibility"] == "shared":
        return None
    if members_need_shared_visibility(g.region):
        return "Only shared images have members."
    return None if image["visibility"] == "private" else "Public images do not have members."


def _image(image_id):
    """The image, if the caller can see it (404 otherwise), and why it cannot have members (None if it can)."""
    image = images.visible_image(image_id, f"Image {image_id} not found.")
    return image, _no_members_reason(image)


def _image_to_change(image_id, verb):
    """The image whose members a POST, PUT or DELETE changes: 403 ``Not allowed to <verb> members`` if it cannot have any."""
    image, reason = _image(image_id)
    if reason:
        raise GlanceError(403, f"Not allowed to {verb} members for image {image_id}.")
    return image


def _member(image, member_id):
    """The membership, if the caller may see it: the owner sees every member, a member only itself."""
    member = current_state().image_member(image["id"], member_id)
    if member is None or g.tenant not in (image["owner"], member_id):
        raise GlanceError(404, f"{member_id} not found in the member list of the image {image['id']}.")
    return member


def _deny(action):
    raise GlanceError(403, f"You are not authorized to complete {action} action.")


def _body_field(key, missing, wrong_form):
    """One field of the JSON object body, as Glance's members deserializer wants it (400 otherwise)."""
    if not request.get_data():
        raise GlanceError(400, "Body expected in request.")
    body = images.json_body()
    if not isinstance(body, dict):
        raise GlanceError(400, wrong_form)
    if key not in body:
        raise GlanceError(400, missing)
    return body[key]


# Routes in Glance's order: its 405s list the methods so (``Allow: GET, POST`` and ``GET, PUT, DELETE``).

@blueprint.get("")
def list_members(image_id):
    state = current_state()
    with state.lock:
        image, reason = _image(image_id)
        if reason:
            raise GlanceError(403, f"Not allowed to list members for image {image_id}: {reason}")
        members = [member for member in state.image_members(image_id) if g.tenant in (image["owner"], member["member_id"])]
        return json_response({"members": members, "schema": "/v2/schemas/members"})


@blueprint.post("")
def add_member(image_id):
    wrong_form = 'Expected a member in the form: {"member": "image_id"}'
    member_id = _body_field("member", "Member to be added not specified", wrong_form)
    if not member_id:
        raise GlanceError(400, "Member can't be empty")
    if not isinstance(member_id, str):
        raise GlanceError(400, wrong_form)
    state = current_state()
    with state.lock:
        image = _image_to_change(image_id, "create")
        if image["owner"] != g.tenant:
            _deny("add_member")
        if state.member_status(image_id, member_id) is not None:
            raise GlanceError(409, f"Member {member_id} is duplicated for image {image_id}")
        return json_response(state.set_member(image_id, member_id, "pending"))


@blueprint.get("/<member_id>")
def show_member(image_id, member_id):
    with current_state().lock:
        image, reason = _image(image_id)
        if reason:
            raise GlanceError(404, reason)  # Glance turns this 403 into a 404, not to leak the image
        return json_response(_member(image, member_id))


@blueprint.put("/<member_id>")
def update_member(image_id, member_id):
    status = _body_field("status", "Status not specified", 'Expected a status in the form: {"status": "status"}')
    state = current_state()
    with state.lock:
        image = _image_to_change(image_id, "update")
        _member(image, member_id)
        if image["owner"] == g.tenant:
            _deny("modify_member")
        if status not in STATUSES:
            raise GlanceError(400, 'Incorrect request: Status must be "pending", "accepted" or "rejected".')
        return json_response(state.set_member(image_id, member_id, status))


@blueprint.delete("/<member_id>")
def delete_member(image_id, member_id):
    state = current_state()
    with state.lock:
        image = _image_to_change(image_id, "delete")
        _member(image, member_id)
        if image["owner"] != g.tenant:
            _deny("delete_member")
        state.remove_member(image_id, member_id)
    return "", 204
