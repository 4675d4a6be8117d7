"""Tags on the caller's organization's roots, OUs, accounts and policies: list, set, remove,
the keys of a type, and the resources of a type selected by their tags. Each resource type is
resolved by one function (``TARGETS``): does this id name one of the organization's, and what
is its name. Reads are the management account's (and, where Huawei says so, a delegated
administrator's: ``readable_organization``); writes are the management account's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import OrgEntityNotFound, OrgInvalidParameter, PolicyNotFound
from sharekeeper.domain.org_tags import (
    TaggedResource,
    TagResourceType,
    org_tag_keys,
    org_tags,
    require_tag_room,
    selects,
)
from sharekeeper.domain.organizations import Organization
from sharekeeper.domain.tags import MAX_FILTER_LIMIT, Tag, TagQuery
from sharekeeper.services.context import Context
from sharekeeper.services.directory import managed_organization, readable_organization, unit_of
from sharekeeper.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class TagTarget:
    """How one resource type is found in an organization: ``find`` answers the name of the
    resource an id names (OrgEntityNotFound if none), ``every`` lists the ids of them all in
    the organization's order, ``names`` names those of some ids (an organization may hold
    100,000 accounts: the filter names only the page it answers).
    ``find``'s last argument, ``lock``, is true in the writes: what it read then holds until
    the write commits."""

    find: Callable[[UnitOfWork, Organization, str, bool], str]
    every: Callable[[UnitOfWork, Organization], list[str]]
    names: Callable[[UnitOfWork, Organization, list[str]], dict[str, str]]


def _find_root(uow: UnitOfWork, organization: Organization, root_id: str, lock: bool) -> str:
    unit = unit_of(uow, organization, root_id)
    if unit.parent_id is not None:
        raise OrgEntityNotFound(root_id)
    return unit.name


def _every_root(uow: UnitOfWork, organization: Organization) -> list[str]:
    return [organization.root_id]


def _find_ou(uow: UnitOfWork, organization: Organization, unit_id: str, lock: bool) -> str:
    unit = unit_of(uow, organization, unit_id)
    if unit.parent_id is None:
        raise OrgEntityNotFound(unit_id)
    return unit.name


def _every_ou(uow: UnitOfWork, organization: Organization) -> list[str]:
    return [u.id for u in uow.organizations.units(organization.id) if u.parent_id]


def _unit_names(uow: UnitOfWork, organization: Organization, ids: list[str]) -> dict[str, str]:
    # The root and at most a thousand OUs (Huawei's quota): one statement for them all.
    return {u.id: u.name for u in uow.organizations.units(organization.id) if u.id in ids}


def _find_account(uow: UnitOfWork, organization: Organization, account_id: str, lock: bool) -> str:
    # Locked, the member's row is shared: a removal (which locks it exclusively, then drops
    # the account's tags) waits for the tags being set, or comes first and the account is
    # gone; unlocked, the tags could land after the removal and return if it rejoins.
    membership = uow.organizations.membership(account_id, shared_lock=lock)
    if membership is None or membership.organization_id != organization.id:
        raise OrgEntityNotFound(account_id)
    return uow.accounts.names([account_id]).get(account_id, "")


def _every_account(uow: UnitOfWork, organization: Organization) -> list[str]:
    return [m.account_id for m in uow.organizations.members(organization.id)]


def _account_names(uow: UnitOfWork, organization: Organization, ids: list[str]) -> dict[str, str]:
    return uow.accounts.names(ids)


def _find_policy(uow: UnitOfWork, organization: Organization, policy_id: str, lock: bool) -> str:
    """A customer policy or dry-run policy of the organization (the system policy, the same in
    every organization, takes no tags). None is "no such policy", as on the policy routes."""
    for dry_run in (False, True):
        policy = uow.policies.get(organization.id, policy_id, dry_run)
        if policy is not None:
            return policy.name
    raise PolicyNotFound(policy_id)


def _policies(uow: UnitOfWork, organization: Organization) -> dict[str, str]:
    return {
        p.id: p.name
        for dry_run in (False, True)
        for p in uow.policies.of_organization(organization.id, dry_run)
    }


def _every_policy(uow: UnitOfWork, organization: Organization) -> list[str]:
    return list(_policies(uow, organization))


def _policy_names(uow: UnitOfWork, organization: Organization, ids: list[str]) -> dict[str, str]:
    # At most 1,000 policies of each type (Huawei's quota).
    return {i: name for i, name in _policies(uow, organization).items() if i in ids}


TARGETS: dict[TagResourceType, TagTarget] = {
    TagResourceType.ROOTS: TagTarget(_find_root, _every_root, _unit_names),
    TagResourceType.OUS: TagTarget(_find_ou, _every_ou, _unit_names),
    TagResourceType.ACCOUNTS: TagTarget(_find_account, _every_account, _account_names),
    TagResourceType.POLICIES: TagTarget(_find_policy, _every_policy, _policy_names),
}


def list_resource_tags(
    ctx: Context,
    caller: Caller,
    kind: TagResourceType,
    resource_id: str,
    limit: int,
    marker: str | None,
) -> tuple[list[Tag], str | None]:
    """A page of the resource's tags in key order, after the key ``marker``; an untagged
    resource has none. The next marker is the page's last key, if more follow."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        TARGETS[kind].find(uow, organization, resource_id, False)
        tags = uow.org_tags.tags(organization.id, kind.value, resource_id)
    if marker is not None:
        tags = [t for t in tags if t.key > marker]
    page = tags[:limit]
    return page, page[-1].key if len(tags) > limit else None


