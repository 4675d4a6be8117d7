"""Sharing rules checked at the service tier, through the real unit of work on a database of the
test's own: faster than over HTTP, and closer to the rule when one fails."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sharekeeper.config import Settings
from sharekeeper.domain import errors, ids
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.audit import AuditRecord, PendingAudit
from sharekeeper.domain.clock import AdjustableClock
from sharekeeper.domain.invitations import InvitationQuery
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.tags import TagQuery, read_matches
from sharekeeper.domain.views import SharedResourceQuery, Side
from sharekeeper.services import (
    associations,
    identity,
    invitations,
    permissions,
    shares,
    tags,
    views,
)
from sharekeeper.services.context import Context
from sharekeeper.store.transaction import watching

SUBNET_DEFAULT = "0bab42d4-5008-52be-83fa-7b947b8a5c95"
SUBNET_READONLY = "6b640602-9e2c-5ef5-86d3-68febb8f125d"
PAGE = PageRequest(2000, None)


def urn(account: Caller, path: str, kind: str = "subnet") -> str:
    return f"vpc:cn-north-4:{account.account_id}:{kind}:{path}"


def bound(ctx: Context, owner: Caller, share_id: str) -> list[str]:
    page = permissions.list_share_permissions(ctx, owner, share_id, None, PAGE)
    return [p.permission_id for p in page.items]


def received(ctx: Context, receiver: Caller, share_id: str) -> list[str]:
    query = InvitationQuery(share_ids=(share_id,))
    page = invitations.search_invitations(ctx, receiver, query, PAGE)
    return [i.status for i in page.items]


def test_removing_a_permission_falls_back_to_the_default(ctx: Context, owner: Caller) -> None:
    share = shares.create_resource_share(ctx, owner, name="p", resource_urns=[urn(owner, "s")])
    permissions.associate_share_permission(ctx, owner, share.id, SUBNET_READONLY, replace=True)
    assert bound(ctx, owner, share.id) == [SUBNET_READONLY]
    permissions.disassociate_share_permission(ctx, owner, share.id, SUBNET_READONLY)
    assert bound(ctx, owner, share.id) == [SUBNET_DEFAULT]
    permissions.disassociate_share_permission(ctx, owner, share.id, SUBNET_DEFAULT)
    assert bound(ctx, owner, share.id) == []
    with pytest.raises(errors.NotAssociated):
        permissions.disassociate_share_permission(ctx, owner, share.id, SUBNET_DEFAULT)


def test_an_alias_urn_is_the_catalogues_type(ctx: Context, owner: Caller) -> None:
    plural = urn(owner, "s", kind="subnets")
    share = shares.create_resource_share(ctx, owner, name="a", resource_urns=[plural])
    assert bound(ctx, owner, share.id) == [SUBNET_DEFAULT]
    for spelling in ("vpc:subnet", "vpc:subnets"):
        page = views.search_shared_resources(
            ctx, owner, Side.OWNER, SharedResourceQuery(resource_type=spelling), PAGE
        )
        assert [(r.resource_urn, r.resource_type) for r in page.items] == [(plural, "vpc:subnet")]
    with pytest.raises(errors.ResourceTypeNotShareable):
        shares.create_resource_share(ctx, owner, name="b", resource_urns=[urn(owner, "x", "vpn")])


def test_a_match_on_another_field_matches_nothing(ctx: Context, owner: Caller) -> None:
    shares.create_resource_share(ctx, owner, name="web-1")
    name, nothing = read_matches([("resource_name", "web-")])
    assert tags.count_shares_by_tags(ctx, owner, TagQuery(name_match=name)) == 1
    name, nothing = read_matches([("resource_name", "web-"), ("test_key", "v")])
    query = TagQuery(name_match=name, matches_nothing=nothing)
    assert tags.find_shares_by_tags(ctx, owner, query, 10, 0) == ([], 0)
    with pytest.raises(errors.InvalidParameter):
        read_matches([("k", "a"), ("k", "b")])


def test_repeated_invitations_leave_one_withdrawn(
    ctx: Context, owner: Caller, receiver: Caller
) -> None:
    share = shares.create_resource_share(ctx, owner, name="spam")
    for _ in range(5):
        associations.associate_resource_share(
            ctx, owner, share.id, principals=[receiver.account_id]
        )
        associations.disassociate_resource_share(
            ctx, owner, share.id, principals=[receiver.account_id]
        )
    assert received(ctx, receiver, share.id) == ["withdrawn"]


def test_an_invitation_expires_with_the_clock(
    ctx: Context, clock: AdjustableClock, owner: Caller, receiver: Caller
) -> None:
    share = shares.create_resource_share(ctx, owner, name="later", principals=[receiver.account_id])
    assert received(ctx, receiver, share.id) == ["pending"]
    clock.advance(ctx.invitation_ttl + 1)
    assert received(ctx, receiver, share.id) == ["expired"]


def test_temporary_credentials_have_a_bounded_lifetime(ctx: Context, owner: Caller) -> None:
    for ttl in (0, identity.MAX_TEMPORARY_TTL_SECONDS + 1, 10_000_000_000_000_000):
        with pytest.raises(errors.InvalidParameter):
            identity.create_access_key(ctx, owner.account_id, ttl)
    key = identity.create_access_key(ctx, owner.account_id, identity.MAX_TEMPORARY_TTL_SECONDS)
    assert key.security_token and key.expires_at


def test_discovery_answers_about_the_caller_alone(ctx: Context, owner: Caller) -> None:
    assert identity.describe_caller(ctx, owner).id == owner.account_id
    (project,) = identity.caller_projects(ctx, owner, "cn-north-4")
    assert project == (ids.project_id(owner.account_id, "cn-north-4"), "cn-north-4")
    assert identity.caller_projects(ctx, owner, "no/such") == []
    regions = {name for _, name in identity.caller_projects(ctx, owner, None)}
    assert "cn-north-4" in regions and len(regions) >= 5


def test_demo_accounts_are_kept_per_database(tmp_path: Path) -> None:
    from sharekeeper.bootstrap import build_runtime
    from sharekeeper.demo import ensure_demo
    from sharekeeper.testing import fresh_settings

    shared = tmp_path / "shared-data"  # one data directory, two databases
    one, two = (
        fresh_settings(tmp_path / name).with_overrides(data_dir=shared) for name in ("1", "2")
    )

    def demo_of(settings: Settings) -> dict[str, str]:
        runtime = build_runtime(settings, upgrade=False)
        try:
            alice: dict[str, str] = ensure_demo(runtime, settings)["alice"]
        finally:
            runtime.close()
        return alice

    first = demo_of(one)
    assert demo_of(two) != first
    assert demo_of(one) == first  # the same database again: the same accounts


def test_an_accept_is_seven_statements(ctx: Context, owner: Caller, receiver: Caller) -> None:
    """The accept reads the invitation with its share locked in one statement, moves
    invitation and association, writes its audit record and its two change events in one
    INSERT. (On PostgreSQL the compare-and-set and the association are one statement, and the
    statements travel in two pipelines: tests/store/test_write_round_trips.py.)"""
    share = shares.create_resource_share(ctx, owner, name="one", principals=[receiver.account_id])
    (invitation,) = invitations.search_invitations(
        ctx, receiver, InvitationQuery(share_ids=(share.id,)), PAGE
    ).items
    record = AuditRecord(0, receiver.account_id, receiver.access_key, "Accept", "r", "")
    seen: list[str] = []
    me = threading.get_ident()  # not the statements of a session's server in the background

    def note(sql: str) -> None:
        if threading.get_ident() == me:
            seen.append(sql.split()[0].upper())

    with watching(note):
        invitations.accept_invitation(
            ctx.scoped(PendingAudit(record), None), receiver, invitation.id
        )
    assert seen == ["BEGIN", "SELECT", "UPDATE", "UPDATE", "INSERT", "INSERT", "COMMIT"]


def test_the_operator_makes_ous_by_the_trees_rules_too(ctx: Context, owner: Caller) -> None:
    """One set of tree rules for the Organizations API and the operator (CLI, admin API)."""
    import pytest

    from sharekeeper.domain.errors import OrgUnitLimit, OrgUnitNameTaken
    from sharekeeper.domain.organizations import OU_DEPTH_MOST
    from sharekeeper.services import organizations

    org = organizations.operator_create_organization(ctx, owner.account_id)
    organizations.operator_create_unit(ctx, org.root_id, "twice")
    with pytest.raises(OrgUnitNameTaken):
        organizations.operator_create_unit(ctx, org.root_id, "twice")
    parent = org.root_id
    for depth in range(OU_DEPTH_MOST):
        parent = organizations.operator_create_unit(ctx, parent, f"level-{depth}")[1].id
    with pytest.raises(OrgUnitLimit):
        organizations.operator_create_unit(ctx, parent, "too-deep")
