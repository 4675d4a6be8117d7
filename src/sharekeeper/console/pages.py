"""An account's pages: invitations, its resource shares, what is shared with it, and its
organization. Reads call the console's read services; every change is the API's own
operation (``act``), so the console follows exactly the API's rules."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from sharekeeper.console.aws_names import share_arn
from sharekeeper.console.web import Console, Visit, act, notify, redirect
from sharekeeper.domain import errors
from sharekeeper.domain.errors import ShareKeeperError
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.shares import ResourceShare, ShareStatus
from sharekeeper.services import console as reads

PAGE_SIZE = 50
SHARE_FIELDS = (
    "name",
    "description",
    "principals",
    "resource_urns",
    "tags",
    "allow_external_principals",
)
# The fields of each form, where a refusal about one of them is shown.
NEW_SHARE_FIELDS = (*SHARE_FIELDS, "permission_ids")
EDIT_FIELDS = ("name", "description", "allow_external_principals")
CHANGE_FIELDS = ("principals", "resource_urns", "tags")
# A new share's form: external principals allowed, as the API's default.
NEW_SHARE: dict[str, Any] = {
    **dict.fromkeys(SHARE_FIELDS, ""),
    "allow_external_principals": "on",
    "permission_ids": [],
}
# Which field of the share form a refusal is about, to show it there; others go on top.
FIELD_OF_ERROR: dict[type[ShareKeeperError], str] = {
    errors.InvalidAccountId: "principals",
    errors.PrincipalIsOwner: "principals",
    errors.DuplicatePrincipal: "principals",
    errors.CrossOrganizationPrincipal: "principals",
    errors.ExternalPrincipalNotAllowed: "principals",
    errors.OrganizationSharingDisabled: "principals",
    errors.UnknownOrganizationPrincipal: "principals",
    errors.DuplicateResourceUrn: "resource_urns",
    errors.ResourceNotOwned: "resource_urns",
    errors.InvalidResourceUrn: "resource_urns",
    errors.ResourceTypeNotShareable: "resource_urns",
    errors.ResourceTypeWithoutPermission: "permission_ids",
    errors.UnknownPermission: "permission_ids",
    errors.PermissionConflict: "permission_ids",
}
# A wire decoding error names its field: "... - at `$.principals[0]`".
_WIRE_FIELD = re.compile(r"`\$\.([a-z_]+)")


def field_of(error: ShareKeeperError, fields: tuple[str, ...]) -> str:
    """The field of a form with ``fields`` that ``error`` is about, or "" for the form as a
    whole (shown on top), which is also where an error about a field the form lacks goes."""
    found = _field_named(error)
    return found if found in fields else ""


def _field_named(error: ShareKeeperError) -> str:
    found = _WIRE_FIELD.search(error.message)
    if found is not None:
        return found.group(1)
    if isinstance(error, errors.InvalidParameter) and error.message.startswith("Tag"):
        return "tags"  # the tag rules' refusals (domain/tags.py) each begin so
    return FIELD_OF_ERROR.get(type(error), "")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _tags(text: str) -> list[dict[str, str]]:
    """``key=value`` per line (a line without ``=`` is a key with an empty value)."""
    pairs = (line.partition("=") for line in _lines(text))
    return [{"key": key.strip(), "value": value.strip()} for key, _, value in pairs]


async def home(console: Console, visit: Visit) -> Response:
    return redirect("/console/invitations")


async def _answer(console: Console, visit: Visit, operation: str, verb: str) -> Response:
    """Accept or Reject: the API's operation, then the list shows the new status."""
    path = {"resource_share_invitation_id": visit.path_id("invitation_id")}
    reply = await act(console, visit, operation, path, {})
    name = reply.resource_share_invitation.resource_share_name
    return notify(console, visit, "/console/invitations", f"Invitation to {name} {verb}.")


async def accept_invitation(console: Console, visit: Visit) -> Response:
    return await _answer(console, visit, "AcceptResourceShareInvitation", "accepted")


async def reject_invitation(console: Console, visit: Visit) -> Response:
    return await _answer(console, visit, "RejectResourceShareInvitation", "rejected")


def _share_form(console: Console, visit: Visit, status: int = 200, **values: Any) -> Response:
    values.setdefault("error", None)
    values.setdefault("field", "")
    values.setdefault("form", NEW_SHARE)
    permissions = console.edge.ctx.catalogue.permissions()
    return console.render(
        visit.request, "share_new.html", visit.session, status, permissions=permissions, **values
    )


