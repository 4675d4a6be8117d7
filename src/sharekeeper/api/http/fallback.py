"""What answers when none of the app's own endpoints did, through ``render_error`` like every
other error: Starlette's 404 and 405, and any failure a route let escape (an operator route's
defect), which Starlette and uvicorn would each answer as plain text and log again."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sharekeeper.api.errors import answered, render_error
from sharekeeper.api.http.endpoint import new_request_id
from sharekeeper.domain.errors import ApiNotFound, MethodNotAllowed


async def unknown_route(request: Request, exc: Exception) -> Response:
    """Starlette's exception handler for its HTTPException: no route (404), or a route's path
    with another method (405, its Allow header kept)."""
    error: ApiNotFound = ApiNotFound(request.method, request.url.path)
    if isinstance(exc, HTTPException) and exc.status_code == 405 and exc.headers:
        error = MethodNotAllowed(request.method, request.url.path, exc.headers["Allow"])
    return render_error(error, new_request_id(), request.scope).response()


async def not_dispatched(request: Request) -> Response:
    """A RAM route's method and path that Dispatch did not take: the path decoded has other
    segments than the path sent (``%2F`` in an id), so it names no operation."""
    raise HTTPException(404)


class RenderErrors:
    """Inside the access log, so its line has the answer's status and request id. A failure
    after the answer began cannot change it: logged once, and the connection is left to
    uvicorn to close (its answer cut short)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as failure:
            request_id = new_request_id()
            if started:
                answered(failure, request_id)
                return
            rendered = render_error(failure, request_id, scope)
            await send(
                {
                    "type": "http.response.start",
                    "status": rendered.status,
                    "headers": rendered.raw_headers(),
                }
            )
            await send({"type": "http.response.body", "body": rendered.body})
