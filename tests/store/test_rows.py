"""Declared row mappings: each entity's statement columns and its reader come from one
declaration, which must follow the entity's fields; reading a row fills every field from the
column declared for it."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from sharekeeper.domain.handshakes import CreateAccountState, HandshakeStatus
from sharekeeper.domain.invitations import Invitation, InvitationStatus
from sharekeeper.domain.organizations import JoinMethod
from sharekeeper.domain.shares import AssociationStatus, AssociationType, ShareStatus
from sharekeeper.domain.webhooks import WebhookState
from sharekeeper.store import (
    accounts,
    audit,
    handshakes,
    invitations,
    organizations,
    permissions,
    shares,
    webhooks,
)
from sharekeeper.store.rows import RowMapping
from sharekeeper.store.tables import invitations as invitation_table

# (entity, field): a stored value its reader turns into another domain value, and that value.
TYPED = {
    ("Invitation", "status"): ("pending", InvitationStatus.PENDING),
    ("Association", "status"): ("associated", AssociationStatus.ASSOCIATED),
    ("Association", "association_type"): ("principal", AssociationType.PRINCIPAL),
    ("Association", "external"): (1, True),
    ("ResourceShare", "status"): ("active", ShareStatus.ACTIVE),
    ("Organization", "sharing_enabled"): (1, True),
    ("AuditRecord", "targets"): ('["a", "b"]', ["a", "b"]),
    ("Membership", "join_method"): ("created", JoinMethod.CREATED),
    ("Handshake", "status"): ("pending", HandshakeStatus.PENDING),
    ("CreateAccountStatus", "state"): ("succeeded", CreateAccountState.SUCCEEDED),
    ("Webhook", "types"): ("a.* b", ("a.*", "b")),
    ("Webhook", "state"): ("removed", WebhookState.REMOVED),
}
MAPPINGS: list[RowMapping[Any]] = [
    invitations.INVITATION,
    shares.ASSOCIATION,
    shares.SHARE,
    accounts.ACCOUNT,
    accounts.ACCESS_KEY,
    organizations.ORGANIZATION,
    organizations.UNIT,
    organizations.MEMBERSHIP,
    organizations.TRUSTED,
    handshakes.HANDSHAKE,
    handshakes.CREATE_ACCOUNT_STATUS,
    audit.AUDIT_RECORD,
    permissions.BOUND_PERMISSION,
    webhooks.WEBHOOK,
    webhooks.DEAD_LETTER,
]
ids = [m.entity.__name__ for m in MAPPINGS]


def sample_row(mapping: RowMapping[Any]) -> list[Any]:
    """A distinct, recognisable stored value for each declared column, then a keyset
    position the reader must leave alone."""
    kind = mapping.entity.__name__
    row = [TYPED.get((kind, name), (f"<{name}>",))[0] for name in mapping.names]
    return [*row, "<seq>"]


@pytest.mark.parametrize("mapping", MAPPINGS, ids=ids)
def test_a_reader_fills_each_field_from_its_declared_column(mapping: RowMapping[Any]) -> None:
    row = sample_row(mapping)
    entity = mapping.read(row)
    kind = mapping.entity.__name__
    for name, stored in zip(mapping.names, row, strict=False):
        expected = TYPED.get((kind, name), (stored, stored))[1]
        assert getattr(entity, name) == expected, (kind, name)
    unread = {f.name for f in fields(entity)} - set(mapping.names)
    # A share's tags, and an audit record's clientToken claim, are read apart.
    assert unread <= {"tags", "claim"}, unread


@pytest.mark.parametrize("mapping", MAPPINGS, ids=ids)
def test_an_entity_stored_reads_back_the_same(mapping: RowMapping[Any]) -> None:
    entity = mapping.read(sample_row(mapping))
    stored = mapping.values(entity)
    assert list(stored) == [c.name for c in mapping.columns]
    assert mapping.read(list(stored.values())) == entity


@pytest.mark.parametrize("mapping", MAPPINGS[:3], ids=ids[:3])
def test_statements_select_the_declared_columns_first(mapping: RowMapping[Any]) -> None:
    statements = {
        "Invitation": invitations._INVITATIONS,
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
