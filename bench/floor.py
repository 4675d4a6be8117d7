"""The floor: a bare Starlette app doing the same SQL statement as ShareKeeper's operation and
answering a body of the same size, with no signature check, no validation, no audit. What is
left between it and ShareKeeper is what ShareKeeper itself costs."""

from __future__ import annotations

import json
import os
import sqlite3

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DATABASE = os.environ.get("FLOOR_SQLITE", "")
RECEIVER = os.environ.get("FLOOR_RECEIVER", "")
_connection = sqlite3.connect(DATABASE, isolation_level=None, check_same_thread=False)
_connection.execute("PRAGMA journal_mode=WAL")
_connection.execute("PRAGMA synchronous=FULL")
_connection.execute("PRAGMA busy_timeout=15000")

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
    invitation = request.path_params["invitation_id"]
    _connection.execute("BEGIN IMMEDIATE")
    changed = _connection.execute(
        "UPDATE invitations SET status = 'accepted' WHERE id = ? AND status = 'pending'",
        (invitation,),
    ).rowcount
    _connection.execute("COMMIT")
    # Like ShareKeeper, an invitation no longer pending is refused: only real accepts count.
    if not changed:
        return Response(b'{"error_code": "RAM.9301"}', status_code=400)
    return Response(INVITATION_BODY, media_type="application/json")


async def search(request: Request) -> Response:
    await request.body()
    rows = _connection.execute(
        "SELECT id, resource_share_id, sender_account_id, receiver_account_id, status, "
        "created_at, updated_at FROM invitations WHERE receiver_account_id = ? "
        "ORDER BY seq LIMIT 51",
        (RECEIVER,),
    ).fetchall()
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
