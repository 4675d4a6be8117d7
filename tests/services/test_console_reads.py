"""The console's page reads: a fixed number of statements however much they show (no query
per row), and nothing locked by a read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sharekeeper.domain.accounts import Caller
from sharekeeper.services import associations, organizations, shares
from sharekeeper.services import console as reads
from sharekeeper.services.context import Context
from sharekeeper.store.transaction import watching
from tests.services.conftest import caller


def statements(read: Callable[[], Any]) -> list[str]:
    seen: list[str] = []
    with watching(seen.append):
        read()
    return seen


def _organization_with_members(ctx: Context, n: int) -> None:
    manager = caller(ctx, f"manager-{n}")
    org = organizations.create_organization(ctx, manager.account_id)
    _, unit = organizations.create_unit(ctx, org.root_id, f"ou-{n}")
    organizations.add_account(ctx, caller(ctx, f"member-{n}").account_id, unit.id)


def test_the_operator_pages_read_in_a_fixed_number_of_statements(ctx: Context) -> None:
    _organization_with_members(ctx, 0)
    few = len(statements(lambda: reads.directory(ctx)))
    for n in range(1, 5):
        _organization_with_members(ctx, n)
    assert len(statements(lambda: reads.directory(ctx))) == few
    assert len(reads.directory(ctx)) == 5
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
