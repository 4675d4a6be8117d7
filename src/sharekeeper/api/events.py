"""GET /sharekeeper/v1/events: the change feed, read by cursor, with long polling
(docs/enforcement.md, "The change feed"). Signed by a service principal's key, or with the
admin token as a bearer (the operator reads every event).

Not an ``Operation``: a long poll waits on the event loop, between reads of the database,
which a use case run inline (SQLite) or in a worker thread must not do."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sharekeeper.api.admin import admit
from sharekeeper.api.errors import render_error
from sharekeeper.api.http.access import noted
from sharekeeper.api.http.endpoint import (
    Edge,
    decode_query,
    incoming_request,
    new_request_id,
    signed_caller,
)
from sharekeeper.auth.signing import query_pairs
from sharekeeper.domain.accounts import Caller
from sharekeeper.events.render import cloud_event, for_service
from sharekeeper.services.feed import FeedPage, read_events

PATH = "/sharekeeper/v1/events"
# How often a waiting reader looks for other processes' commits; this process's own wake it
# at once (the bell).
POLL_SECONDS = 0.5
WAIT_MOST = 30


class EventsQuery(Struct):
    after: Annotated[str, Meta(pattern=r"^[0-9]{1,18}$")] | None = None
    limit: Annotated[int, Meta(ge=1, le=1000)] = 100
    wait: Annotated[float, Meta(ge=0, le=WAIT_MOST)] = 0


_encode = msgspec.json.Encoder().encode


def events_routes(edge: Edge, admin_token: str | None) -> list[Route]:
    expected = f"Bearer {admin_token}".encode() if admin_token else None

    async def caller_of(request: Request, request_id: str, source: str) -> Caller | None:
        """The service principal that signed the request, or None for the operator."""
        given = request.headers.get("authorization", "")
        if expected is not None and given.startswith("Bearer "):
            await admit(edge, expected, request_id, source, given.encode())
            return None
        incoming = incoming_request(request.scope, await request.body())
        access = noted(request.scope)
        return await edge.serving.run(signed_caller, edge, incoming, access, source, True)

    async def list_events(request: Request) -> Response:
        request_id = new_request_id()
        noted(request.scope).operation = "ListEvents"
        source = request.client.host if request.client else ""
        try:
            caller = await caller_of(request, request_id, source)
            query = decode_query(query_pairs(request.scope["query_string"].decode()), EventsQuery)
            after = None if query.after is None else int(query.after)
            page = await _long_poll(edge, caller, after, query.limit, query.wait)
        except Exception as failure:
            return render_error(failure, request_id, request.scope).response()
        namespaces = page.namespaces
        shown = (
            page.events if namespaces is None else [for_service(e, namespaces) for e in page.events]
        )
        body: dict[str, Any] = {
            "events": [cloud_event(e) for e in shown],
            "cursor": str(page.cursor),
        }
        return Response(
            _encode(body), headers={"X-Request-Id": request_id}, media_type="application/json"
        )

    return [Route(PATH, list_events, methods=["GET"])]


async def _long_poll(
    edge: Edge, caller: Caller | None, after: int | None, limit: int, wait: float
) -> FeedPage:
    """Reads at once; while nothing came and ``wait`` lasts, reads again when this process
    commits events or every POLL_SECONDS. Bounded: at most ``wait`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    serving = edge.serving
    bell = serving.context.bell
    while True:
        # Noted before the read: a commit between the read and the wait then ends the wait at
        # once instead of at the next poll.
        rung = bell.rung
        page = await serving.run(read_events, serving.context, caller, after, limit)
        left = deadline - loop.time()
        if page.events or left <= 0:
            return page
        after = page.cursor
        await bell.wait(min(POLL_SECONDS, left), after=rung)
