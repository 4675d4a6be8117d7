"""What one PostgreSQL primary costs per write and where it stops (docs/scaling.md).

    python bench/primary_limit.py --postgres URL [--batch 200] [--seconds 5] [--clients 1,4,16]

URL names a fresh database of your own: the bench migrates it, makes accounts and shares there
and a table of its own for the floor (``bench_floor``). Two parts, in one run:

- Per use case (create a share naming one account and one subnet, accept its invitation,
  associate one more subnet): the statements each sends and the round trips they take (a
  pipeline is one; the unit of work's own hooks), the rows
  it writes per table (``pg_stat_user_tables``, read after the measured batch's connections
  closed, since a backend reports its counts when it ends) and the WAL it writes
  (``pg_stat_wal``: the whole server's, exact only on a server nobody else writes to).
- At the limit: N threads in this process, each looping create then accept through the
  services (two writing transactions a loop), for ``--seconds``; against the floor, the same
  threads each committing one bare INSERT per transaction on the same database, measured in
  the same run. Variants at the largest N: every thread creating for one owner (the owner's
  account row is locked for the share quota), and the outbox's ``LOCK TABLE events`` replaced
  by a ``SELECT 1`` (same round trips, no serialization; a measurement only, which gives up
  the feed's commit order). The database's CPU per write is read from /proc for the
  database's backends when it runs on this machine.

The last line is one JSON object."""

from __future__ import annotations

import argparse
import base64
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from sharekeeper.bootstrap import build_runtime
from sharekeeper.config import Settings
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.audit import AuditRecord, PendingAudit
from sharekeeper.domain.invitations import InvitationQuery
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.quotas import QUOTA_MAX, Quotas
from sharekeeper.services import associations, identity, invitations, shares
from sharekeeper.services.context import Context
from sharekeeper.store import events
from sharekeeper.store.engine import driver_url
from sharekeeper.store.transaction import watching, watching_round_trips

PAGE = PageRequest(10, None)
# Clock ticks of /proc/PID/stat.
TICKS = os.sysconf("SC_CLK_TCK")


def settings(url: str, pool_size: int) -> Settings:
    return Settings(
        data_dir=Path("/tmp"),
        database_url=url,
        master_key=MASTER_KEY,
        db_pool_size=pool_size,
        quotas=Quotas(
            resource_share=QUOTA_MAX,
            resource_association=QUOTA_MAX,
            principal_association=QUOTA_MAX,
        ),
    )


MASTER_KEY = base64.b64encode(os.urandom(32)).decode()


def audited(ctx: Context, caller: Caller, operation: str) -> Context:
    """The context a request's write runs in: its audit record is written with the change."""
    record = AuditRecord(0, caller.account_id, caller.access_key, operation, "bench", "")
    return ctx.scoped(PendingAudit(record), None)


def account(ctx: Context, name: str) -> Caller:
    made, key = identity.create_account(ctx, name)
    return Caller(made.id, key.access_key)


def subnet(owner: Caller, name: str) -> str:
    return f"vpc:cn-north-4:{owner.account_id}:subnet:{name}"


def create(ctx: Context, owner: Caller, receiver: Caller, name: str) -> str:
    share = shares.create_resource_share(
        audited(ctx, owner, "CreateResourceShare"),
        owner,
        name=name,
        principals=[receiver.account_id],
        resource_urns=[subnet(owner, name)],
    )
    return share.id


def pending_invitation(ctx: Context, receiver: Caller, share_id: str) -> str:
    query = InvitationQuery(share_ids=(share_id,))
    (invitation,) = invitations.search_invitations(ctx, receiver, query, PAGE).items
    return invitation.id


def accept(ctx: Context, receiver: Caller, invitation_id: str) -> None:
    invitations.accept_invitation(
        audited(ctx, receiver, "AcceptResourceShareInvitation"), receiver, invitation_id
    )


def associate(ctx: Context, owner: Caller, share_id: str, name: str) -> None:
    associations.associate_resource_share(
        audited(ctx, owner, "AssociateResourceShare"),
        owner,
        share_id,
        resource_urns=[subnet(owner, name)],
    )


# -- per use case -----------------------------------------------------------------------------


def table_writes(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"
        ).fetchall()
    return {name: int(count) for name, count in rows}


