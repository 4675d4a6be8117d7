"""What the change feed's outbox costs a write: statements and time per create (a share with a
principal and a resource: five events) and per accept (two events), with the outbox and
without it, measured in one run, alternating; and on PostgreSQL, how long concurrent writers
wait on the outbox's table lock (store/events.py). Through the service layer in one process,
no HTTP: what is measured is the unit of work's part.

The baseline turns the outbox off by replacing the unit of work's event writing with nothing,
here only: ShareKeeper has no setting for it (an acknowledged change always has its event).

    python bench/outbox.py [--postgres URL_OF_A_FRESH_DATABASE] [--count N] [--writers N]"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.config import Settings
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.audit import AuditRecord
from sharekeeper.domain.events import Change
from sharekeeper.domain.invitations import InvitationQuery
from sharekeeper.domain.paging import MAX_LIMIT, PageRequest
from sharekeeper.domain.quotas import QUOTA_MAX, Quotas
from sharekeeper.services import identity, invitations, shares
from sharekeeper.store import events as outbox
from sharekeeper.store import transaction
from sharekeeper.store.unit_of_work import UnitOfWork

ROUNDS = 4


@contextlib.contextmanager
def without_outbox() -> Iterator[None]:
    """The baseline: units of work write no events (bench only)."""
    kept = UnitOfWork._write_events

    def audit_only(self: UnitOfWork, changes: list[Change], record: AuditRecord | None) -> None:
        # The unit's audit record travels with its events (store/events.py): kept alone.
        if record is not None:
            self.audit.add(record)

    UnitOfWork._write_events = audit_only  # type: ignore[method-assign]
    try:
        yield
    finally:
        UnitOfWork._write_events = kept  # type: ignore[method-assign]


class LockWaits:
    """The time each outbox lock statement took when run on its own. Before issue 26 that was
    LOCK TABLE events, a writer's wait for the writers ahead of it to commit; the writers'
    lock is now shared and travels in the commit's pipeline (store/events.py), so there is
    no such wait to time and none is reported."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def timing(self) -> Iterator[None]:
        kept = transaction.Transaction.command

        def command(tx: transaction.Transaction, sql: str) -> None:
            if sql != outbox._LOCK:
                return kept(tx, sql)
            began = time.perf_counter()
            kept(tx, sql)
            with self._guard:
                self.seconds.append(time.perf_counter() - began)

        transaction.Transaction.command = command  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            transaction.Transaction.command = kept  # type: ignore[method-assign]


def account(runtime: Runtime, name: str) -> Caller:
    made, key = identity.create_account(runtime.context, name)
    return Caller(made.id, key.access_key)


def creates(runtime: Runtime, owner: Caller, receiver: Caller, count: int) -> list[str]:
    """``count`` shares, each with ``receiver`` invited and one subnet; their invitations."""
    ctx = runtime.context
    made = []
    for n in range(count):
        urn = f"vpc:cn-north-4:{owner.account_id}:subnet:outbox-{time.monotonic_ns()}-{n}"
        share = shares.create_resource_share(
            ctx, owner, name=f"outbox-{n}", principals=[receiver.account_id], resource_urns=[urn]
        )
        made.append(share.id)
    return made


def pending(runtime: Runtime, receiver: Caller, share_ids: list[str]) -> list[str]:
    """The receiver's invitation to each share, in the shares' order."""
    found: dict[str, str] = {}
    for start in range(0, len(share_ids), 100):
        query = InvitationQuery(share_ids=tuple(share_ids[start : start + 100]))
        page = invitations.search_invitations(
            runtime.context, receiver, query, PageRequest(limit=MAX_LIMIT)
        )
        found |= {i.resource_share_id: i.id for i in page.items}
    return [found[s] for s in share_ids]


