"""Handlers of the Organizations API's delegated administrators and delegated services. Each
parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import delegation_schemas as d
from sharekeeper.api import organization_schemas as o
from sharekeeper.api.convert import page_info, timestamp_seconds
from sharekeeper.api.http.endpoint import Call
from sharekeeper.api.organizations import page_request
from sharekeeper.services import delegation
from sharekeeper.services.context import Context


def register_delegated_administrator(ctx: Context, call: Call[d.RegisterBody, None]) -> None:
    body = call.body
    delegation.register(ctx, call.caller, body.account_id, body.service_principal)


def deregister_delegated_administrator(ctx: Context, call: Call[d.DeregisterBody, None]) -> None:
    body = call.body
    delegation.deregister(ctx, call.caller, body.account_id, body.service_principal)


def list_delegated_administrators(
    ctx: Context, call: Call[None, d.ListDelegatedAdministratorsQuery]
) -> d.DelegatedAdministratorsReply:
    q = call.query
    found = delegation.list_administrators(ctx, call.caller, q.service_principal, page_request(q))
    wire = [
        d.DelegatedAdministratorWire(
            delegation_enabled_at=timestamp_seconds(a.enabled_at),
            account_id=a.account_id,
            account_urn=a.organization.account_urn(a.account_id),
            join_method=a.join_method,
            joined_at=timestamp_seconds(a.joined_at),
            account_name=a.name,
        )
        for a in found.items
    ]
    return d.DelegatedAdministratorsReply(wire, page_info(found))


def list_delegated_services(
    ctx: Context, call: Call[None, o.OrgPageQuery]
) -> d.DelegatedServicesReply:
    account_id = call.path_id("account_id")
    found = delegation.list_services(ctx, call.caller, account_id, page_request(call.query))
    wire = [
        d.DelegatedServiceWire(s.service_principal, timestamp_seconds(s.enabled_at))
        for s in found.items
    ]
    return d.DelegatedServicesReply(wire, page_info(found))
