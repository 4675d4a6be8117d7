"""Access decisions for resource services (docs/enforcement.md): authorize (one request or a
batch, answered in order) and the resources a principal can use. The caller is a service
principal, asking only about its namespaces; membership in organizations and OUs is read from
the directory at decision time, so a change is in effect at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from sharekeeper.domain import ids
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.decisions import (
    AccessDecision,
    AccessibleResource,
    Grant,
    Question,
    Standing,
    Verdict,
    check_action,
    decide,
    permission_says,
    resource_of,
)
from sharekeeper.domain.errors import AuthenticationFailed, InvalidParameter, InvalidRequest
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.domain.policies import Decision, PolicyType
from sharekeeper.domain.service_principals import ServicePrincipal, require_namespace
from sharekeeper.domain.share_sources import may_act_for, service_name
from sharekeeper.services.context import Context
from sharekeeper.services.organizations import reaching_entities, units_above
from sharekeeper.store.unit_of_work import UnitOfWork

# A batch answers at most this many requests (the contract).
BATCH_MOST = 1000


def calling_service(uow: UnitOfWork, caller: Caller) -> ServicePrincipal:
    service = uow.services.get(caller.account_id)
    if service is None or service.revoked_at is not None:  # revoked since the signature check
        raise AuthenticationFailed("the service principal has been revoked")
    return service


def question_of(
    catalogue: Catalogue,
    namespaces: tuple[str, ...],
    principal: str,
    action: str,
    resource: str,
    source: str | None = None,
) -> Question:
    """One request checked, as the HTTP API and the in-process checker both take it: the
    principal an account, or a service (``service:NAME``) acting for the account ``source``."""
    if service_name(principal) is None:
        ids.require_account_id(principal)
        if source is not None:
            raise InvalidParameter("source_account is given only with a service principal.")
    elif source is None:
        raise InvalidParameter(
            f"{principal} is a service principal: name the account it acts for "
            "(source_account; the in-process checker decides accounts only)."
        )
    else:
        ids.require_account_id(source)
    check_action(action)
    asked = resource_of(catalogue, resource)
    require_namespace(namespaces, asked.urn.service, f"The resource {resource[:200]}")
    question = Question(principal, action, asked.urn, asked.type, asked.urns, source)
    require_namespace(namespaces, question.action_service, f"The action {action}")
    return question


def decision_for(
    catalogue: Catalogue,
    question: Question,
    standing: Standing,
    grants_at: Callable[[str, str], Iterable[Grant]],
) -> AccessDecision:
    """The decision of a checked question, given where its principal stands and the grants
    (their content resolved) that each (resource URN, principal entity) has: the one assembly
    of rules the HTTP API and the in-process checker share."""
    grants = {
        g.share_id: g
        for urn in question.urns
        for entity in standing.entities
        for g in grants_at(urn, entity)
    }
    return decide(question, list(grants.values()), standing.denying(question.action))


def standings_of(uow: UnitOfWork, principals: Iterable[str]) -> dict[str, Standing]:
    """Each principal's standing: one read of the memberships, then per organization its
    record, its tree and (SCPs enabled) the policies on its members' paths."""
    wanted = set(principals)
    standings = {p: Standing([p]) for p in wanted}
    memberships = uow.organizations.memberships(wanted)
    by_organization: dict[str, list[str]] = defaultdict(list)
    for account, membership in memberships.items():
        by_organization[membership.organization_id].append(account)
    for organization_id, members in by_organization.items():
        organization = uow.organizations.get(organization_id)
        if organization is None:
            continue
        parents = uow.organizations.parents(organization_id)
        scps = PolicyType.SERVICE_CONTROL in uow.policies.enabled_types(organization_id)
        for account in members:
            units = units_above(parents, memberships[account].parent_id)
            standing = standings[account]
            if organization.sharing_enabled:
                standing.entities = reaching_entities(organization, units, account)
            if scps:
                standing.path = [*reversed(units), account]
        if scps:
            on_paths = {e for a in members for e in standings[a].path}
            attached = uow.policies.attached_to(organization_id, sorted(on_paths), dry_run=False)
            for account in members:
                path = set(standings[account].path)
                standings[account].policies = [
                    (a.entity_id, p)
                    for a, p in attached
                    if a.entity_id in path and p.type is PolicyType.SERVICE_CONTROL
                ]
    return standings


