"""AWS Organizations' operations (the part RAM users script) over the one directory Huawei's
Organizations API and the command line use: each handler translates AWS's ids at the edge
(12-digit accounts, ``ou-xxxx-...`` and ``car-...`` ids, ARNs), calls one service of
services/directory.py, handshakes.py or members.py, and shapes AWS's reply."""

from __future__ import annotations

from collections.abc import Sequence

from sharekeeper.aws import org_wire as w
from sharekeeper.aws.accounts import UNKNOWN
from sharekeeper.aws.arns import AWS_ACCOUNT_ID, aws_node_id, directory_node_id
from sharekeeper.aws.call import AwsCall, page_of, seconds
from sharekeeper.domain.errors import OrgEntityNotFound, OrgInvalidParameter, UnknownTrustedService
from sharekeeper.domain.handshakes import CreateAccountStatus, HandshakeStatus
from sharekeeper.domain.org_tags import ContactDetails, TagResourceType
from sharekeeper.domain.organizations import RAM_SERVICE, Organization, OrgUnit
from sharekeeper.services import directory, handshakes, members, org_tags, policies
from sharekeeper.services.context import Context

# The services an organization may trust through AWS's API, by AWS's principal: RAM's trust is
# the organization's sharing, the same switch Huawei's API and the command line set.
AWS_SERVICE_PRINCIPALS = {"ram.amazonaws.com": RAM_SERVICE}
_AWS_PRINCIPAL = {core: aws for aws, core in AWS_SERVICE_PRINCIPALS.items()}
_STATE = {
    HandshakeStatus.PENDING: "OPEN",
    HandshakeStatus.ACCEPTED: "ACCEPTED",
    HandshakeStatus.CANCELLED: "CANCELED",
    HandshakeStatus.DECLINED: "DECLINED",
    HandshakeStatus.EXPIRED: "EXPIRED",
}
_NOTHING = w.Nothing()
_PARENT_TYPE = {"root": "ROOT", "organizational_unit": "ORGANIZATIONAL_UNIT"}
# AWS names a tagged thing by its id alone; the directory's tags are kept per kind.
_TAG_KINDS = (
    ("r-", TagResourceType.ROOTS),
    ("ou-", TagResourceType.OUS),
    ("p-", TagResourceType.POLICIES),
)
_TAG_PAGE = 100


def _arn(call: AwsCall[object], ctx: Context, organization: Organization, rest: str) -> str:
    management = call.ids.aws_id(ctx, organization.management_account_id)
    return f"arn:aws:organizations::{management}:{rest}"


def _organization(ctx: Context, call: AwsCall[object], org: Organization) -> w.Organization:
    management = call.ids.aws_id(ctx, org.management_account_id)
    return w.Organization(
        id=org.id,
        arn=_arn(call, ctx, org, f"organization/{org.id}"),
        feature_set="ALL",
        master_account_arn=_arn(call, ctx, org, f"account/{org.id}/{management}"),
        master_account_id=management,
    )


def _unit(
    ctx: Context, call: AwsCall[object], org: Organization, unit: OrgUnit
) -> w.OrganizationalUnit:
    unit_id = aws_node_id(unit.id)
    return w.OrganizationalUnit(unit_id, _arn(call, ctx, org, f"ou/{org.id}/{unit_id}"), unit.name)


def _member(ctx: Context, call: AwsCall[object], member: members.Member) -> w.Account:
    membership = member.membership
    aws_id = call.ids.aws_id(ctx, membership.account_id)
    return w.Account(
        id=aws_id,
        arn=_arn(call, ctx, member.organization, f"account/{member.organization.id}/{aws_id}"),
        name=member.name,
        # A closed account leaves its organization, so every member listed is active.
        status="ACTIVE",
        state="ACTIVE",
        joined_method=membership.join_method.value.upper(),
        joined_timestamp=seconds(membership.joined_at),
        email=member.contacts.email,
    )


