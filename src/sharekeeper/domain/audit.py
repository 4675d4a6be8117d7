"""The audit trail: who changed what, when, from where, and how it ended. Never a secret."""

from __future__ import annotations

from dataclasses import dataclass, field

from sharekeeper.domain.clock import Millis


@dataclass(slots=True)
class AuditRecord:
    at: Millis
    account_id: str
    access_key: str
    operation: str
    request_id: str
    source_address: str
    targets: list[str] = field(default_factory=list)
    # The HTTP status and, for a refusal, the error code: "201", "400 RAM.1004".
    outcome: str = ""
    # Where the call came from: "api" (signed HTTP) or "console" (the web console).
    channel: str = "api"


@dataclass(slots=True)
class PendingAudit:
    """The record of a state-changing request being served. The unit of work that commits the
    change commits the record with it, so neither can exist without the other."""

    record: AuditRecord
    written: bool = False


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which records to read back; a field left None does not filter."""

    account_id: str | None = None
    operation: str | None = None
    channel: str | None = None
    since: Millis | None = None
