"""The policies of the caller's shared resources (domain/resource_policies.py), built from
its shares' associations, bound permissions and sources."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.customer_permissions import policy_document
from sharekeeper.domain.decisions import permission_rules
from sharekeeper.domain.ids import ResourceUrn
from sharekeeper.domain.paging import MAX_LIMIT, Page, PageRequest, page_of_sequence
from sharekeeper.domain.permissions import CUSTOMER_MANAGED
from sharekeeper.domain.policies import Statement
from sharekeeper.domain.resource_policies import ResourcePolicy, ShareGrant
from sharekeeper.domain.share_sources import service_name
from sharekeeper.domain.shares import Association, AssociationQuery, AssociationType
from sharekeeper.domain.sharing import check_resources
from sharekeeper.domain.views import BoundPermission
from sharekeeper.services.context import Context
from sharekeeper.store.unit_of_work import UnitOfWork

T = TypeVar("T")
_ASSOCIATED = "associated"


def _every(read: Callable[[PageRequest], Page[T]]) -> list[T]:
    """Every item of a paged read, page after page."""
    items: list[T] = []
    marker: str | None = None
    while True:
        page = read(PageRequest(MAX_LIMIT, marker))
        items += page.items
        if page.next_marker is None:
            return items
        marker = page.next_marker


def resource_policies(
    ctx: Context,
    caller: Caller,
    resource_urns: Sequence[str],
    principal: str | None,
    page: PageRequest,
) -> Page[ResourcePolicy]:
    """The policy of each resource named that the caller owns and shares with anyone (one
    with no share associated with a principal has none, and is left out), in the order
    named; with ``principal``, only the shares associated with it directly."""
    urns = check_resources(resource_urns, caller.account_id, ctx.catalogue)
    now = ctx.clock()
    with ctx.reading() as uow:
        policies = [_policy(ctx, uow, caller, urn, principal, now) for urn in urns]
    return page_of_sequence([p for p in policies if p.grants], page)


def _policy(
    ctx: Context,
    uow: UnitOfWork,
    caller: Caller,
    urn: ResourceUrn,
    principal: str | None,
    now: Millis,
) -> ResourcePolicy:
    holding = AssociationQuery(AssociationType.RESOURCE, _ASSOCIATED, resource_urn=urn.value)
    grants = []
    for held in _every(lambda p: uow.associations.search(caller.account_id, holding, p, now)):
        grant = _grant(ctx, uow, caller, held, urn.resource_type, now)
        if grant.principals and (principal is None or principal in grant.principals):
            grants.append(grant)
    return ResourcePolicy(urn.value, urn.resource_type, tuple(grants))


def _grant(
    ctx: Context,
    uow: UnitOfWork,
    caller: Caller,
    held: Association,
    resource_type: str,
    now: Millis,
) -> ShareGrant:
    share_id = held.resource_share_id
    reached = AssociationQuery(AssociationType.PRINCIPAL, _ASSOCIATED, share_ids=(share_id,))
    principals = tuple(
        a.entity
        for a in _every(lambda p: uow.associations.search(caller.account_id, reached, p, now))
    )
    bound = [
        b
        for b in _every(lambda p: uow.permissions.page(share_id, None, p))
        if b.resource_type == resource_type
    ]
    statements = tuple(statement for b in bound for statement in _statements(ctx, uow, b))
    sources: tuple[str, ...] = ()
    if any(service_name(p) is not None for p in principals):
        sources = tuple(uow.share_sources.live(share_id)) or (caller.account_id,)
    return ShareGrant(share_id, principals, statements, sources)


def _statements(ctx: Context, uow: UnitOfWork, bound: BoundPermission) -> tuple[Statement, ...]:
    """The bound version's statements: the catalogue's, or the owner's own template's."""
    if bound.permission_type != CUSTOMER_MANAGED:
        content = ctx.catalogue.get(bound.permission_id, bound.permission_version).content
        return permission_rules(content).statements
    permission = uow.customer_permissions.get(bound.permission_id)
    if permission is None:  # gone since the binding was read: it gives nothing
        return ()
    return permission_rules(
        policy_document(permission.version(bound.permission_version).template)
    ).statements
