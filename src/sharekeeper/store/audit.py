"""Audit records: appended, never changed (a count of refusals is a record of its own)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select

from sharekeeper.domain.audit import AuditFilter, AuditRecord, Claim
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.store.paging import fetch_page
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.rows import Field, RowMapping
from sharekeeper.store.tables import audit_records
from sharekeeper.store.transaction import Transaction

R = audit_records.c
_INSERT = Prepared.insert(audit_records)


AUDIT_RECORD = RowMapping(
    AuditRecord,
    R.at,
    R.account_id,
    R.access_key,
    R.operation,
    R.request_id,
    R.source_address,
    Field(R.targets, convert=json.loads, store=json.dumps),
    R.outcome,
    R.channel,
    R.count,
)

_CLAIMED = Prepared(
    select(*AUDIT_RECORD.columns, R.client_token, R.request_digest).where(
        R.account_id == bindparam("account_id"),
        R.operation == bindparam("operation"),
        R.client_token == bindparam("client_token"),
    )
)


# The columns ``stored`` gives a value for: every one but ``seq`` (checked here, since the
# outbox's statement on PostgreSQL names them in SQL of its own, store/events.py).
STORED = (*(c.name for c in AUDIT_RECORD.columns), "client_token", "request_digest")
if set(STORED) != {c.name for c in audit_records.columns} - {"seq"}:
    raise RuntimeError("audit_records' columns and the record's stored fields differ")


def stored(record: AuditRecord) -> dict[str, Any]:
    """The record's row: a value for every column of ``STORED``."""
    values = AUDIT_RECORD.values(record)
    claim = record.claim
    values["client_token"] = None if claim is None else claim.token
    values["request_digest"] = None if claim is None else claim.digest
    return values


class AuditRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, record: AuditRecord) -> None:
        self._tx.send(_INSERT, stored(record))

    def claimed(self, account_id: str, operation: str, token: str) -> AuditRecord | None:
        """The record of the change that claimed ``token`` for this account and operation."""
        row = self._tx.first(
            _CLAIMED, {"account_id": account_id, "operation": operation, "client_token": token}
        )
        if row is None:
            return None
        width = len(AUDIT_RECORD.columns)
        return AUDIT_RECORD.read(row, Claim(row[width], row[width + 1]))

    def page(self, wanted: AuditFilter, page: PageRequest) -> Page[AuditRecord]:
        statement = select(*AUDIT_RECORD.columns, R.seq)
        for column, value in (
            (R.account_id, wanted.account_id),
            (R.operation, wanted.operation),
            (R.channel, wanted.channel),
        ):
            if value is not None:
                statement = statement.where(column == value)
        if wanted.since is not None:
            statement = statement.where(R.at >= wanted.since)
        if wanted.namespace == "":
            statement = statement.where(~R.operation.contains(":", autoescape=True))
        elif wanted.namespace is not None:
            named = R.operation.startswith(wanted.namespace + ":", autoescape=True)
            statement = statement.where(named)
        return fetch_page(self._tx, statement, R.seq, page, AUDIT_RECORD.read)
