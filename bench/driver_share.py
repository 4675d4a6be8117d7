"""How much of a request's CPU the database driver takes, beside the floor's whole statement.

The accept and the search run one at a time through the ASGI app in this process (no HTTP
server, no load generator, as `bench/inprocess.py` runs them); each request's process CPU time
is measured, and so is the CPU spent inside the unit of work's statement calls (every method
of `Transaction` that runs a statement: the driver's work, psycopg's or sqlite3's, with
Transaction's own bookkeeping around it; the wait for an answer costs no CPU). On uvloop, as
uvicorn runs the server. Then, on the same database and connection
kind, the floor's statement (`bench/floor.py`: one UPDATE in autocommit, one SELECT) is run
the same number of times through the same driver, alone.

What it tells: the driver's part of ShareKeeper's request against the floor's whole statement,
both measured in this run. On PostgreSQL the floor's HTTP rate bounds what any design of
ShareKeeper's accept can reach whose driver part alone costs more than the floor's request
(docs/performance.md, "What the PostgreSQL targets ask of the driver").

    python bench/driver_share.py [--database URL] [--rounds N]"""

from __future__ import annotations

import argparse
import atexit
import base64
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvloop

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import floor  # noqa: E402
import seed  # noqa: E402
from inprocess import PORT, call, parse  # noqa: E402
from run import Caller  # noqa: E402

from sharekeeper.app import create_app  # noqa: E402
from sharekeeper.bootstrap import build_runtime  # noqa: E402
from sharekeeper.config import Settings  # noqa: E402
from sharekeeper.logs import configure_logging  # noqa: E402
from sharekeeper.services import identity  # noqa: E402
from sharekeeper.store.transaction import Transaction  # noqa: E402

# Transaction's methods that run statements (each one's driver work is counted once).
STATEMENT_CALLS = (
    "begin",
    "commit",
    "rollback",
    "open_unit",
    "close_unit",
    "command",
    "send",
    "send_command",
    "batch",
    "fenced",
    "rows",
    "first",
    "rowcount",
    "execute",
)


class DriverClock:
    """CPU time spent inside the unit of work's driver calls; a call made from inside another
    (a queued pipeline sent by ``_cursor``) is counted once."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._depth = 0

    def wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return method(*args, **kwargs)
            self._depth += 1
            self.calls += 1
            started = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - started
                self._depth -= 1

        return timed


async def floor_cpu(url: str, sqlite_path: str, receiver: str, ids: list[str]) -> dict[str, float]:
    """CPU µs of the floor's UPDATE (one per pending invitation of ``ids``) and SELECT."""
    search, accept = floor.SEARCH, floor.ACCEPT
    results: dict[str, float] = {}
    if sqlite_path:
        connection = sqlite3.connect(sqlite_path, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        started = time.process_time()
        for invitation in ids:
            connection.execute("BEGIN IMMEDIATE")
            if connection.execute(accept, (invitation,)).rowcount != 1:
                raise SystemExit("the floor's accept found no pending invitation")
            connection.execute("COMMIT")
        results["accept"] = time.process_time() - started
        started = time.process_time()
        for _ in ids:
            connection.execute(search, (receiver,)).fetchall()
        results["search"] = time.process_time() - started
        connection.close()
    else:
        import psycopg

        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            started = time.process_time()
            for invitation in ids:
                cursor = await conn.execute(accept.replace("?", "%s"), (invitation,))
                if cursor.rowcount != 1:
                    raise SystemExit("the floor's accept found no pending invitation")
            results["accept"] = time.process_time() - started
            started = time.process_time()
            for _ in ids:
                await (await conn.execute(search.replace("?", "%s"), (receiver,))).fetchall()
            results["search"] = time.process_time() - started
    return {name: seconds / len(ids) * 1e6 for name, seconds in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="", help="a database URL (default: SQLite)")
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sharekeeper-driver-"))
    # Its database and master key go with the run (a run of many rounds leaves megabytes).
    atexit.register(shutil.rmtree, work, True)
    sqlite_path = "" if args.database else str(work / "bench.db")
    url = args.database or f"sqlite:///{sqlite_path}"
    settings = Settings(
        data_dir=work, database_url=url, master_key=base64.b64encode(os.urandom(32)).decode()
    )
    runtime = build_runtime(settings)
    ctx = runtime.context
    owner, _ = identity.create_account(ctx, "driver-owner")
    receiver_account, receiver_key = identity.create_account(ctx, "driver-receiver")
    # Half for ShareKeeper's accepts, half for the floor's; each answers pending ones only.
    ids = seed.seed_invitations(runtime.engine, owner.id, receiver_account.id, 2 * args.rounds + 50)
    mine, theirs = ids[: args.rounds + 50], ids[args.rounds + 50 :]
    receiver = Caller(receiver_account.id, receiver_key.access_key, receiver_key.secret_key, PORT)
    configure_logging("json", "info", open(os.devnull, "w"))  # noqa: SIM115
    app = create_app(settings, runtime=runtime)
    clock = DriverClock()
    for name in STATEMENT_CALLS:
        setattr(Transaction, name, clock.wrap(getattr(Transaction, name)))
    searched = parse(
        receiver.signed("POST", "/v1/resource-share-invitations/search", b'{"limit": 50}')
    )
    accepts = [
        parse(receiver.signed("POST", f"/v1/resource-share-invitations/{i}/accept")) for i in mine
    ]

    async def drive(requests: list[tuple[dict[str, Any], bytes]]) -> tuple[float, float, float]:
        """CPU µs a request, of it in the driver, and driver calls a request."""
        clock.seconds, clock.calls = 0.0, 0
        started = time.process_time()
        for scope, body in requests:
            status = await call(app, dict(scope), body)
            if status >= 300:
                raise SystemExit(f"status {status}")
        spent = time.process_time() - started
        n = len(requests)
        return spent / n * 1e6, clock.seconds / n * 1e6, clock.calls / n

    async def everything() -> dict[str, Any]:
        await drive(accepts[:50])  # warm up
        accept = await drive(accepts[50:])
        await drive([searched] * 50)
        search = await drive([searched] * args.rounds)
        bare = await floor_cpu(floor_url, sqlite_path, receiver_account.id, theirs)
        report: dict[str, Any] = {"database": runtime.engine.dialect.name}
        for name, (cpu, driver, calls) in (("accept", accept), ("search", search)):
            report[name] = {
                "cpu_us": round(cpu),
                "driver_us": round(driver),
                "driver_calls": round(calls, 1),
                "floor_statement_us": round(bare[name]),
                "driver_to_floor_statement": round(driver / bare[name], 2),
            }
        return report

    floor_url = args.database.replace("postgresql+psycopg", "postgresql", 1)
    report = uvloop.run(everything())
    runtime.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
