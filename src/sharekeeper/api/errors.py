"""The one table from the exception tree to HTTP, and ``render_error``, the one way out for an
error: a RAM or Organizations operation's, the admin API's, the change feed's, an operator
route's, Starlette's 404 and 405, the body limits', the HTTP protocol's refusals (which write the
bytes themselves) and the console's (as a page). One rule for each part of the answer:

- the status: ``STATUS``, looked up along the class's MRO, so the nearest listed base decides;
- the body: Huawei's ``{"error_code", "error_msg", "request_id"}`` unless the caller's edge
  gives its own ``Shape`` (the console's page; another cloud's wire API its own body);
- the request id: the ``X-Request-Id`` header and the body carry the same one;
- logging: a defect (anything outside the tree) is logged here, once, with its traceback and
  request id, and answered RAM.9000; a refusal is no defect and leaves only its access line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import NamedTuple

import msgspec
from starlette.responses import Response
from starlette.types import Scope

from sharekeeper.api.http.access import note_error
from sharekeeper.api.schemas import ErrorReply
from sharekeeper.domain.errors import (
    ApiNotFound,
    AuthenticationFailed,
    ConcurrentChange,
    CursorExpired,
    Forbidden,
    HeadersTooLarge,
    InvalidRequest,
    LimitExceeded,
    MasterKeyRetired,
    MethodNotAllowed,
    NotFound,
    OrganizationNotFound,
    OrgNotManagementAccount,
    OrgNotManagementOrDelegated,
    RequestLineTooLong,
    RequestTimeout,
    RequestTooLarge,
    ServiceBusy,
    ShareKeeperError,
    StateConflict,
    TooManyConnections,
    TooManyRequests,
)

# Each class's status; a class not listed takes its nearest listed base's (along its MRO).
# Huawei answers every documented RAM.* error with 400; a lost race is a retryable 409.
STATUS: dict[type[ShareKeeperError], int] = {
    ShareKeeperError: 500,
    AuthenticationFailed: 401,
    Forbidden: 403,
    # Huawei's Organizations answers these with 401 (Terraform reads 1015 as "gone").
    OrgNotManagementAccount: 401,
    OrganizationNotFound: 401,
    OrgNotManagementOrDelegated: 401,
    ApiNotFound: 404,
    MethodNotAllowed: 405,
    LimitExceeded: 400,
    RequestTooLarge: 413,
    HeadersTooLarge: 431,
    RequestLineTooLong: 414,
    TooManyRequests: 429,
    RequestTimeout: 408,
    ServiceBusy: 503,
    MasterKeyRetired: 503,
    TooManyConnections: 503,
    NotFound: 404,
    ConcurrentChange: 409,
    CursorExpired: 410,
    InvalidRequest: 400,
    StateConflict: 400,
}


class InternalError(ShareKeeperError):
    code = "RAM.9000"

    def __init__(self) -> None:
        super().__init__("The service failed to handle the request; it has been logged.")


_status_cache: dict[type[ShareKeeperError], int] = {}


def status_of(kind: type[ShareKeeperError]) -> int:
    status = _status_cache.get(kind)
    if status is None:
        status = next(STATUS[base] for base in kind.__mro__ if base in STATUS)
        _status_cache[kind] = status
    return status


_encode = msgspec.json.Encoder().encode
log = logging.getLogger("sharekeeper.api")
JSON = "application/json"


class Shaped(NamedTuple):
    """An error's answer as one edge shows it: its status (an edge of another cloud's API
    keeps that cloud's statuses), media type, body, and headers of the edge's own."""

    status: int
    media_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


# (the status STATUS gives, the error, the request id) -> the answer as the edge shows it.
Shape = Callable[[int, ShareKeeperError, str], Shaped]


def huawei_json(status: int, error: ShareKeeperError, request_id: str) -> Shaped:
    """The RAM and Organizations APIs' error body (docs/errors.md)."""
    body = _encode(ErrorReply(error.code, error.message, request_id, **error.details()))
    return Shaped(status, JSON, body)


def answered(error: Exception, request_id: str) -> ShareKeeperError:
    """The error a request is answered with: a ShareKeeper error as it is; anything else is a
    defect, logged here with its traceback (every error's answer passes through) and answered
    as an internal error."""
    if isinstance(error, ShareKeeperError):
        return error
    log.error("request %s failed", request_id, exc_info=error, extra={"request_id": request_id})
    return InternalError()


@dataclass(frozen=True, slots=True)
class Rendered:
    """An error's answer, in the forms its senders need: a Starlette response, ASGI headers,
    or the bytes of a whole HTTP/1.1 answer."""

    status: int
    # Beyond the content type and length: X-Request-Id, and the error's own (Retry-After, Allow).
    headers: dict[str, str]
    body: bytes
    media_type: str
    code: str

    def response(self) -> Response:
        return Response(self.body, self.status, self.headers, self.media_type)

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        raw.append((b"content-type", self.media_type.encode("latin-1")))
        raw.append((b"content-length", str(len(self.body)).encode()))
        return raw

    def http(self) -> bytes:
        """The whole answer, for the HTTP protocol to write before it closes the connection."""
        lines = [f"HTTP/1.1 {self.status} {HTTPStatus(self.status).phrase}".encode()]
        lines += [name + b": " + value for name, value in self.raw_headers()]
        lines.append(b"connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body


def render_error(
    failure: Exception, request_id: str, scope: Scope | None = None, shape: Shape = huawei_json
) -> Rendered:
    """The answer to ``failure`` (a defect logged, see the module's rules), its body in
    ``shape``. With the request's ``scope``, its code is noted for the access line (the HTTP
    protocol, refusing before any scope exists, writes its own)."""
    error = answered(failure, request_id)
    if scope is not None:
        note_error(scope, error)
    shaped = shape(status_of(type(error)), error, request_id)
    headers = {"X-Request-Id": request_id, **dict(shaped.headers), **error.headers()}
    return Rendered(shaped.status, headers, shaped.body, shaped.media_type, error.code)