def _handshake(ctx: Context, call: AwsCall[object], view: handshakes.HandshakeView) -> w.Handshake:
    item = view.handshake
    found = call.ids.aws_ids(ctx, [item.management_account_id, item.target_account_id])
    # An account deleted since reads as AWS's no-account id rather than failing the answer.
    management = found.get(item.management_account_id, UNKNOWN)
    target = found.get(item.target_account_id, UNKNOWN)
    resources = [
        w.HandshakeResource(
            item.organization_id,
            "ORGANIZATION",
            [
                w.HandshakeResource(management, "MANAGEMENT_ACCOUNT"),
                w.HandshakeResource(view.management_account_name, "MANAGEMENT_NAME"),
                w.HandshakeResource("ALL", "ORGANIZATION_FEATURE_SET"),
            ]
            + ([w.HandshakeResource(item.notes, "NOTES")] if item.notes else []),
        ),
        w.HandshakeResource(target, "ACCOUNT"),
    ]
    return w.Handshake(
        id=item.id,
        arn=f"arn:aws:organizations::{management}:handshake/{item.organization_id}/invite/{item.id}",
        parties=[
            w.HandshakeParty(item.organization_id, "ORGANIZATION"),
            w.HandshakeParty(target, "ACCOUNT"),
        ],
        state=_STATE[view.status],
        requested_timestamp=seconds(item.created_at),
        expiration_timestamp=seconds(item.expired_at),
        action="INVITE",
        resources=resources,
    )


def _status(
    ctx: Context, call: AwsCall[object], status: CreateAccountStatus, aws_id: str | None = None
) -> w.CreateAccountStatus:
    return w.CreateAccountStatus(
        id=aws_node_id(status.id),
        account_name=status.account_name,
        state=status.state.value.upper(),
        requested_timestamp=seconds(status.created_at),
        completed_timestamp=seconds(status.completed_at),
        account_id=aws_id or call.ids.aws_id(ctx, status.account_id),
    )


def _account_id(ctx: Context, call: AwsCall[object], aws_id: str) -> str:
    """The core's id of a 12-digit AWS id (a placeholder no account has for an unknown one, so
    the directory answers AccountNotFoundException as for any account outside it)."""
    if not AWS_ACCOUNT_ID.fullmatch(aws_id):
        raise OrgInvalidParameter(f"{aws_id[:64]!r} is not a 12-digit AWS account id.")
    return call.ids.account_ids(ctx, [aws_id])[aws_id]


def _tags(tags: Sequence[w.Tag]) -> list[tuple[str, str]]:
    return [(t.key, t.value) for t in tags]


# --- the organization and its root ---


def create_organization(ctx: Context, call: AwsCall[w.CreateOrganization]) -> w.OrganizationReply:
    if call.body.feature_set != "ALL":
        raise OrgInvalidParameter(
            "FeatureSet CONSOLIDATED_BILLING is not served: ShareKeeper has no billing, and an "
            "organization always has all features (its policies)."
        )
    view = directory.create_organization(ctx, call.caller)
    return w.OrganizationReply(_organization(ctx, call, view.organization))


def describe_organization(ctx: Context, call: AwsCall[w.Empty]) -> w.OrganizationReply:
    view = directory.show_organization(ctx, call.caller)
    return w.OrganizationReply(_organization(ctx, call, view.organization))


def delete_organization(ctx: Context, call: AwsCall[w.Empty]) -> w.Nothing:
    directory.delete_organization(ctx, call.caller)
    return _NOTHING


def list_roots(ctx: Context, call: AwsCall[w.Paged]) -> w.RootsReply:
    """The one root, with the policy types enabled in it (AWS lists only those)."""
    org, root, enabled = policies.list_roots(ctx, call.caller)
    types = [w.PolicyTypeSummary(t.value.upper(), "ENABLED") for t in sorted(enabled)]
    arn = _arn(call, ctx, org, f"root/{org.id}/{root.id}")
    return w.RootsReply([w.Root(root.id, arn, root.name, types)])


# --- organizational units ---