async def new_share(console: Console, visit: Visit) -> Response:
    return _share_form(console, visit)


async def create_share(console: Console, visit: Visit) -> Response:
    body: dict[str, Any] = {
        "name": visit.field("name").strip(),
        "description": visit.field("description"),
        "allow_external_principals": visit.field("allow_external_principals") == "on",
        "principals": _lines(visit.field("principals")),
        "resource_urns": _lines(visit.field("resource_urns")),
        "permission_ids": visit.fields("permission_ids"),
        "tags": _tags(visit.field("tags")),
    }
    try:
        reply = await act(console, visit, "CreateResourceShare", {}, body)
    except ShareKeeperError as error:
        form: dict[str, Any] = {k: visit.field(k) for k in SHARE_FIELDS}
        form["permission_ids"] = visit.fields("permission_ids")
        return _share_form(
            console, visit, 400, error=error, field=field_of(error, NEW_SHARE_FIELDS), form=form
        )
    created = reply.resource_share
    path = f"/console/shares/{created.id}"
    return notify(console, visit, path, f"Resource share {created.name} created.")


async def share_detail(console: Console, visit: Visit) -> Response:
    share_id = visit.path_id("share_id")
    details = await console.run(reads.share_details, visit.caller, share_id)
    return _share_page(console, visit, details)


def _share_page(
    console: Console,
    visit: Visit,
    details: reads.ShareDetails,
    status: int = 200,
    error: ShareKeeperError | None = None,
    typed: dict[str, Any] | None = None,
) -> Response:
    """A share's page; after a refused associate or disassociate, with what was typed kept
    and the refusal beside its field."""
    return console.render(
        visit.request,
        "share.html",
        visit.session,
        status,
        d=details,
        error=error,
        field=field_of(error, CHANGE_FIELDS) if error is not None else "",
        typed=typed or {"change": ""},
        permissions=console.edge.ctx.catalogue.permissions(),
        # The caller owns the share: its AWS id is the header's.
        share_arn=share_arn(details.share.id, visit.request.state.aws_account_id),
    )


async def edit_share_form(console: Console, visit: Visit) -> Response:
    share_id = visit.path_id("share_id")
    share = await console.run(reads.own_share, visit.caller, share_id)
    if share.status is not ShareStatus.ACTIVE:  # a deleted share has nothing to edit
        return redirect(f"/console/shares/{share_id}")
    form = {
        "name": share.name,
        "description": share.description,
        "allow_external_principals": "on" if share.allow_external_principals else "",
    }
    return _edit_page(console, visit, share, form)


async def edit_share(console: Console, visit: Visit) -> Response:
    share_id = visit.path_id("share_id")
    body = {
        "name": visit.field("name").strip(),
        "description": visit.field("description"),
        "allow_external_principals": visit.field("allow_external_principals") == "on",
    }
    try:
        await act(console, visit, "UpdateResourceShare", {"resource_share_id": share_id}, body)
    except ShareKeeperError as error:
        if isinstance(error, errors.NotFound):
            raise
        share = await console.run(reads.own_share, visit.caller, share_id)
        form = {k: visit.field(k) for k in EDIT_FIELDS}
        return _edit_page(console, visit, share, form, 400, error)
    return notify(console, visit, f"/console/shares/{share_id}", "Changes saved.")


def _edit_page(
    console: Console,
    visit: Visit,
    share: ResourceShare,
    form: dict[str, str],
    status: int = 200,
    error: ShareKeeperError | None = None,
) -> Response:
    """A share's edit form; after a refusal, with what was typed and the refusal beside its
    field."""
    field = field_of(error, EDIT_FIELDS) if error is not None else ""
    return console.render(
        visit.request,
        "share_edit.html",
        visit.session,
        status,
        share=share,
        form=form,
        error=error,
        field=field,
    )


async def associate(console: Console, visit: Visit) -> Response:
    return await _associations(console, visit, "AssociateResourceShare", "associated")


async def disassociate(console: Console, visit: Visit) -> Response:
    return await _associations(console, visit, "DisassociateResourceShare", "disassociated")


async def _associations(console: Console, visit: Visit, operation: str, verb: str) -> Response:
    principals, resources = visit.field("principals"), visit.field("resource_urns")
    body = {"principals": _lines(principals), "resource_urns": _lines(resources)}
    typed = {"principals": principals, "resource_urns": resources}
    counted = [
        _count(len(body["principals"]), "principal"),
        _count(len(body["resource_urns"]), "resource"),
    ]
    done = f"{' and '.join(c for c in counted if c) or 'Nothing'} {verb}."
    return await _change_share(console, visit, operation, body, typed, done[0].upper() + done[1:])


