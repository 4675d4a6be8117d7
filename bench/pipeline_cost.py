"""What an accept-shaped write unit costs the client's CPU on PostgreSQL: its statements sent
in two psycopg pipelines (``async with connection.pipeline()``, as ``Transaction`` sent them),
against the same statements driven through libpq's pipeline mode by hand (psycopg's public
``psycopg.pq`` wrapper and ``psycopg.adapt.Transformer``), with one wait a round trip.

The unit, as the accept sends it: ``[BEGIN READ WRITE, SELECT ... FOR UPDATE, UPDATE ...
RETURNING]`` then ``[INSERT, COMMIT]``, on 8 asyncio connections at once (each on a row of its
own: no lock waits), on uvloop as uvicorn runs the server. psycopg prepares a statement
server-side after its fifth use; the hand-driven pipeline prepares it at its first. CPU is the
process's (``time.process_time``: user and system) over every unit of a run, divided by the
units; the two ways alternate, ``--runs`` times each.

    python bench/pipeline_cost.py --database URL [--units N] [--runs N] [--way psycopg|libpq]"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import psycopg
import uvloop

from sharekeeper.store.pipeline import Pipeline

CONNECTIONS = 8
SETUP = (
    "DROP TABLE IF EXISTS pipeline_cost_share, pipeline_cost_event",
    "CREATE TABLE pipeline_cost_share (id INTEGER PRIMARY KEY, status VARCHAR NOT NULL)",
    "CREATE TABLE pipeline_cost_event (seq BIGSERIAL PRIMARY KEY, share INTEGER, body TEXT)",
    "INSERT INTO pipeline_cost_share SELECT g, 'pending' FROM generate_series(0, 7) AS g",
)
BEGIN = "BEGIN READ WRITE"
LOCK = "SELECT status FROM pipeline_cost_share WHERE id = %(id)s FOR UPDATE"
ANSWER = (
    "UPDATE pipeline_cost_share SET status = %(status)s::VARCHAR WHERE id = %(id)s "
    "RETURNING id, status"
)
RECORD = "INSERT INTO pipeline_cost_event (share, body) VALUES (%(id)s, %(body)s)"
COMMIT = "COMMIT"


async def psycopg_units(connection: psycopg.AsyncConnection[Any], row: int, units: int) -> None:
    cursors = [connection.cursor() for _ in range(3)]
    for unit in range(units):
        values = {"id": row, "status": "accepted" if unit % 2 else "pending"}
        async with connection.pipeline():
            await cursors[0].execute(BEGIN, None)
            await cursors[1].execute(LOCK, values)
            await cursors[2].execute(ANSWER, values)
        rows = (await cursors[1].fetchall(), await cursors[2].fetchall())
        assert rows[1][0][0] == row
        async with connection.pipeline():
            await cursors[0].execute(RECORD, {"id": row, "body": "accepted"})
            await cursors[0].execute(COMMIT, None)


_pipelines: dict[int, Pipeline] = {}


async def libpq_units(connection: psycopg.AsyncConnection[Any], row: int, units: int) -> None:
    pipeline = _pipelines.setdefault(id(connection), Pipeline(connection))
    for unit in range(units):
        values = {"id": row, "status": "accepted" if unit % 2 else "pending"}
        answers = await pipeline.run(
            [(BEGIN, None), (LOCK, values), (ANSWER, values)], answered=range(1, 3)
        )
        assert answers[1].rows[0][0] == row
        await pipeline.run(
            [(RECORD, {"id": row, "body": "accepted"}), (COMMIT, None)], answered=range(0)
        )


async def run(url: str, way: str, units: int) -> float:
    connections = [
        await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(CONNECTIONS)
    ]
    try:
        body = psycopg_units if way == "psycopg" else libpq_units
        # A few units first: the connections' statements prepared, the tables in cache.
        await asyncio.gather(*(body(c, row, 10) for row, c in enumerate(connections)))
        start = time.process_time()
        await asyncio.gather(*(body(c, row, units) for row, c in enumerate(connections)))
        return (time.process_time() - start) / (units * CONNECTIONS) * 1e6
    finally:
        for connection in connections:
            _pipelines.pop(id(connection), None)
            await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL (a scratch database)")
    parser.add_argument("--units", type=int, default=500, help="units per connection a run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--way", choices=("psycopg", "libpq"), action="append")
    arguments = parser.parse_args()
    with psycopg.connect(arguments.database, autocommit=True) as setup:
        for statement in SETUP:
            setup.execute(statement)
    ways = arguments.way or ["psycopg", "libpq"]
    figures: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(arguments.runs):
        for way in ways:
            figures[way].append(uvloop.run(run(arguments.database, way, arguments.units)))
    for way, runs in figures.items():
        shown = ", ".join(f"{r:.0f}" for r in runs)
        print(f"{way:8} {statistics.median(runs):6.0f} µs a unit (runs: {shown})")


if __name__ == "__main__":
    main()
