"""The floor: a bare Starlette app doing the same SQL statement as ShareKeeper's operation and
answering a body of the same size, with no signature check, no validation, no audit. What is
left between it and ShareKeeper is what ShareKeeper itself costs.

On SQLite (FLOOR_SQLITE, a file) it runs each statement on one connection in the event loop, as
ShareKeeper does on SQLite; on PostgreSQL (FLOOR_POSTGRES, a URL) on a pool of asynchronous
psycopg connections, the fastest way Python has to PostgreSQL short of asyncpg."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SQLITE = os.environ.get("FLOOR_SQLITE", "")
POSTGRES = os.environ.get("FLOOR_POSTGRES", "")
RECEIVER = os.environ.get("FLOOR_RECEIVER", "")
ACCEPT = "UPDATE invitations SET status = 'accepted' WHERE id = ? AND status = 'pending'"
SEARCH = (
    "SELECT id, resource_share_id, sender_account_id, receiver_account_id, status, "
    "created_at, updated_at FROM invitations WHERE receiver_account_id = ? "
    "ORDER BY seq LIMIT 51"
)


class SqliteFloor:
    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute("PRAGMA busy_timeout=15000")

    async def accept(self, invitation: str) -> int:
        self.connection.execute("BEGIN IMMEDIATE")
        changed = self.connection.execute(ACCEPT, (invitation,)).rowcount
        self.connection.execute("COMMIT")
        return changed

    async def search(self, receiver: str) -> list[Any]:
        return self.connection.execute(SEARCH, (receiver,)).fetchall()


class PostgresFloor:
    def __init__(self, url: str, size: int = 8) -> None:
        self.url, self.size = url, size
        self.idle: asyncio.Queue[psycopg.AsyncConnection[Any]] | None = None

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if self.idle is None:
            self.idle = asyncio.Queue()
            for _ in range(self.size):
                self.idle.put_nowait(
                    await psycopg.AsyncConnection.connect(self.url, autocommit=True)
                )
        connection = await self.idle.get()
        try:
            yield connection
        finally:
            self.idle.put_nowait(connection)

    async def accept(self, invitation: str) -> int:
        async with self.connection() as connection:
            cursor = await connection.execute(ACCEPT.replace("?", "%s"), (invitation,))
            return cursor.rowcount

    async def search(self, receiver: str) -> list[Any]:
        async with self.connection() as connection:
            cursor = await connection.execute(SEARCH.replace("?", "%s"), (receiver,))
            return await cursor.fetchall()


FLOOR = PostgresFloor(POSTGRES) if POSTGRES else SqliteFloor(SQLITE)

INVITATION_BODY = json.dumps(
    {
        "resource_share_invitation": {
            "resource_share_invitation_id": "0" * 36,
            "resource_share_id": "0" * 36,
            "resource_share_name": "seed-0000",
            "sender_account_id": "0" * 32,
            "receiver_account_id": "0" * 32,
            "status": "accepted",
            "created_at": "2026-11-23T00:00:00.000Z",
            "updated_at": "2026-11-23T00:00:00.000Z",
        }
    }
).encode()


async def accept(request: Request) -> Response:
    changed = await FLOOR.accept(request.path_params["invitation_id"])
    # Like ShareKeeper, an invitation no longer pending is refused: only real accepts count.
    if not changed:
        return Response(b'{"error_code": "RAM.9301"}', status_code=400)
    return Response(INVITATION_BODY, media_type="application/json")


async def search(request: Request) -> Response:
    await request.body()
    rows = await FLOOR.search(RECEIVER)
    items = [
        {
            "resource_share_invitation_id": r[0],
            "resource_share_id": r[1],
            "resource_share_name": "seed",
            "sender_account_id": r[2],
            "receiver_account_id": r[3],
            "status": r[4],
            "created_at": str(r[5]),
            "updated_at": str(r[6]),
        }
        for r in rows[:50]
    ]
    body = {
        "resource_share_invitations": items,
        "page_info": {"current_count": len(items), "next_marker": "1"},
    }
    return Response(json.dumps(body).encode(), media_type="application/json")


app = Starlette(
    routes=[
        Route("/v1/resource-share-invitations/{invitation_id}/accept", accept, methods=["POST"]),
        Route("/v1/resource-share-invitations/search", search, methods=["POST"]),
    ]
)