class Meter:
    """Microseconds and statements per write of the block it times."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.statements = 0
        self.seconds = 0.0

    @contextlib.contextmanager
    def timing(self) -> Iterator[Meter]:
        with transaction.watching(self._count):
            began = time.perf_counter()
            yield self
            self.seconds = time.perf_counter() - began

    def _count(self, sql: str) -> None:
        self.statements += 1

    @property
    def us(self) -> float:
        return self.seconds / self.count * 1e6

    @property
    def per_write(self) -> float:
        return self.statements / self.count


def sequential(runtime: Runtime, count: int) -> dict[str, Any]:
    """Creates and accepts one at a time, with and without the outbox, alternating rounds."""
    ctx = runtime.context
    owner, receiver = account(runtime, "owner"), account(runtime, "receiver")
    names = ("create_us", "create_statements", "accept_us", "accept_statements")
    figures: dict[str, dict[str, list[float]]] = {
        mode: {name: [] for name in names} for mode in ("outbox", "baseline")
    }
    for _ in range(ROUNDS):
        for mode in ("outbox", "baseline"):
            switch = without_outbox() if mode == "baseline" else contextlib.nullcontext()
            with switch:
                with Meter(count).timing() as made:
                    share_ids = creates(runtime, owner, receiver, count)
                ids = pending(runtime, receiver, share_ids)
                with Meter(count).timing() as answered:
                    for invitation_id in ids:
                        invitations.accept_invitation(ctx, receiver, invitation_id)
            values = (made.us, made.per_write, answered.us, answered.per_write)
            for name, value in zip(names, values, strict=True):
                figures[mode][name].append(value)
    report: dict[str, Any] = {}
    for mode, measured in figures.items():
        report[mode] = {name: round(statistics.median(v), 1) for name, v in measured.items()}
    for name in ("create_us", "accept_us"):
        # The outbox's cost: 1.10 means 10 % slower than without it.
        report[f"{name}_ratio"] = round(report["outbox"][name] / report["baseline"][name], 3)
    return report


def _writes(
    runtime: Runtime, owner: Caller, receiver: Caller, count: int, failures: list[BaseException]
) -> None:
    try:
        creates(runtime, owner, receiver, count)
    except Exception as failure:  # a benchmark meeting an error reports it
        failures.append(failure)


def concurrent(runtime: Runtime, writers: int, count: int) -> dict[str, Any]:
    """``writers`` threads creating shares at once (one owner each), with and without the
    outbox: creates per second, and the LOCK TABLE waits."""
    pairs = [(account(runtime, "owner"), account(runtime, "receiver")) for _ in range(writers)]
    report: dict[str, Any] = {}
    for mode in ("outbox", "baseline", "outbox"):
        waits = LockWaits()
        failures: list[BaseException] = []

        switch = without_outbox() if mode == "baseline" else contextlib.nullcontext()
        with switch, waits.timing():
            threads = [
                threading.Thread(target=_writes, args=(runtime, *pair, count, failures))
                for pair in pairs
            ]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            spent = time.perf_counter() - began
        if failures:
            return {"error": f"{type(failures[0]).__name__}: {failures[0]}"}
        result: dict[str, Any] = {"creates_per_s": round(writers * count / spent, 1)}
        if waits.seconds:
            ordered = sorted(waits.seconds)
            result["lock_wait_ms_p50"] = round(ordered[len(ordered) // 2] * 1e3, 2)
            result["lock_wait_ms_p99"] = round(ordered[int(len(ordered) * 0.99)] * 1e3, 2)
            result["lock_wait_share_of_time"] = round(sum(ordered) / (spent * writers), 3)
        report.setdefault(mode, []).append(result)
    outbox_rate = statistics.mean(r["creates_per_s"] for r in report["outbox"])
    report["creates_per_s_ratio"] = round(outbox_rate / report["baseline"][0]["creates_per_s"], 3)
    return report


def measure(database_url: str, work: Path, count: int, writers: int) -> dict[str, Any]:
    settings = Settings(
        data_dir=work, database_url=database_url, quotas=Quotas(resource_share=QUOTA_MAX)
    )
    runtime = build_runtime(settings)
    try:
        report = {"sequential": sequential(runtime, count)}
        if not runtime.connections.backend.embedded:
            report["concurrent"] = concurrent(runtime, writers, count)
        return report
    except Exception as failure:
        return {"error": f"{type(failure).__name__}: {failure}"}
    finally:
        runtime.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="the URL of a fresh PostgreSQL database to fill")
    parser.add_argument("--count", type=int, default=200, help="writes per round")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers (PostgreSQL)")
    options = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sharekeeper-outbox-") as work:
        sqlite = f"sqlite:///{Path(work) / 'outbox.db'}"
        report["sqlite"] = measure(sqlite, Path(work), options.count, options.writers)
        if options.postgres:
            report["postgresql"] = measure(
                options.postgres, Path(work), options.count, options.writers
            )
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
