"""The admin API under /admin/v1: accounts, keys, organizations, reset, audit records. Protected
by a bearer token from the settings, within the source's allowance of failed attempts (shared
with the operator's sign-in form); absent (404) when no token is set. Every route calls the
same services as the command line and the pytest plugin."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sharekeeper.api.convert import (
    audit_record,
    dead_letter,
    service_principal,
    timestamp,
    webhook,
)
from sharekeeper.api.errors import render_error, status_of
from sharekeeper.api.http.endpoint import Edge, decode_body, decode_query, new_request_id, path_id
from sharekeeper.api.http.guessing import refused
from sharekeeper.auth.signing import query_pairs
from sharekeeper.domain.accounts import ACCOUNT_NAME_MAX
from sharekeeper.domain.audit import AuditFilter, AuditRecord
from sharekeeper.domain.errors import (
    AuthenticationFailed,
    InvalidParameter,
    ShareKeeperError,
    TooManyFailures,
)
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.ratelimit import OPERATOR_KEY
from sharekeeper.domain.sessions import OPERATOR
from sharekeeper.domain.webhooks import PATTERNS_MOST, URL_MAX
from sharekeeper.services import (
    admin,
    audit,
    identity,
    organizations,
    service_principals,
    webhooks,
)
from sharekeeper.services.context import Context


class NewAccount(Struct):
    name: Annotated[str, Meta(min_length=1, max_length=ACCOUNT_NAME_MAX)]


class NewTemporary(Struct):
    ttl_seconds: Annotated[int, Meta(ge=1, le=identity.MAX_TEMPORARY_TTL_SECONDS)] = 3600


class NewOrganization(Struct):
    management_account_id: str


class NewUnit(Struct):
    parent_id: str
    name: Annotated[str, Meta(min_length=1, max_length=128)]


class Placement(Struct):
    parent_id: str


class NewService(Struct):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    namespaces: Annotated[
        list[Annotated[str, Meta(max_length=32)]], Meta(min_length=1, max_length=20)
    ]


class ServiceQuery(Struct):
    limit: Annotated[int, Meta(ge=1, le=2000)] = 1000
    marker: Annotated[str, Meta(max_length=64)] | None = None


class NewWebhook(Struct):
    url: Annotated[str, Meta(min_length=1, max_length=URL_MAX)]
    types: Annotated[
        list[Annotated[str, Meta(max_length=128)]], Meta(max_length=PATTERNS_MOST)
    ] = []


class DeadLetterQuery(ServiceQuery):
    webhook_id: Annotated[str, Meta(max_length=40)] | None = None


class Replay(Struct):
    """One dead letter, or ``all`` of them (of every active webhook)."""

    dead_letter_id: Annotated[str, Meta(max_length=40)] | None = None
    all: bool = False


MAX_MILLISECONDS = 2**53  # the year 287,396: every time a caller can mean, exact in a double

# What an audit filter can match: ids and names are letters, digits, _ and -; no control
# character can be in any of them.
_FILTER = r"^[A-Za-z0-9_-]*$"


class AuditQuery(Struct):
    account_id: Annotated[str, Meta(max_length=32, pattern=_FILTER)] | None = None
    operation: Annotated[str, Meta(max_length=64, pattern=_FILTER)] | None = None
    channel: Annotated[str, Meta(max_length=16, pattern=_FILTER)] | None = None
    # Milliseconds since the epoch; the bound keeps it inside a 64-bit column (a larger value
    # was a 500 from the database) and well past any real time.
    since: Annotated[int, Meta(ge=0, le=MAX_MILLISECONDS)] | None = None
    limit: Annotated[int, Meta(ge=1, le=2000)] = 1000
    marker: Annotated[str, Meta(max_length=64)] | None = None


AdminHandler = Callable[[Context, Request, bytes], tuple[int, Any]]


def _key(key: identity.IssuedKey) -> dict[str, Any]:
    data: dict[str, Any] = {"access_key": key.access_key, "secret_key": key.secret_key}
    if key.security_token is not None and key.expires_at is not None:
        data.update(security_token=key.security_token, expires_at=timestamp(key.expires_at))
    return data


def create_account(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    account, key = identity.create_account(ctx, decode_body(raw, NewAccount).name)
    named = {"account_id": account.id, "aws_account_id": account.aws_account_id}
    return 201, {**named, "name": account.name, **_key(key)}


def create_access_key(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    return 201, _key(identity.create_access_key(ctx, request.path_params["account_id"]))


def create_temporary(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    ttl = decode_body(raw, NewTemporary).ttl_seconds
    return 201, _key(identity.create_access_key(ctx, request.path_params["account_id"], ttl))


def revoke_access_key(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    identity.revoke_access_key(ctx, request.path_params["access_key"])
    return 204, None


def create_organization(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    org = organizations.operator_create_organization(
        ctx, decode_body(raw, NewOrganization).management_account_id
    )
    return 201, {
        "organization_id": org.id,
        "organization_urn": org.urn,
        "root_id": org.root_id,
        "root_urn": org.node_urn(org.root_id),
    }


def create_unit(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    body = decode_body(raw, NewUnit)
    org, unit = organizations.operator_create_unit(ctx, body.parent_id, body.name)
    return 201, {"ou_id": unit.id, "ou_urn": org.node_urn(unit.id)}


def place_member(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    parent = decode_body(raw, Placement).parent_id
    organizations.add_account(ctx, request.path_params["account_id"], parent)
    return 204, None


def remove_member(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    organizations.remove_account(ctx, request.path_params["account_id"])
    return 204, None


def delete_unit(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    organizations.operator_delete_unit(ctx, request.path_params["ou_id"])
    return 204, None


def create_service(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    body = decode_body(raw, NewService)
    service, secret = service_principals.create_service(ctx, body.name, body.namespaces)
    return 201, {
        "service_id": service.id,
        "access_key": service.access_key,
        "secret_key": secret,
    }


def list_services(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    query = decode_query(query_pairs(request.url.query), ServiceQuery)
    page = service_principals.list_services(ctx, PageRequest(query.limit, query.marker))
    found = [service_principal(s) for s in page.items]
    return 200, {"services": found, "next_marker": page.next_marker}


def revoke_service(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    service_principals.revoke_service(ctx, request.path_params["service_id"])
    return 204, None


def add_webhook(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    body = decode_body(raw, NewWebhook)
    hook, secret = webhooks.add_webhook(ctx, body.url, body.types)
    return 201, {"webhook_id": hook.id, "secret": secret}


def list_webhooks(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    query = decode_query(query_pairs(request.url.query), ServiceQuery)
    page = webhooks.list_webhooks(ctx, PageRequest(query.limit, query.marker))
    return 200, {"webhooks": [webhook(s) for s in page.items], "next_marker": page.next_marker}


def remove_webhook(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    webhooks.remove_webhook(ctx, request.path_params["webhook_id"])
    return 204, None


def list_dead_letters(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    query = decode_query(query_pairs(request.url.query), DeadLetterQuery)
    page = webhooks.list_dead_letters(ctx, query.webhook_id, PageRequest(query.limit, query.marker))
    found = [dead_letter(d) for d in page.items]
    return 200, {"dead_letters": found, "next_marker": page.next_marker}


def replay_dead_letters(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    body = decode_body(raw, Replay)
    if body.all == (body.dead_letter_id is not None):
        raise InvalidParameter('Give either dead_letter_id or "all": true.')
    return 202, {"replays_requested": webhooks.replay_dead_letters(ctx, body.dead_letter_id)}


def reset(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    admin.reset_all_data(ctx)
    return 204, None


def audit_records(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    # Decoded as the RAM API decodes a query: NUL refused, a key given twice refused.
    query = decode_query(query_pairs(request.url.query), AuditQuery)
    wanted = AuditFilter(query.account_id, query.operation, query.channel, query.since)
    page = audit.list_audit_records(ctx, wanted, PageRequest(query.limit, query.marker))
    records = [audit_record(r) for r in page.items]
    return 200, {"audit_records": records, "next_marker": page.next_marker}


_ROUTES: tuple[tuple[str, str, AdminHandler], ...] = (
    ("POST", "/admin/v1/accounts", create_account),
    ("POST", "/admin/v1/accounts/{account_id}/access-keys", create_access_key),
    ("POST", "/admin/v1/accounts/{account_id}/temporary-credentials", create_temporary),
    ("DELETE", "/admin/v1/access-keys/{access_key}", revoke_access_key),
    ("POST", "/admin/v1/organizations", create_organization),
    ("POST", "/admin/v1/organizations/units", create_unit),
    ("DELETE", "/admin/v1/organizations/units/{ou_id}", delete_unit),
    ("PUT", "/admin/v1/organizations/members/{account_id}", place_member),
    ("DELETE", "/admin/v1/organizations/members/{account_id}", remove_member),
    ("POST", "/admin/v1/services", create_service),
    ("GET", "/admin/v1/services", list_services),
    ("DELETE", "/admin/v1/services/{service_id}", revoke_service),
    ("POST", "/admin/v1/webhooks", add_webhook),
    ("GET", "/admin/v1/webhooks", list_webhooks),
    ("DELETE", "/admin/v1/webhooks/{webhook_id}", remove_webhook),
    ("GET", "/admin/v1/webhook-dead-letters", list_dead_letters),
    ("POST", "/admin/v1/webhook-dead-letters/replay", replay_dead_letters),
    ("POST", "/admin/v1/reset", reset),
    ("GET", "/admin/v1/audit-records", audit_records),
)
_encode = msgspec.json.Encoder().encode
# The audit trail's operation and channel for a refused admin token (recorded in aggregate).
REFUSED_TOKEN = "AdminTokenRefused"
ADMIN_CHANNEL = "admin"


def _authorize(edge: Edge, source: str, given: bytes, expected: bytes) -> None:
    """The bearer token, within the source's allowance of failures: the operator's sign-in
    form takes the same secret, and spends from the same buckets."""
    spent = edge.guesses.sign_in(source, OPERATOR_KEY)
    if not hmac.compare_digest(given, expected):
        raise AuthenticationFailed("a valid admin token is required (Authorization: Bearer)")
    spent.succeeded()


async def admit(edge: Edge, expected: bytes, request_id: str, source: str, given: bytes) -> None:
    """The bearer token checked (``expected`` is ``Bearer TOKEN``), a refusal recorded in
    the audit trail: for the admin routes and the operator's reading of the change feed."""
    try:
        _authorize(edge, source, given, expected)
    except (AuthenticationFailed, TooManyFailures) as refusal:
        await refused(edge, _refusal_record(edge, request_id, source, refusal))
        raise


