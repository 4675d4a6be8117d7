"""The one table from the exception tree to HTTP, and the one error body."""

from __future__ import annotations

import logging

import msgspec
from starlette.responses import Response

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

# First match wins, so a subclass listed before its base can have a status of its own.
# Huawei answers every documented RAM.* error with 400; a lost race is a retryable 409.
STATUS: tuple[tuple[type[ShareKeeperError], int], ...] = (
    (AuthenticationFailed, 401),
    (Forbidden, 403),
    # Huawei's Organizations answers these two with 401 (Terraform reads 1015 as "gone").
    (OrgNotManagementAccount, 401),
    (OrganizationNotFound, 401),
    (OrgNotManagementOrDelegated, 401),
    (MethodNotAllowed, 405),
    (RequestTooLarge, 413),
    (HeadersTooLarge, 431),
    (RequestLineTooLong, 414),
    (TooManyRequests, 429),
    (RequestTimeout, 408),
    (ServiceBusy, 503),
    (MasterKeyRetired, 503),
    (TooManyConnections, 503),
    (LimitExceeded, 400),
    (ApiNotFound, 404),
    (NotFound, 404),
    (ConcurrentChange, 409),
    (CursorExpired, 410),
    (InvalidRequest, 400),
    (StateConflict, 400),
    (ShareKeeperError, 500),
)


class InternalError(ShareKeeperError):
    code = "RAM.9000"

    def __init__(self) -> None:
        super().__init__("The service failed to handle the request; it has been logged.")


_status_cache: dict[type[ShareKeeperError], int] = {}


def status_of(kind: type[ShareKeeperError]) -> int:
    status = _status_cache.get(kind)
    if status is None:
        status = next(status for base, status in STATUS if issubclass(kind, base))
        _status_cache[kind] = status
    return status


_encode = msgspec.json.Encoder().encode
log = logging.getLogger("sharekeeper.api")


def answered(error: Exception, request_id: str) -> ShareKeeperError:
    """The error a request is answered with: a ShareKeeper error as it is; anything else is a
    defect, logged here with its traceback (every route's failures pass through) and answered
    as an internal error."""
    if isinstance(error, ShareKeeperError):
        return error
    log.error("request %s failed", request_id, exc_info=error, extra={"request_id": request_id})
    return InternalError()


def error_parts(error: ShareKeeperError, request_id: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers beyond the content type, and body of the error's answer."""
    body = _encode(ErrorReply(error.code, error.message, request_id, **error.details()))
    return status_of(type(error)), {"X-Request-Id": request_id, **error.headers()}, body


def error_response(error: ShareKeeperError, request_id: str) -> Response:
    status, headers, body = error_parts(error, request_id)
    return Response(body, status_code=status, media_type="application/json", headers=headers)
