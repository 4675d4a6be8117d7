"""The audit trail: recording refused calls, and reading it back."""

from __future__ import annotations

from sharekeeper.domain.audit import AuditFilter, AuditRecord
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.services.context import Context


def record_call(ctx: Context, record: AuditRecord) -> None:
    """Records a call whose change did not commit its own record (a refusal, or a request that
    changed nothing). Successful changes are recorded by their own transaction."""
    with ctx.writing() as uow:
        uow.audit.add(record)
        uow.commit()


def record_calls(ctx: Context, records: list[AuditRecord]) -> None:
    """Records refused calls gathered by a FailureTally (the first of a window, the count of
    the rest), in one transaction."""
    with ctx.writing() as uow:
        for record in records:
            uow.audit.add(record)
        uow.commit()


def list_audit_records(ctx: Context, wanted: AuditFilter, page: PageRequest) -> Page[AuditRecord]:
    with ctx.reading() as uow:
        return uow.audit.page(wanted, page)
