"""Audit records: appended, never changed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from sharekeeper.domain.audit import AuditRecord
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.store.paging import fetch_page
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.tables import audit_records
from sharekeeper.store.transaction import Transaction

R = audit_records.c
_INSERT = Prepared.insert(audit_records)


def _record(row: Any) -> AuditRecord:
    return AuditRecord(
        at=row.at,
        account_id=row.account_id,
        access_key=row.access_key,
        operation=row.operation,
        request_id=row.request_id,
        source_address=row.source_address,
        targets=json.loads(row.targets),
        outcome=row.outcome,
    )


class AuditRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, record: AuditRecord) -> None:
        values = {
            "at": record.at,
            "account_id": record.account_id,
            "access_key": record.access_key,
            "operation": record.operation,
            "targets": json.dumps(record.targets),
            "request_id": record.request_id,
            "source_address": record.source_address,
            "outcome": record.outcome,
        }
        self._tx.rowcount(_INSERT, values)

    def page(
        self, account_id: str | None, since: Millis | None, page: PageRequest
    ) -> Page[AuditRecord]:
        statement = select(audit_records)
        if account_id is not None:
            statement = statement.where(R.account_id == account_id)
        if since is not None:
            statement = statement.where(R.at >= since)
        return fetch_page(self._tx, statement, R.seq, page, _record)
