"""The console's page reads: a fixed number of statements however much they show (no query
per row), and nothing locked by a read."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import AdjustableClock
from sharekeeper.domain.organizations import Organization
from sharekeeper.services import associations, directory, members, organizations, shares
from sharekeeper.services import console as reads
from sharekeeper.services.context import Context
from sharekeeper.store.transaction import watching
from tests.services.conftest import caller


def statements(read: Callable[[], Any]) -> list[str]:
    """The statements ``read`` runs: those of this thread, not of a server of the session
    working in the background (its webhook deliveries poll)."""
    seen: list[str] = []
    me = threading.get_ident()
    with watching(lambda sql: seen.append(sql) if threading.get_ident() == me else None):
        read()
    return seen


def _organization_with_members(ctx: Context, n: int) -> None:
    manager = caller(ctx, f"manager-{n}")
    org = directory.create_organization(ctx, manager).organization
    _, unit = directory.create_unit(ctx, manager, org.root_id, f"ou-{n}")
    organizations.add_account(ctx, caller(ctx, f"member-{n}").account_id, unit.id)


def test_the_operator_pages_read_in_a_fixed_number_of_statements(ctx: Context) -> None:
    _organization_with_members(ctx, 0)
    few = len(statements(lambda: reads.directory(ctx, None)))
    for n in range(1, 5):
        _organization_with_members(ctx, n)
    assert len(statements(lambda: reads.directory(ctx, None))) == few
    assert len(reads.directory(ctx, None).items) == 5
    picture = len(statements(lambda: reads.sharing_picture(ctx)))
    _organization_with_members(ctx, 9)
    assert len(statements(lambda: reads.sharing_picture(ctx))) == picture


def test_a_share_page_reads_without_locking(ctx: Context, owner: Caller, receiver: Caller) -> None:
    share = shares.create_resource_share(ctx, owner, name="read", principals=[receiver.account_id])
    seen = statements(lambda: reads.share_details(ctx, owner, share.id))
    assert not any("FOR UPDATE" in sql.upper() for sql in seen), seen
    others = [caller(ctx, f"other-{n}").account_id for n in range(5)]
    associations.associate_resource_share(ctx, owner, share.id, principals=others)
    assert len(statements(lambda: reads.share_details(ctx, owner, share.id))) == len(seen)


def _created_members(ctx: Context, manager: Caller, count: int) -> None:
    # Past Huawei's default of 10 accounts an organization, and 20 created a day: the operator
    # raised both.
    raised = replace(ctx.quotas, organization_account=count + 1, account_creations_per_day=count)
    roomy = replace(ctx, quotas=raised)
    for n in range(count):
        members.create_account(roomy, manager, f"made-{n}")


def test_the_organization_pages_show_a_page_of_members_in_a_fixed_number_of_statements(
    ctx: Context,
) -> None:
    """The manager's page and the operator's directory read a page of members (MEMBERS_PAGE)
    in as many statements with one member as with several pages of them."""
    manager = caller(ctx, "paged-manager")
    made: Organization = directory.create_organization(ctx, manager).organization
    directory.create_unit(ctx, manager, made.root_id, "paged-ou")
    alone = len(statements(lambda: reads.organization_view(ctx, manager)))
    in_directory = len(statements(lambda: reads.directory(ctx, None)))
    _created_members(ctx, manager, 2 * reads.MEMBERS_PAGE + 5)

    first = reads.organization_view(ctx, manager)
    assert isinstance(first, reads.OrganizationTree) and first.next_marker is not None
    assert len(first.members) == reads.MEMBERS_PAGE and len(first.units) == 2
    assert len(statements(lambda: reads.organization_view(ctx, manager))) == alone
    second = reads.organization_view(ctx, manager, first.next_marker)
    assert isinstance(second, reads.OrganizationTree) and second.next_marker is not None
    last = reads.organization_view(ctx, manager, second.next_marker)
    assert isinstance(last, reads.OrganizationTree) and last.next_marker is None
    walked = [m.account_id for t in (first, second, last) for m in t.members]
    assert len(walked) == len(set(walked)) == 2 * reads.MEMBERS_PAGE + 6
    assert all(
        t.names[m.account_id].startswith(("made-", "paged-"))
        for t in (first, last)
        for m in t.members
    )

    assert len(statements(lambda: reads.directory(ctx, None))) == in_directory
    (tree,) = reads.directory(ctx, None).items
    assert [m.account_id for m in tree.members] == [m.account_id for m in first.members]
    assert tree.next_marker == first.next_marker
    more = reads.directory_members(ctx, made.id, tree.next_marker)
    assert more is not None and more.members == second.members
    assert more.names[made.management_account_id] == "paged-manager"


def test_the_operator_directory_pages_organizations_newest_first(
    ctx: Context, clock: AdjustableClock
) -> None:
    made = []
    for n in range(reads.DIRECTORY_PAGE + 1):
        made.append(directory.create_organization(ctx, caller(ctx, f"org-{n}")).organization.id)
        clock.advance(1)
    first = reads.directory(ctx, None)
    assert len(first.items) == reads.DIRECTORY_PAGE and first.next_marker is not None
    rest = reads.directory(ctx, first.next_marker)
    assert len(rest.items) == 1 and rest.next_marker is None
    listed = [t.organization.id for t in (*first.items, *rest.items)]
    assert listed == made[::-1]