def _checked(request: Request) -> None:
    """Path ids checked as the RAM API checks its own: NUL and control characters, which
    PostgreSQL text cannot hold or no id has, are a 400 before any query."""
    for name, value in request.path_params.items():
        path_id(name, value)


def _endpoint(
    edge: Edge, token: str, handler: AdminHandler
) -> Callable[[Request], Awaitable[Response]]:
    expected = f"Bearer {token}".encode()
    serving = edge.serving

    async def serve(request: Request) -> Response:
        request_id = new_request_id()
        source = request.client.host if request.client else ""
        try:
            given = request.headers.get("authorization", "").encode()
            await admit(edge, expected, request_id, source, given)
            _checked(request)
            raw = await request.body()
            status, data = await serving.run(handler, serving.context, request, raw)
        except Exception as failure:
            return render_error(failure, request_id, request.scope).response()
        headers = {"X-Request-Id": request_id}
        if data is None:
            return Response(status_code=status, headers=headers)
        return Response(_encode(data), status, headers=headers, media_type="application/json")

    return serve


def _refusal_record(
    edge: Edge, request_id: str, source: str, refusal: ShareKeeperError
) -> AuditRecord:
    return AuditRecord(
        at=edge.ctx.clock(),
        account_id=OPERATOR,
        access_key="",
        operation=REFUSED_TOKEN,
        request_id=request_id,
        source_address=source,
        outcome=f"{status_of(type(refusal))} {refusal.code}",
        channel=ADMIN_CHANNEL,
    )


def admin_routes(edge: Edge, token: str | None) -> list[Route]:
    """The admin routes, or none at all without a token."""
    if not token:
        return []
    return [Route(path, _endpoint(edge, token, h), methods=[m]) for m, path, h in _ROUTES]
