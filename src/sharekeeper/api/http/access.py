"""One access-log line and one metric for every request, whoever answers it: a RAM operation,
the admin API, an operator route, a refusal of the limits, a 404 or a 405.

The answering code notes what only it knows (the operation, the caller's account, the error
code, and, for the app's own endpoints, the status) on the request's ``Access`` record; the
front layer (``api/http/front.py``), outermost, times the request, reads the status and request
id off any other response, and writes the line and the metric (``log_request``). ``AccessLog``
is the same as a middleware of its own, around any app.

The line is written straight to the handler ``configure_logging`` installed when it is the only
one a record would reach (``logs.direct_handler``): formatted once, without a LogRecord. Any
other logging configuration (an operator's handlers, a test's capture) gets a LogRecord with
the line's fields as attributes, as before."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sharekeeper.api.metrics import Metrics
from sharekeeper.domain.errors import ShareKeeperError
from sharekeeper.logs import direct_handler, json_line

access_log = logging.getLogger("sharekeeper.access")
KEY = "sharekeeper.access"
# Paths that are not operations, named as such in metrics (never the raw path: an attacker
# choosing paths must not grow the metrics without bound).
OPERATOR_ROUTES = {"/healthz": "Healthz", "/readyz": "Readyz", "/metrics": "Metrics"}


@dataclass(slots=True)
class Access:
    operation: str = ""
    account_id: str = ""
    error_code: str = ""
    # Noted by an operation's endpoint; for any other answer it is read off the X-Request-Id
    # header of the response.
    request_id: str = ""
    # Noted by an answer that knows its status (an operation's endpoint, AWS's edge, the
    # body limits); for any other answer it is read off the response as it starts.
    status: int = 0


def noted(scope: Scope) -> Access:
    """The request's record (a throwaway one outside the middleware, as in unit tests)."""
    found = scope.get(KEY)
    return found if isinstance(found, Access) else Access()


def note_error(scope: Scope, error: ShareKeeperError) -> None:
    noted(scope).error_code = error.code


def _name(scope: Scope, access: Access, status: int) -> str:
    if access.operation:
        return access.operation
    path: str = scope.get("path", "")
    if path in OPERATOR_ROUTES:
        return OPERATOR_ROUTES[path]
    if path == "/openapi.json":
        return "OpenApiDocument"
    if path.startswith("/admin/"):
        return "Admin"
    return {404: "UnknownPath", 405: "UnknownMethod"}.get(status, "Other")


def log_request(metrics: Metrics, scope: Scope, access: Access, started: float) -> None:
    """The request's metric and access line; ``started`` is its ``time.perf_counter()``."""
    elapsed = time.perf_counter() - started
    status = access.status or 500  # nothing answered: uvicorn answers 500
    name = _name(scope, access, status)
    metrics.observe(name, status, elapsed)
    method = scope.get("method", "")
    code = access.error_code
    message = f"{method} {name} {status} {code}" if code else f"{method} {name} {status}"
    fields = {
        "request_id": access.request_id,
        "operation": name,
        "method": method,
        "path": scope.get("path", ""),
        "status": status,
        "error_code": code,
        "duration_ms": round(elapsed * 1000, 2),
        "account_id": access.account_id,
    }
    handler = direct_handler(access_log)
    if handler is not None:
        handler.line(json_line(access_log.name, message, fields))
    else:
        access_log.info(message, extra=fields)


def noting(access: Access, send: Send) -> Send:
    """``send``, noting the answer's status, and its request id unless noted already."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            access.status = message["status"]
            if not access.request_id:
                for name, value in message.get("headers", ()):
                    if name.lower() == b"x-request-id":
                        access.request_id = value.decode("latin-1")
        await send(message)

    return sending


async def logged(
    metrics: Metrics, scope: Scope, answer: Callable[[Access], Awaitable[None]]
) -> None:
    """Runs ``answer`` with the request's new ``Access`` record, timed, then writes its line
    and metric whatever happened: the front layer's and ``AccessLog``'s one way to do it."""
    access = scope[KEY] = Access()
    started = time.perf_counter()
    try:
        await answer(access)
    finally:
        log_request(metrics, scope, access, started)


class AccessLog:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await logged(
            self.metrics, scope, lambda access: self.app(scope, receive, noting(access, send))
        )
