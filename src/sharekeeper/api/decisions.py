"""Handlers of the decision operations under /sharekeeper/v1, signed by service principals'
keys (docs/enforcement.md): their wire types, and the translation to and from the domain."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from sharekeeper.api.http.endpoint import Call
from sharekeeper.api.schemas import Marker
from sharekeeper.domain.decisions import AccessDecision
from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.ids import MAX_URN_LENGTH
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import decisions
from sharekeeper.services.context import Context

# An account id, or a service (``service:`` and up to 63 characters: domain/share_sources.py).
Principal = Annotated[str, Meta(max_length=72)]
Account = Annotated[str, Meta(max_length=64)]
Action = Annotated[str, Meta(max_length=200)]
Urn = Annotated[str, Meta(max_length=MAX_URN_LENGTH)]


class DecisionRequest(Struct):
    principal: Principal
    action: Action
    resource: Urn
    # The account a service principal acts for (required with one, refused otherwise).
    source_account: Account | None = None


class AuthorizeBody(Struct):
    """One request (``principal``, ``action``, ``resource``) or a batch (``requests``)."""

    principal: Principal | None = None
    action: Action | None = None
    resource: Urn | None = None
    source_account: Account | None = None
    requests: Annotated[list[DecisionRequest], Meta(max_length=decisions.BATCH_MOST)] | None = None


class ReasonWire(Struct):
    code: str
    resource_share_id: str | None
    permission_id: str | None
    permission_version: int | None
    policy_id: str | None


class DecisionReply(Struct):
    decision: str
    reasons: list[ReasonWire]


class AuthorizeReply(Struct, omit_defaults=True):
    """A decision's two fields, or a batch's ``results``."""

    decision: str | None = None
    reasons: list[ReasonWire] | None = None
    results: list[DecisionReply] | None = None


class AccessibleBody(Struct):
    principal: Account
    resource_type: Annotated[str, Meta(min_length=1, max_length=100)]
    action: Action | None = None
    limit: Annotated[int, Meta(ge=1, le=2000)] = 200
    marker: Marker | None = None


class AccessibleWire(Struct):
    resource_urn: str
    resource_share_id: str
    owner_account_id: str


class NextPage(Struct):
    next_marker: str | None


class AccessibleReply(Struct):
    resources: list[AccessibleWire]
    page_info: NextPage


def decision_reply(decision: AccessDecision) -> DecisionReply:
    reasons = [
        ReasonWire(r.ground.value, r.share_id, r.permission_id, r.permission_version, r.policy_id)
        for r in decision.reasons
    ]
    return DecisionReply(decision.verdict.value, reasons)


def authorize(ctx: Context, call: Call[AuthorizeBody, None]) -> AuthorizeReply:
    body = call.body
    single = (body.principal, body.action, body.resource, body.source_account)
    if body.requests is not None:
        if any(v is not None for v in single):
            raise InvalidParameter(
                "Give either principal, action and resource, or requests, not both."
            )
        if not body.requests:
            raise InvalidParameter("requests must hold 1 to 1000 decision requests.")
        asked = [(r.principal, r.action, r.resource, r.source_account) for r in body.requests]
        results = decisions.authorize(ctx, call.caller, asked)
        return AuthorizeReply(results=[decision_reply(d) for d in results])
    if body.principal is None or body.action is None or body.resource is None:
        raise InvalidParameter("principal, action and resource are required (or requests).")
    [decided] = decisions.authorize(
        ctx, call.caller, [(body.principal, body.action, body.resource, body.source_account)]
    )
    reply = decision_reply(decided)
    return AuthorizeReply(reply.decision, reply.reasons)


def accessible_resources(ctx: Context, call: Call[AccessibleBody, None]) -> AccessibleReply:
    body = call.body
    page = decisions.accessible_resources(
        ctx,
        call.caller,
        body.principal,
        body.resource_type,
        body.action,
        PageRequest(body.limit, body.marker),
    )
    found = [AccessibleWire(r.resource_urn, r.share_id, r.owner_account_id) for r in page.items]
    return AccessibleReply(found, NextPage(page.next_marker))
