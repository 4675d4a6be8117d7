"""Declared row mappings: each entity's statement columns and its reader come from one
declaration, which must follow the entity's fields; reading a row fills every field from the
column declared for it."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from sharekeeper.domain.invitations import Invitation, InvitationStatus
from sharekeeper.domain.shares import AssociationStatus, AssociationType, ShareStatus
from sharekeeper.store import invitations, shares
from sharekeeper.store.rows import RowMapping
from sharekeeper.store.tables import invitations as invitation_table

# Stored values a reader turns into domain values, by field.
STORED = {
    "status": {
        "Invitation": InvitationStatus.PENDING,
        "Association": AssociationStatus.ASSOCIATED,
        "ResourceShare": ShareStatus.ACTIVE,
    },
    "association_type": {"Association": AssociationType.PRINCIPAL},
    "external": {"Association": True},
    "allow_external_principals": {"ResourceShare": True},
}
MAPPINGS = [invitations.INVITATION, shares.ASSOCIATION, shares.SHARE]


def sample_row(mapping: RowMapping[Any]) -> list[Any]:
    """A distinct, recognisable stored value for each declared column, then a keyset
    position the reader must leave alone."""
    kind = mapping.entity.__name__
    row = []
    for name in mapping.names:
        typed = STORED.get(name, {}).get(kind)
        row.append(f"<{name}>" if typed is None else getattr(typed, "value", typed))
    return [*row, "<seq>"]


@pytest.mark.parametrize("mapping", MAPPINGS, ids=lambda m: m.entity.__name__)
def test_a_reader_fills_each_field_from_its_declared_column(mapping: RowMapping[Any]) -> None:
    row = sample_row(mapping)
    entity = mapping.read(row)
    kind = mapping.entity.__name__
    for name, stored in zip(mapping.names, row, strict=False):
        expected = STORED.get(name, {}).get(kind, stored)
        assert getattr(entity, name) == expected, (kind, name)
    unread = {f.name for f in fields(entity)} - set(mapping.names)
    assert unread <= {"tags"}, unread  # a share's tags are read apart


@pytest.mark.parametrize("mapping", MAPPINGS, ids=lambda m: m.entity.__name__)
def test_statements_select_the_declared_columns_first(mapping: RowMapping[Any]) -> None:
    statements = {
        "Invitation": invitations._WITH_SHARE_NAME,
        "Association": shares._WITH_SHARE_NAME,
        "ResourceShare": shares._SHARES,
    }
    selected = list(statements[mapping.entity.__name__].selected_columns)
    assert [c.name for c in selected[: len(mapping.columns)]] == [c.name for c in mapping.columns]
    assert selected[len(mapping.columns)].name == "seq"


def test_a_declaration_out_of_the_entity_order_fails_at_once() -> None:
    c = invitation_table.c
    with pytest.raises(TypeError, match="Invitation fields are"):
        RowMapping(Invitation, c.resource_share_id, c.id)