def wal(conninfo: str) -> tuple[int, int, int]:
    """The server's WAL bytes, records and full-page images so far."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        row = connection.execute(
            "SELECT wal_bytes, wal_records, wal_fpi FROM pg_stat_wal"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def per_use_case(url: str, conninfo: str, batch: int) -> dict[str, Any]:
    """Each use case's batch runs on a runtime of its own, closed before the counts are read."""
    prepared = build_runtime(settings(url, 2))
    ctx = prepared.context
    owner, receiver = account(ctx, "owner"), account(ctx, "receiver")
    made = [create(ctx, owner, receiver, f"prep-{i}") for i in range(batch)]
    waiting = [pending_invitation(ctx, receiver, share_id) for share_id in made]
    prepared.close()
    cases: dict[str, Callable[[Context, int], object]] = {
        "create": lambda c, i: create(c, owner, receiver, f"case-{i}"),
        "accept": lambda c, i: accept(c, receiver, waiting[i]),
        "associate": lambda c, i: associate(c, owner, made[i], f"more-{i}"),
    }
    figures: dict[str, Any] = {}
    for name, run in cases.items():
        runtime = build_runtime(settings(url, 2), upgrade=False)
        before_rows, before_wal = table_writes(conninfo), wal(conninfo)
        seen: Counter[str] = Counter()
        trips: list[int] = []

        def counted(sql: str, seen: Counter[str] = seen) -> None:
            seen.update([sql.split()[0].upper()])

        with watching(counted), watching_round_trips(trips.append):
            for i in range(batch):
                run(runtime.context, i)
        runtime.close()
        after_wal = wal(conninfo)
        # Backends report their counts as they end; a bounded wait for the last of them.
        after_rows = table_writes(conninfo)
        for _ in range(50):
            if sum(after_rows.values()) > sum(before_rows.values()):
                break
            time.sleep(0.1)
            after_rows = table_writes(conninfo)
        rows = {
            table: round((after_rows[table] - before_rows.get(table, 0)) / batch, 2)
            for table in sorted(after_rows)
            if after_rows[table] != before_rows.get(table, 0)
        }
        figures[name] = {
            "statements": {kind: round(n / batch, 2) for kind, n in sorted(seen.items())},
            "round_trips": round(len(trips) / batch, 2),
            "rows_written": rows,
            "rows_written_total": round(sum(rows.values()), 2),
            "wal_bytes": round((after_wal[0] - before_wal[0]) / batch),
            "wal_records": round((after_wal[1] - before_wal[1]) / batch, 1),
            "wal_full_page_images": round((after_wal[2] - before_wal[2]) / batch, 2),
        }
    return figures


# -- at the limit -----------------------------------------------------------------------------