def create_organizational_unit(
    ctx: Context, call: AwsCall[w.CreateOrganizationalUnit]
) -> w.OrganizationalUnitReply:
    body = call.body
    org, unit = directory.create_unit(
        ctx, call.caller, directory_node_id(body.parent_id), body.name, _tags(body.tags)
    )
    return w.OrganizationalUnitReply(_unit(ctx, call, org, unit))


def list_organizational_units_for_parent(
    ctx: Context, call: AwsCall[w.ForParent]
) -> w.OrganizationalUnitsReply:
    body = call.body
    org, found = directory.list_units(
        ctx,
        call.caller,
        directory_node_id(body.parent_id),
        page_of(body.max_results, body.next_token),
    )
    return w.OrganizationalUnitsReply(
        [_unit(ctx, call, org, u) for u in found.items], found.next_marker
    )


def describe_organizational_unit(
    ctx: Context, call: AwsCall[w.OrganizationalUnitRef]
) -> w.OrganizationalUnitReply:
    unit_id = directory_node_id(call.body.organizational_unit_id)
    org, unit = directory.show_unit(ctx, call.caller, unit_id)
    return w.OrganizationalUnitReply(_unit(ctx, call, org, unit))


def update_organizational_unit(
    ctx: Context, call: AwsCall[w.UpdateOrganizationalUnit]
) -> w.OrganizationalUnitReply:
    """Renames the OU; without a name (AWS's Name is optional) it is answered as it is."""
    body = call.body
    unit_id = directory_node_id(body.organizational_unit_id)
    if body.name is None:
        org, unit = directory.show_unit(ctx, call.caller, unit_id)
    else:
        org, unit = directory.rename_unit(ctx, call.caller, unit_id, body.name)
    return w.OrganizationalUnitReply(_unit(ctx, call, org, unit))


def list_parents(ctx: Context, call: AwsCall[w.ListParents]) -> w.ParentsReply:
    """The one parent (a root or an OU) of an OU or a member account."""
    child = call.body.child_id
    child_id = (
        _account_id(ctx, call, child)
        if AWS_ACCOUNT_ID.fullmatch(child)
        else directory_node_id(child)
    )
    page = page_of(call.body.max_results, call.body.next_token)
    found = directory.list_entities(ctx, call.caller, None, child_id, page)
    parents = [w.Parent(aws_node_id(e.id), _PARENT_TYPE[e.type]) for e in found.items]
    return w.ParentsReply(parents, found.next_marker)


def delete_organizational_unit(ctx: Context, call: AwsCall[w.OrganizationalUnitRef]) -> w.Nothing:
    directory.delete_unit(ctx, call.caller, directory_node_id(call.body.organizational_unit_id))
    return _NOTHING


# --- accounts ---


def list_accounts(ctx: Context, call: AwsCall[w.Paged]) -> w.AccountsReply:
    return _accounts(ctx, call, None)


def list_accounts_for_parent(ctx: Context, call: AwsCall[w.ForParent]) -> w.AccountsReply:
    return _accounts(ctx, call, directory_node_id(call.body.parent_id))


def _accounts(ctx: Context, call: AwsCall[w.Paged], parent_id: str | None) -> w.AccountsReply:
    page = page_of(call.body.max_results, call.body.next_token)
    found = members.list_accounts(ctx, call.caller, parent_id, page, with_contacts=True)
    return w.AccountsReply([_member(ctx, call, m) for m in found.items], found.next_marker)


def describe_account(ctx: Context, call: AwsCall[w.AccountRef]) -> w.AccountReply:
    account_id = _account_id(ctx, call, call.body.account_id)
    try:
        member = members.show_account(ctx, call.caller, account_id, with_contacts=True)
    except OrgEntityNotFound:
        return w.AccountReply(
            _closed(ctx, call, members.show_closed_account(ctx, call.caller, account_id))
        )
    return w.AccountReply(_member(ctx, call, member))


