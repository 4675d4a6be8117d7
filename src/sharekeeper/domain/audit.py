"""The audit trail: who changed what, when, from where, and how it ended. Never a secret."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sharekeeper.domain.clock import SECOND, Millis
from sharekeeper.domain.errors import IdempotentParameterMismatch
from sharekeeper.domain.sources import group_of


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
    # Where the call came from: "api" (signed HTTP), "console" (the web console) or "admin"
    # (the admin API; only its refused bearer tokens are recorded, AdminTokenRefused).
    channel: str = "api"
    # How many calls the record stands for: 1, or the refused attempts at a secret from one
    # source in one window, gathered by FailureTally.
    count: int = 1
    # An AWS write's clientToken and the digest of its members (``Claim``): the record of the
    # change claims the token, so a replay finds it and a second first request cannot commit.
    claim: Claim | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A clientToken, claimed by the write that committed with it; unique per account and
    operation. ``digest`` stands for the request's members, to tell a replay from a reuse."""

    token: str
    digest: str

    def check_replay(self, digest: str, operation: str) -> None:
        """A later request with this token must repeat the first one's members; another
        request reusing the token is refused, as AWS refuses it."""
        if digest != self.digest:
            raise IdempotentParameterMismatch(operation)


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
    # The operations of one wire API: a second API names its own "NAMESPACE:Name" (the AWS
    # edge's "aws:CreateResourceShare"); "" matches the names with no namespace (Huawei's API,
    # the console's and the operator's own).
    namespace: str | None = None


# Refused attempts at a secret are recorded per source, operation and outcome and per window.
FAILURE_WINDOW: Millis = 60 * SECOND
# Sources with a window open at once; past it every open window is closed early.
MAX_OPEN_WINDOWS = 10_000
# Records of a window's first refusal written in one window's time, across all sources; past
# it a new source's refusals are counted in one record whose source is MANY_SOURCES.
MAX_FIRST_RECORDS = 100
MANY_SOURCES = "many"


@dataclass(slots=True)
class _Window:
    opened: Millis
    rest: AuditRecord | None = None  # the latest refusal after the first, with the count


class FailureTally:
    """Refused attempts at a secret (sign-ins, the admin token), recorded in aggregate so a
    guesser cannot grow the audit trail without bound: the first of a window (per channel,
    source, operation and outcome) is recorded at once, the rest are counted and recorded as
    one record (its ``count``) when the window closes: at the next refusal, or at the app's
    periodic sweep. A source is its network prefix (``domain.sources``), so at most two records
    per /24 or /64 and window; and at most ``MAX_FIRST_RECORDS`` firsts are written per window's
    time across all sources, the refusals of further sources counted in one record whose source
    is ``MANY_SOURCES``. Used from the event loop only."""

    def __init__(self, window: Millis = FAILURE_WINDOW) -> None:
        self.window = window
        self._open: dict[tuple[str, str, str, str], _Window] = {}
        self._firsts_since: Millis | None = None  # when the current count of firsts began
        self._firsts = 0
        self._unwritten: list[AuditRecord] = []  # records whose write failed, to try again

    def note(self, record: AuditRecord) -> list[AuditRecord]:
        """The records to write now: this one when it is the first of its window (after the
        count of the window it ends, if that was not yet written); none when it is counted."""
        key = (record.channel, group_of(record.source_address), record.operation, record.outcome)
        found = self._open.get(key)
        if (found is None or record.at - found.opened >= self.window) and self._crowded(record.at):
            # Too many firsts lately: counted among the many, never written on its own.
            record = replace(record, source_address=MANY_SOURCES)
            key = (record.channel, MANY_SOURCES, record.operation, record.outcome)
            found = self._open.get(key)
            ended = None
            if found is None or record.at - found.opened >= self.window:
                self._open.pop(key, None)
                ended = found.rest if found is not None else None
                found = self._open[key] = _Window(record.at)
            self._count(found, record)
            return [] if ended is None else [ended]
        if found is None or record.at - found.opened >= self.window:
            self._firsts += 1
            # Kept in the order windows open, so ``closed`` reads only the ones that ended.
            self._open.pop(key, None)
            self._open[key] = _Window(record.at)
            ended = found.rest if found is not None else None
            return [record] if ended is None else [ended, record]
        self._count(found, record)
        return []

    def _crowded(self, now: Millis) -> bool:
        """Whether a window's time has seen ``MAX_FIRST_RECORDS`` firsts already."""
        if self._firsts_since is None or now - self._firsts_since >= self.window:
            self._firsts_since, self._firsts = now, 0
        return self._firsts >= MAX_FIRST_RECORDS

    @staticmethod
    def _count(found: _Window, record: AuditRecord) -> None:
        if found.rest is None:
            found.rest = replace(record, count=1)
            return
        same_key = found.rest.access_key == record.access_key
        same_source = found.rest.source_address == record.source_address
        found.rest = replace(
            record,
            count=found.rest.count + 1,
            access_key=record.access_key if same_key else "",
            source_address=record.source_address
            if same_source
            else group_of(record.source_address),
        )

    def clear(self) -> None:
        """Drops every open window and unwritten record, as in a new tally."""
        self._open.clear()
        self._firsts_since, self._firsts = None, 0
        self._unwritten = []

    def keep(self, records: list[AuditRecord]) -> None:
        """Takes back ``records`` whose write failed: ``closed`` returns them again (the oldest
        dropped past MAX_OPEN_WINDOWS, so a database gone for long cannot grow memory)."""
        self._unwritten = (self._unwritten + records)[-MAX_OPEN_WINDOWS:]

    def closed(self, now: Millis) -> list[AuditRecord]:
        """The counts of the windows that have closed by ``now`` (all of them when too many
        are open), and any record whose write failed, each to be written once; forgets them."""
        crowded = len(self._open) > MAX_OPEN_WINDOWS
        records, self._unwritten = self._unwritten, []
        while self._open:
            key, oldest = next(iter(self._open.items()))
            if not crowded and now - oldest.opened < self.window:
                break  # every later window opened later still
            del self._open[key]
            if oldest.rest is not None:
                records.append(oldest.rest)
        return records

    @property
    def pending(self) -> bool:
        return bool(self._open or self._unwritten)