def backend_cpu_seconds(conninfo: str, database: str) -> float | None:
    """CPU used so far by the database's backends (None when the server is not local)."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        pids = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        ]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def timed(
    threads: int, seconds: float, loop: Callable[[int, Callable[[], bool]], int]
) -> tuple[int, list[str]]:
    """Runs ``loop(thread, going)`` in ``threads`` threads until ``seconds`` pass; returns the
    writes they counted and the errors met (a benchmark meeting one reports it)."""
    deadline = time.monotonic() + seconds
    counts = [0] * threads
    errors: list[str] = []

    def going() -> bool:
        return time.monotonic() < deadline

    def run(index: int) -> None:
        try:
            counts[index] = loop(index, going)
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 60)
    return sum(counts), errors


def sharekeeper_rate(
    url: str, conninfo: str, database: str, threads: int, seconds: float, one_owner: bool
) -> dict[str, Any]:
    runtime = build_runtime(settings(url, threads), upgrade=False)
    ctx = runtime.context
    receiver = account(ctx, "limit-receiver")
    owners = [account(ctx, f"limit-owner-{i}") for i in range(1 if one_owner else threads)]
    tag = os.urandom(4).hex()

    def loop(index: int, going: Callable[[], bool]) -> int:
        owner = owners[0 if one_owner else index]
        writes = 0
        n = 0
        while going():
            n += 1
            share_id = create(ctx, owner, receiver, f"limit-{tag}-{index}-{n}")
            accept(ctx, receiver, pending_invitation(ctx, receiver, share_id))
            writes += 2
        return writes

    # The pool's connections are opened before the clock starts.
    timed(threads, 0.5, loop)
    cpu_before = backend_cpu_seconds(conninfo, database)
    started = time.monotonic()
    writes, errors = timed(threads, seconds, loop)
    elapsed = time.monotonic() - started
    cpu_after = backend_cpu_seconds(conninfo, database)
    runtime.close()
    return rate(writes, elapsed, errors, cpu_before, cpu_after)


# The floor's transactions: one bare INSERT in autocommit (as a bare app's request would), and
# the outbox's shape, BEGIN, the LOCK or a SELECT 1 in its place, INSERT, COMMIT, which tells
# apart what the lock costs from what the extra round trips cost.
FLOORS = {
    "bare": (),
    "txn": ("SELECT 1",),
    "locked": ("LOCK TABLE bench_floor IN SHARE ROW EXCLUSIVE MODE",),
}


def floor_rate(
    conninfo: str, database: str, threads: int, seconds: float, shape: str
) -> dict[str, Any]:
    connections = [psycopg.connect(conninfo, autocommit=True) for _ in range(threads)]
    connections[0].execute(
        "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, v text NOT NULL)"
    )
    before = FLOORS[shape]

    def loop(index: int, going: Callable[[], bool]) -> int:
        connection = connections[index]
        writes = 0
        while going():
            if shape == "bare":
                connection.execute("INSERT INTO bench_floor (v) VALUES (%s)", ("x" * 64,))
            else:
                with connection.transaction():
                    for statement in before:
                        connection.execute(statement)
                    connection.execute("INSERT INTO bench_floor (v) VALUES (%s)", ("x" * 64,))
            writes += 1
        return writes

    cpu_before = backend_cpu_seconds(conninfo, database)
    started = time.monotonic()
    writes, errors = timed(threads, seconds, loop)
    elapsed = time.monotonic() - started
    cpu_after = backend_cpu_seconds(conninfo, database)
    for connection in connections:
        connection.close()
    return rate(writes, elapsed, errors, cpu_before, cpu_after)


def rate(
    writes: int, elapsed: float, errors: list[str], before: float | None, after: float | None
) -> dict[str, Any]:
    if errors:
        return {"error": errors[0], "errors": len(errors)}
    figures: dict[str, Any] = {"writes_per_s": round(writes / elapsed, 1), "writes": writes}
    if before is not None and after is not None and writes:
        figures["db_cpu_ms_per_write"] = round((after - before) * 1000 / writes, 3)
    return figures


def ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    if "writes_per_s" not in a or "writes_per_s" not in b or not b["writes_per_s"]:
        return None
    rate: float = a["writes_per_s"] / b["writes_per_s"]
    return round(rate, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", required=True, help="a fresh database of your own")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", default="1,4,16")
    args = parser.parse_args()
    url = args.postgres
    conninfo = driver_url(url).replace("postgresql+psycopg", "postgresql", 1)
    database = conninfo.rsplit("/", 1)[1].split("?")[0]
    clients = [int(n) for n in args.clients.split(",")]
    report: dict[str, Any] = {"per_use_case": per_use_case(url, conninfo, args.batch)}
    print(json.dumps(report["per_use_case"], indent=1), flush=True)
    limit: dict[str, Any] = {}
    for n in clients:
        for shape in FLOORS:
            limit[f"floor_{shape}_{n}"] = floor_rate(conninfo, database, n, args.seconds, shape)
        limit[f"ratio_locked_to_txn_{n}"] = ratio(
            limit[f"floor_locked_{n}"], limit[f"floor_txn_{n}"]
        )
        limit[f"sharekeeper_{n}"] = sharekeeper_rate(
            url, conninfo, database, n, args.seconds, False
        )
        limit[f"ratio_to_floor_{n}"] = ratio(limit[f"sharekeeper_{n}"], limit[f"floor_bare_{n}"])
        print(n, {k: v for k, v in limit.items() if k.endswith(f"_{n}")}, flush=True)
    most = clients[-1]
    limit[f"one_owner_{most}"] = sharekeeper_rate(url, conninfo, database, most, args.seconds, True)
    # A measurement only: without the lock the feed's cursor could skip a late commit.
    events._LOCK = "SELECT 1"
    limit[f"no_outbox_lock_{most}"] = sharekeeper_rate(
        url, conninfo, database, most, args.seconds, False
    )
    limit["ratio_one_owner"] = ratio(limit[f"one_owner_{most}"], limit[f"sharekeeper_{most}"])
    limit["ratio_no_outbox_lock"] = ratio(
        limit[f"no_outbox_lock_{most}"], limit[f"sharekeeper_{most}"]
    )
    report["limit"] = limit
    report["cores"] = os.cpu_count()
    report["load_average"] = os.getloadavg()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