def _closed(ctx: Context, call: AwsCall[object], closed: members.ClosedAccount) -> w.Account:
    """A closed account as AWS describes one in its post-closure period: Status SUSPENDED
    (the retiring member's name for it), State CLOSED (docs/aws.md). Only an account the
    organization created can be closed here, so it joined by CREATED."""
    organization = closed.organization
    aws_id = call.ids.aws_id(ctx, closed.account_id)
    return w.Account(
        id=aws_id,
        arn=_arn(call, ctx, organization, f"account/{organization.id}/{aws_id}"),
        name=closed.name,
        status="SUSPENDED",
        state="CLOSED",
        joined_method="CREATED",
    )


def close_account(ctx: Context, call: AwsCall[w.AccountRef]) -> w.Nothing:
    """Closed at once (no PENDING_CLOSURE): the account leaves the organization and its keys
    are revoked (``members.close_account``, Huawei's CloseAccount)."""
    members.close_account(ctx, call.caller, _account_id(ctx, call, call.body.account_id))
    return _NOTHING


def move_account(ctx: Context, call: AwsCall[w.MoveAccount]) -> w.Nothing:
    body = call.body
    members.move_account(
        ctx,
        call.caller,
        _account_id(ctx, call, body.account_id),
        directory_node_id(body.source_parent_id),
        directory_node_id(body.destination_parent_id),
    )
    return _NOTHING


def remove_account_from_organization(ctx: Context, call: AwsCall[w.AccountRef]) -> w.Nothing:
    members.remove_account(ctx, call.caller, _account_id(ctx, call, call.body.account_id))
    return _NOTHING


def leave_organization(ctx: Context, call: AwsCall[w.Empty]) -> w.Nothing:
    members.leave_organization(ctx, call.caller)
    return _NOTHING


def create_account(ctx: Context, call: AwsCall[w.CreateAccount]) -> w.CreateAccountStatusReply:
    """Created at once (SUCCEEDED from the start); the email is kept as its contact address."""
    body = call.body
    contacts = ContactDetails(email=body.email)
    created = members.create_account(
        ctx, call.caller, body.account_name, tag_pairs=_tags(body.tags), contacts=contacts
    )
    return w.CreateAccountStatusReply(_status(ctx, call, created.status, created.aws_account_id))


def describe_create_account_status(
    ctx: Context, call: AwsCall[w.CreateAccountStatusRef]
) -> w.CreateAccountStatusReply:
    status_id = directory_node_id(call.body.create_account_request_id)
    status = members.show_create_account_status(ctx, call.caller, status_id)
    return w.CreateAccountStatusReply(_status(ctx, call, status))


# --- handshakes (invitations to join) ---


def invite_account_to_organization(
    ctx: Context, call: AwsCall[w.InviteAccountToOrganization]
) -> w.HandshakeReply:
    body = call.body
    if body.target.type != "ACCOUNT":
        raise OrgInvalidParameter(
            f"Target Type {body.target.type} is not served: ShareKeeper's accounts have no email "
            "address to invite by; name the account by its 12-digit id (Type ACCOUNT)."
        )
    account_id = _account_id(ctx, call, body.target.id)
    view = handshakes.invite_account(ctx, call.caller, account_id, body.notes, _tags(body.tags))
    return w.HandshakeReply(_handshake(ctx, call, view))


def list_handshakes_for_account(ctx: Context, call: AwsCall[w.ListHandshakes]) -> w.HandshakesReply:
    if _filtered_out(call.body.filter):
        return w.HandshakesReply([])
    page = page_of(call.body.max_results, call.body.next_token)
    found = handshakes.received_handshakes(ctx, call.caller, page)
    return w.HandshakesReply([_handshake(ctx, call, h) for h in found.items], found.next_marker)


def list_handshakes_for_organization(
    ctx: Context, call: AwsCall[w.ListHandshakes]
) -> w.HandshakesReply:
    if _filtered_out(call.body.filter):
        return w.HandshakesReply([])
    page = page_of(call.body.max_results, call.body.next_token)
    found = handshakes.sent_handshakes(ctx, call.caller, page)
    return w.HandshakesReply([_handshake(ctx, call, h) for h in found.items], found.next_marker)


