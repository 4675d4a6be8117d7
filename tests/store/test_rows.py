"""Rows are read by position (by name cost more than building the entity): each reader is
checked here against the columns its statement selects, so reordering either breaks a test,
not the data."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sharekeeper.domain.invitations import InvitationStatus
from sharekeeper.domain.shares import AssociationStatus, AssociationType, ShareStatus
from sharekeeper.store import invitations, shares
from sharekeeper.store.tables import resource_shares

# The share's name, joined in, fills the entity's resource_share_name.
JOINED_NAME = {"name": "resource_share_name"}
# Sample values a reader turns into domain values, by column name.
TYPED = {
    "status": {
        "invitation": InvitationStatus.PENDING.value,
        "association": AssociationStatus.ASSOCIATED.value,
        "share": ShareStatus.ACTIVE.value,
    },
    "association_type": {"association": AssociationType.PRINCIPAL.value},
    "external": {"association": True},
    "allow_external_principals": {"share": True},
}


def sample_row(columns: list[str], kind: str) -> list[Any]:
    """A distinct, recognisable value for each column."""
    return [TYPED.get(name, {}).get(kind, f"<{name}>") for name in columns]


def check(
    entity: Any, columns: list[str], row: list[Any], ignored: set[str], renamed: dict[str, str]
) -> None:
    for name, value in zip(columns, row, strict=True):
        if name in ignored:
            continue
        field = renamed.get(name, name)
        assert getattr(entity, field) == value, (type(entity).__name__, field, value)
    covered = {renamed.get(n, n) for n in columns}
    unread = {f.name for f in fields(entity)} - covered
    assert unread <= {"tags"}, unread


def test_the_invitation_reader_matches_its_statement() -> None:
    columns = [c.name for c in invitations._WITH_SHARE_NAME.selected_columns]
    assert columns[invitations._SEQ] == "seq"
    row = sample_row(columns, "invitation")
    check(invitations._invitation(row), columns, row, {"seq"}, JOINED_NAME)


def test_the_association_reader_matches_its_statement() -> None:
    columns = [c.name for c in shares._WITH_SHARE_NAME.selected_columns]
    row = sample_row(columns, "association")
    check(shares._association(row), columns, row, {"seq"}, JOINED_NAME)


def test_the_share_reader_matches_its_table() -> None:
    columns = [c.name for c in resource_shares.columns]
    row = sample_row(columns, "share")
    share = shares._share(row)
    check(share, columns, row, set(columns) - {f.name for f in fields(share)}, {})
