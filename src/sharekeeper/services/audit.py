"""The audit trail: recording refused calls, and reading it back."""

from __future__ import annotations

from sharekeeper.domain.audit import AuditFilter, AuditRecord
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.services.context import Context


def record_calls(ctx: Context, records: list[AuditRecord]) -> None:
    """Records calls whose change did not commit their own record (a refusal, a request that
    changed nothing, refusals gathered by a FailureTally), in one transaction. Successful
    changes are recorded by their own transaction."""
    with ctx.writing() as uow:
        for record in records:
            uow.audit.add(record)
        uow.commit()


def list_audit_records(ctx: Context, wanted: AuditFilter, page: PageRequest) -> Page[AuditRecord]:
    with ctx.reading() as uow:
        return uow.audit.page(wanted, page)


def claimed_by(ctx: Context, account_id: str, operation: str, token: str) -> AuditRecord | None:
    """The record of the change that claimed ``token`` (an AWS clientToken) for the account's
    ``operation``, if one committed."""
    with ctx.reading() as uow:
        return uow.audit.claimed(account_id, operation, token)
