"""One access-log line and one metric for every request, whoever answers it: a RAM operation,
the admin API, an operator route, a refusal of the limits, a 404 or a 405.

The answering code notes what only it knows (the operation, the caller's account, the error
code) on the request's ``Access`` record; this middleware, outermost, times the request, reads
the status and request id off the response, and writes the line and the metric."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sharekeeper.api.metrics import Metrics
from sharekeeper.domain.errors import ShareKeeperError

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


class AccessLog:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        access = scope[KEY] = Access()
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if not access.request_id:
                    for name, value in message.get("headers", ()):
                        if name.lower() == b"x-request-id":
                            access.request_id = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            name = _name(scope, access, status)
            self.metrics.observe(name, status, elapsed)
            access_log.info(
                "%s %s %d%s",
                scope.get("method", ""),
                name,
                status,
                f" {access.error_code}" if access.error_code else "",
                extra={
                    "request_id": access.request_id,
                    "operation": name,
                    "method": scope.get("method", ""),
                    "path": scope.get("path", ""),
                    "status": status,
                    "error_code": access.error_code,
                    "duration_ms": round(elapsed * 1000, 2),
                    "account_id": access.account_id,
                },
            )