def _filtered_out(chosen: w.HandshakeFilter | None) -> bool:
    """Every handshake here is an invitation (INVITE) with no parent handshake."""
    if chosen is None:
        return False
    return chosen.parent_handshake_id is not None or chosen.action_type not in (None, "INVITE")


def accept_handshake(ctx: Context, call: AwsCall[w.HandshakeRef]) -> w.HandshakeReply:
    view = handshakes.answer_handshake(ctx, call.caller, call.body.handshake_id, accept=True)
    return w.HandshakeReply(_handshake(ctx, call, view))


def decline_handshake(ctx: Context, call: AwsCall[w.HandshakeRef]) -> w.HandshakeReply:
    view = handshakes.answer_handshake(ctx, call.caller, call.body.handshake_id, accept=False)
    return w.HandshakeReply(_handshake(ctx, call, view))


def cancel_handshake(ctx: Context, call: AwsCall[w.HandshakeRef]) -> w.HandshakeReply:
    view = handshakes.cancel_handshake(ctx, call.caller, call.body.handshake_id)
    return w.HandshakeReply(_handshake(ctx, call, view))


# --- trusted services ---


def _core_principal(value: str) -> str:
    found = AWS_SERVICE_PRINCIPALS.get(value)
    if found is None:
        raise UnknownTrustedService(value)
    return found


def enable_aws_service_access(ctx: Context, call: AwsCall[w.ServicePrincipalRef]) -> w.Nothing:
    principal = _core_principal(call.body.service_principal)
    directory.set_trusted_service(ctx, call.caller, principal, enabled=True)
    return _NOTHING


def disable_aws_service_access(ctx: Context, call: AwsCall[w.ServicePrincipalRef]) -> w.Nothing:
    principal = _core_principal(call.body.service_principal)
    directory.set_trusted_service(ctx, call.caller, principal, enabled=False)
    return _NOTHING


def list_aws_service_access_for_organization(
    ctx: Context, call: AwsCall[w.Paged]
) -> w.ServiceAccessReply:
    """The trusted services AWS has a name for (RAM's); Huawei's others have none."""
    trusted = directory.list_trusted_services(ctx, call.caller)
    return w.ServiceAccessReply(
        [
            w.EnabledServicePrincipal(_AWS_PRINCIPAL[s.service_principal], seconds(s.enabled_at))
            for s in trusted
            if s.service_principal in _AWS_PRINCIPAL
        ]
    )


# --- tags of roots, OUs, accounts and policies ---


def _tagged(ctx: Context, call: AwsCall[object], resource_id: str) -> tuple[TagResourceType, str]:
    if AWS_ACCOUNT_ID.fullmatch(resource_id):
        return TagResourceType.ACCOUNTS, _account_id(ctx, call, resource_id)
    for prefix, kind in _TAG_KINDS:
        if resource_id.startswith(prefix):
            return kind, directory_node_id(resource_id)
    raise OrgInvalidParameter(f"{resource_id[:64]!r} is not a root, OU, account or policy id.")


def list_tags_for_resource(ctx: Context, call: AwsCall[w.ResourceRef]) -> w.TagsReply:
    kind, resource_id = _tagged(ctx, call, call.body.resource_id)
    found, following = org_tags.list_resource_tags(
        ctx, call.caller, kind, resource_id, _TAG_PAGE, call.body.next_token
    )
    return w.TagsReply([w.Tag(t.key, t.value) for t in found], following)


def tag_resource(ctx: Context, call: AwsCall[w.TagResource]) -> w.Nothing:
    kind, resource_id = _tagged(ctx, call, call.body.resource_id)
    org_tags.tag_resource(ctx, call.caller, kind, resource_id, _tags(call.body.tags))
    return _NOTHING


def untag_resource(ctx: Context, call: AwsCall[w.UntagResource]) -> w.Nothing:
    kind, resource_id = _tagged(ctx, call, call.body.resource_id)
    keys: list[tuple[str, str | None]] = [(k, None) for k in call.body.tag_keys]
    org_tags.untag_resource(ctx, call.caller, kind, resource_id, keys)
    return _NOTHING