def tag_resource(
    ctx: Context,
    caller: Caller,
    kind: TagResourceType,
    resource_id: str,
    pairs: Sequence[tuple[str, str]],
) -> None:
    """Sets tags; a key the resource has already gets the new value; at most 20 in all."""
    tags = org_tags(pairs)
    with ctx.writing() as uow:
        # The organization's row, so that racing writers cannot pass the limit together.
        organization = managed_organization(uow, caller, lock=True)
        TARGETS[kind].find(uow, organization, resource_id, True)
        have = {t.key for t in uow.org_tags.tags(organization.id, kind.value, resource_id)}
        require_tag_room(resource_id, have, tags)
        uow.org_tags.put(organization.id, kind.value, resource_id, tags)
        uow.commit()


def untag_resource(
    ctx: Context,
    caller: Caller,
    kind: TagResourceType,
    resource_id: str,
    pairs: Sequence[tuple[str, str | None]],
) -> None:
    """Removes keys; a key given with a value goes only while it holds that value. A key the
    resource does not have is no error (the end state is what was asked)."""
    org_tag_keys(pairs)
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        TARGETS[kind].find(uow, organization, resource_id, True)
        for key, value in pairs:
            uow.org_tags.remove(organization.id, kind.value, resource_id, key, value)
        uow.commit()


def list_tag_keys(
    ctx: Context, caller: Caller, kind: TagResourceType
) -> list[tuple[str, list[str]]]:
    """Every key used on the organization's resources of the type, with its values."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        return uow.org_tags.keys(organization.id, kind.value)


def find_resources(
    ctx: Context, caller: Caller, kind: TagResourceType, query: TagQuery, limit: int, offset: int
) -> tuple[list[TaggedResource], int]:
    """The organization's resources of the type the query selects, ``offset`` in (in the
    order the organization lists them), and how many it selects."""
    if not 1 <= limit <= MAX_FILTER_LIMIT:
        raise OrgInvalidParameter(f"limit must be between 1 and {MAX_FILTER_LIMIT}.")
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        selected = _selected(uow, organization, kind, query)
        page = selected[offset : offset + limit]
        if query.name_match is None:  # else named already, to be matched
            names = TARGETS[kind].names(uow, organization, [r.id for r in page])
            page = [replace(r, name=names.get(r.id, "")) for r in page]
    return page, len(selected)


def count_resources(ctx: Context, caller: Caller, kind: TagResourceType, query: TagQuery) -> int:
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        return len(_selected(uow, organization, kind, query))


def _selected(
    uow: UnitOfWork, organization: Organization, kind: TagResourceType, query: TagQuery
) -> list[TaggedResource]:
    """What the query selects, in the organization's order, unnamed unless it matches names.
    Only the ids of the type are read whole (one column; 100,000 accounts at most); with a
    tag filter only the resources carrying its first key are read further, and names only
    when the query matches on them (the caller names the page it answers)."""
    if query.matches_nothing:
        return []
    target = TARGETS[kind]
    ids = target.every(uow, organization)
    if query.tags and not query.without_any_tag:
        first = query.tags[0]
        carrying = uow.org_tags.carrying(organization.id, kind.value, first.key, first.values)
        ids = [i for i in ids if i in carrying]
    tags = uow.org_tags.tags_of(organization.id, kind.value, ids)
    names = target.names(uow, organization, ids) if query.name_match is not None else {}
    resources = (TaggedResource(i, names.get(i, ""), tuple(tags.get(i, ()))) for i in ids)
    return [r for r in resources if selects(query, r)]
