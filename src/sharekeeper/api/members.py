"""Handlers of the Organizations API's member accounts: invitations (handshakes) sent and
received, accounts created, listed, shown, moved, removed, and leaving. Each parses the wire
input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import organization_schemas as o
from sharekeeper.api.convert import page_info, timestamp_seconds
from sharekeeper.api.http.endpoint import Call
from sharekeeper.api.organizations import page_request
from sharekeeper.domain.handshakes import CreateAccountState, CreateAccountStatus
from sharekeeper.domain.org_tags import ContactDetails
from sharekeeper.domain.paging import Page
from sharekeeper.services import handshakes, members
from sharekeeper.services.context import Context

# A closed account leaves the organization, so every member listed is active.
ACTIVE = "active"


def list_accounts(ctx: Context, call: Call[None, o.ListAccountsQuery]) -> o.AccountsReply:
    q = call.query
    with_contacts = bool(q.with_register_contact_info)
    listed = members.list_accounts(ctx, call.caller, q.parent_id, page_request(q), with_contacts)
    return o.AccountsReply([_account(m) for m in listed.items], page_info(listed))


def show_account(ctx: Context, call: Call[None, o.ShowAccountQuery]) -> o.AccountReply:
    with_contacts = bool(call.query.with_register_contact_info)
    member = members.show_account(ctx, call.caller, call.path_id("account_id"), with_contacts)
    return o.AccountReply(_account(member))


def move_account(ctx: Context, call: Call[o.MoveAccountBody, None]) -> None:
    body = call.body
    members.move_account(
        ctx,
        call.caller,
        call.path_id("account_id"),
        body.source_parent_id,
        body.destination_parent_id,
    )


def update_account(ctx: Context, call: Call[o.UpdateAccountBody, None]) -> None:
    members.update_account(ctx, call.caller, call.path_id("account_id"), call.body.description)


def close_account(ctx: Context, call: Call[None, None]) -> None:
    members.close_account(ctx, call.caller, call.path_id("account_id"))


def remove_account(ctx: Context, call: Call[None, None]) -> None:
    members.remove_account(ctx, call.caller, call.path_id("account_id"))


def leave_organization(ctx: Context, call: Call[None, None]) -> None:
    members.leave_organization(ctx, call.caller)


def invite_account(ctx: Context, call: Call[o.InviteAccountBody, None]) -> o.HandshakeReply:
    body = call.body
    tags = [(t.key, t.value) for t in body.tags or ()]
    sent = handshakes.invite_account(ctx, call.caller, body.target.entity, body.notes, tags)
    return o.HandshakeReply(_handshake(sent))


def list_handshakes(ctx: Context, call: Call[None, o.OrgPageQuery]) -> o.HandshakesReply:
    return _handshakes(handshakes.sent_handshakes(ctx, call.caller, page_request(call.query)))


def show_handshake(ctx: Context, call: Call[None, None]) -> o.HandshakeReply:
    found = handshakes.show_handshake(ctx, call.caller, call.path_id("handshake_id"))
    return o.HandshakeReply(_handshake(found))


def cancel_handshake(ctx: Context, call: Call[None, None]) -> o.HandshakeReply:
    cancelled = handshakes.cancel_handshake(ctx, call.caller, call.path_id("handshake_id"))
    return o.HandshakeReply(_handshake(cancelled))


def list_received_handshakes(ctx: Context, call: Call[None, o.OrgPageQuery]) -> o.HandshakesReply:
    received = handshakes.received_handshakes(ctx, call.caller, page_request(call.query))
    return _handshakes(received)


def accept_handshake(ctx: Context, call: Call[None, None]) -> o.HandshakeReply:
    answered = handshakes.answer_handshake(ctx, call.caller, call.path_id("handshake_id"), True)
    return o.HandshakeReply(_handshake(answered))


def decline_handshake(ctx: Context, call: Call[None, None]) -> o.HandshakeReply:
    answered = handshakes.answer_handshake(ctx, call.caller, call.path_id("handshake_id"), False)
    return o.HandshakeReply(_handshake(answered))


def create_account(
    ctx: Context, call: Call[o.CreateAccountBody, None]
) -> o.CreateAccountStatusReply:
    body = call.body
    status = members.create_account(
        ctx,
        call.caller,
        body.name,
        body.description or "",
        [(t.key, t.value) for t in body.tags or ()],
        ContactDetails(body.email or None, body.phone or None),
    ).status
    return o.CreateAccountStatusReply(_status(status))


def list_create_account_statuses(
    ctx: Context, call: Call[None, o.ListCreateAccountStatusesQuery]
) -> o.CreateAccountStatusesReply:
    q = call.query
    states = [CreateAccountState(s) for s in q.states]
    listed = members.create_account_statuses(ctx, call.caller, states, page_request(q))
    return o.CreateAccountStatusesReply([_status(s) for s in listed.items], page_info(listed))


def show_create_account_status(ctx: Context, call: Call[None, None]) -> o.CreateAccountStatusReply:
    status_id = call.path_id("create_account_status_id")
    return o.CreateAccountStatusReply(
        _status(members.show_create_account_status(ctx, call.caller, status_id))
    )


def _account(member: members.Member) -> o.AccountWire:
    m = member.membership
    return o.AccountWire(
        m.account_id,
        member.organization.account_urn(m.account_id),
        m.join_method,
        ACTIVE,
        timestamp_seconds(m.joined_at),
        member.name,
        m.description,
        member.contacts.mobile_phone,
        member.contacts.email,
    )


def _handshake(view: handshakes.HandshakeView) -> o.HandshakeWire:
    h = view.handshake
    return o.HandshakeWire(
        id=h.id,
        urn=h.urn,
        updated_at=timestamp_seconds(h.updated_at),
        created_at=timestamp_seconds(h.created_at),
        expired_at=timestamp_seconds(h.expired_at),
        management_account_id=h.management_account_id,
        management_account_name=view.management_account_name,
        organization_id=h.organization_id,
        notes=h.notes,
        target=o.TargetWire("account", h.target_account_id),
        status=view.status,
    )


def _handshakes(listed: Page[handshakes.HandshakeView]) -> o.HandshakesReply:
    return o.HandshakesReply([_handshake(h) for h in listed.items], page_info(listed))


def _status(status: CreateAccountStatus) -> o.CreateAccountStatusWire:
    return o.CreateAccountStatusWire(
        status.id,
        status.state,
        status.account_id,
        status.account_name,
        timestamp_seconds(status.created_at),
        timestamp_seconds(status.completed_at),
    )