def _count(n: int, noun: str) -> str:
    return "" if n == 0 else f"{n} {noun}{'' if n == 1 else 's'}"


async def add_tags(console: Console, visit: Visit) -> Response:
    text = visit.field("tags")
    body = {"tags": _tags(text)}
    done = f"{_count(len(body['tags']), 'tag') or 'No tags'} added."
    operation = "BatchCreateResourceShareTags"
    return await _change_share(console, visit, operation, body, {"tags": text}, done)


async def remove_tag(console: Console, visit: Visit) -> Response:
    key = visit.field("key")
    body = {"tags": [{"key": key, "value": visit.field("value")}]}
    done = f"Tag {key} removed."
    return await _change_share(console, visit, "BatchDeleteResourceShareTags", body, {}, done)


async def add_permission(console: Console, visit: Visit) -> Response:
    permission_id = visit.field("permission_id")
    body = {"permission_id": permission_id, "replace": visit.field("replace") == "on"}
    done = f"Permission {_permission_name(console, permission_id)} added."
    operation = "AssociateResourceSharePermission"
    return await _change_share(console, visit, operation, body, {}, done)


async def remove_permission(console: Console, visit: Visit) -> Response:
    permission_id = visit.field("permission_id")
    body = {"permission_id": permission_id}
    done = f"Permission {_permission_name(console, permission_id)} removed."
    operation = "DisassociateResourceSharePermission"
    return await _change_share(console, visit, operation, body, {}, done)


def _permission_name(console: Console, permission_id: str) -> str:
    named = (p.name for p in console.edge.ctx.catalogue.permissions() if p.id == permission_id)
    return next(named, permission_id)


async def _change_share(
    console: Console,
    visit: Visit,
    operation: str,
    body: dict[str, Any],
    typed: dict[str, str],
    done: str,
) -> Response:
    """One of a share's changes from its page (the API operation on the form's fields), then
    the page with ``done`` as its notice; a refusal shows the page again with it beside its
    field and what was typed kept."""
    share_id = visit.path_id("share_id")
    try:
        await act(console, visit, operation, {"resource_share_id": share_id}, body)
    except ShareKeeperError as error:
        if isinstance(error, errors.NotFound):
            raise
        details = await console.run(reads.share_details, visit.caller, share_id)
        kept = {"change": operation, **typed}
        return _share_page(console, visit, details, 400, error=error, typed=kept)
    return notify(console, visit, f"/console/shares/{share_id}", done)


async def delete_share_form(console: Console, visit: Visit) -> Response:
    share_id = visit.path_id("share_id")
    share = await console.run(reads.own_share, visit.caller, share_id)
    return console.render(visit.request, "share_delete.html", visit.session, share=share)


async def delete_share(console: Console, visit: Visit) -> Response:
    share_id = visit.path_id("share_id")
    share = await console.run(reads.own_share, visit.caller, share_id)  # its name, for the notice
    await act(console, visit, "DeleteResourceShare", {"resource_share_id": share_id}, {})
    return notify(console, visit, "/console/shares", f"Resource share {share.name} deleted.")


async def shared_with_me(console: Console, visit: Visit) -> Response:
    found = await console.run(
        reads.shared_with_me, visit.caller, PageRequest(PAGE_SIZE, visit.query("marker"))
    )
    return console.render(visit.request, "shared_with_me.html", visit.session, found=found)


async def organization(console: Console, visit: Visit) -> Response:
    view = await console.run(reads.organization_view, visit.caller, visit.query("marker"))
    tree = view if isinstance(view, reads.OrganizationTree) else None
    place = view if isinstance(view, reads.MemberPlace) else None
    return console.render(
        visit.request,
        "organization.html",
        visit.session,
        tree=tree,
        place=place,
        members_page=reads.MEMBERS_PAGE,
    )


async def organization_sharing(console: Console, visit: Visit) -> Response:
    enable = visit.field("enabled") == "true"
    operation = "EnableOrganizationShare" if enable else "DisableOrganizationShare"
    await act(console, visit, operation, {}, {})
    done = f"Sharing with the organization {'enabled' if enable else 'disabled'}."
    return notify(console, visit, "/console/organization", done)