def authorize(
    ctx: Context,
    caller: Caller,
    asked: Sequence[tuple[str, str, str] | tuple[str, str, str, str | None]],
) -> list[AccessDecision]:
    """A decision for each (principal, action, resource URN[, source account]), in order. A
    request that is malformed fails the whole batch (400, naming its index); one outside the
    service's namespaces too (403)."""
    batch = len(asked) > 1
    with ctx.reading() as uow:
        service = calling_service(uow, caller)
        questions = []
        for index, request in enumerate(asked):
            try:
                questions.append(question_of(ctx.catalogue, service.namespaces, *request))
            except InvalidRequest as error:
                if batch:
                    error.message = f"requests[{index}]: {error.message}"
                raise
        standings = standings_of(uow, (q.principal for q in questions))
        grants_at = _grants(
            ctx, uow, questions, {e for s in standings.values() for e in s.entities}
        )
        acting = _acting_for(uow, [q for q in questions if q.source is not None], grants_at)
    return [
        decision_for(ctx.catalogue, q, standings[q.principal], acting(q, grants_at))
        for q in questions
    ]


GrantsAt = Callable[[str, str], Iterable[Grant]]


def _acting_for(
    uow: UnitOfWork, questions: Sequence[Question], grants_at: GrantsAt
) -> Callable[[Question, GrantsAt], GrantsAt]:
    """For a service's question, only the grants of shares whose sources hold the account it
    acts for (domain/share_sources.may_act_for): one read of those shares' sources and
    owners; an account's question keeps its grants."""
    share_ids = sorted(
        {g.share_id for q in questions for u in q.urns for g in grants_at(u, q.principal)}
    )
    sources = uow.share_sources.live_of(share_ids)
    owners = uow.shares.owners_of(share_ids)

    def acting(question: Question, every: GrantsAt) -> GrantsAt:
        source = question.source
        if source is None:
            return every
        return lambda urn, entity: [
            g
            for g in every(urn, entity)
            if may_act_for(source, sources.get(g.share_id, ()), owners[g.share_id])
        ]

    return acting


def _grants(
    ctx: Context, uow: UnitOfWork, questions: Iterable[Question], entities: set[str]
) -> Callable[[str, str], Iterable[Grant]]:
    """The grants at each (resource URN, principal entity) of the questions' resources (every
    spelling) and ``entities``, their content resolved: one read for them all."""
    holdings = uow.decisions.holdings({urn for q in questions for urn in q.urns}, entities)
    found: dict[tuple[str, str], list[Grant]] = defaultdict(list)
    for holding in holdings:
        found[holding.resource, holding.principal].append(
            with_content(ctx.catalogue, holding.grant)
        )

    def grants_at(urn: str, entity: str) -> Iterable[Grant]:
        return found.get((urn, entity), ())

    return grants_at


def with_content(catalogue: Catalogue, grant: Grant) -> Grant:
    """The grant with its permission's content, read from the catalogue (None: no permission);
    a customer-managed permission's came with the grant, from the store."""
    if grant.permission_id is None or not catalogue.holds(grant.permission_id):
        return grant
    permission = catalogue.get(grant.permission_id, grant.permission_version)
    return Grant(grant.share_id, grant.permission_id, grant.permission_version, permission.content)


def accessible_resources(
    ctx: Context,
    caller: Caller,
    principal: str,
    resource_type: str,
    action: str | None,
    page: PageRequest,
) -> Page[AccessibleResource]:
    """The resources of the type that shares reaching ``principal`` hold, one entry per share;
    with ``action``, only where the share's permission for the type allows it and /authorize
    allows it: no SCP on the principal's path denies it, nor a Deny in another share reaching
    the principal with the same resource (under either spelling). Those a Deny elsewhere
    removes leave a page shorter than its limit; its marker still leads on."""
    ids.require_account_id(principal)
    type_ = ctx.catalogue.require_shareable(resource_type).name
    with ctx.reading() as uow:
        service = calling_service(uow, caller)
        service.require_namespace(type_.split(":", 1)[0], f"The resource type {resource_type}")
        allowing = None
        if action is not None:
            check_action(action)
            service.require_namespace(action.split(":", 1)[0], f"The action {action}")
            allowing = _allowing_permissions(ctx, type_, action)
        standing = standings_of(uow, [principal])[principal]
        if action is None:
            return uow.decisions.accessible(principal, standing.entities, type_, None, page)
        if standing.denying(action):
            return Page([])
        listed = uow.decisions.accessible(principal, standing.entities, type_, allowing, page)
        questions = {
            r.resource_urn: question_of(
                ctx.catalogue, service.namespaces, principal, action, r.resource_urn
            )
            for r in listed.items
        }
        grants_at = _grants(ctx, uow, questions.values(), set(standing.entities))
    allowed = [
        r
        for r in listed.items
        if decision_for(ctx.catalogue, questions[r.resource_urn], standing, grants_at).verdict
        is Verdict.ALLOW
    ]
    return Page(allowed, listed.next_marker)


def _allowing_permissions(ctx: Context, resource_type: str, action: str) -> set[tuple[str, int]]:
    """Every (permission id, version) of the type whose content allows ``action``."""
    return {
        (version.id, version.version)
        for current in ctx.catalogue.permissions(resource_type)
        for version in ctx.catalogue.versions(current.id)
        if permission_says(version.content, action) is Decision.ALLOW
    }
