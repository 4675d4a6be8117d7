"""The admin API under /admin/v1: accounts, keys, organizations, reset, audit records. Protected
by a bearer token from the settings; absent (404) when no token is set. Every route calls the
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

from sharekeeper.api.access import note_error
from sharekeeper.api.convert import audit_record, timestamp
from sharekeeper.api.endpoint import decode_body, new_request_id
from sharekeeper.api.errors import answered, error_response
from sharekeeper.bootstrap import Serving
from sharekeeper.domain.accounts import ACCOUNT_NAME_MAX
from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.errors import (
    AuthenticationFailed,
    InvalidParameter,
)
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import admin, audit, identity, organizations
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


class AuditQuery(Struct):
    account_id: str | None = None
    operation: Annotated[str, Meta(max_length=64)] | None = None
    channel: Annotated[str, Meta(max_length=16)] | None = None
    since: Annotated[int, Meta(ge=0)] | None = None  # milliseconds since the epoch
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
    return 201, {"account_id": account.id, "name": account.name, **_key(key)}


def create_access_key(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    return 201, _key(identity.create_access_key(ctx, request.path_params["account_id"]))


def create_temporary(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    ttl = decode_body(raw, NewTemporary).ttl_seconds
    return 201, _key(identity.create_access_key(ctx, request.path_params["account_id"], ttl))


def revoke_access_key(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    identity.revoke_access_key(ctx, request.path_params["access_key"])
    return 204, None


def create_organization(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    org = organizations.create_organization(
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
    org, unit = organizations.create_unit(ctx, body.parent_id, body.name)
    return 201, {"ou_id": unit.id, "ou_urn": org.node_urn(unit.id)}


def place_member(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    parent = decode_body(raw, Placement).parent_id
    organizations.add_account(ctx, request.path_params["account_id"], parent)
    return 204, None


def remove_member(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    organizations.remove_account(ctx, request.path_params["account_id"])
    return 204, None


def delete_unit(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    organizations.delete_unit(ctx, request.path_params["ou_id"])
    return 204, None


def reset(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    admin.reset_all_data(ctx)
    return 204, None


def audit_records(ctx: Context, request: Request, raw: bytes) -> tuple[int, Any]:
    try:
        query = msgspec.convert(dict(request.query_params), AuditQuery, strict=False)
    except msgspec.ValidationError as error:
        raise InvalidParameter(f"Invalid query parameter: {error}") from None
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
    ("POST", "/admin/v1/reset", reset),
    ("GET", "/admin/v1/audit-records", audit_records),
)
_encode = msgspec.json.Encoder().encode


def _endpoint(
    serving: Serving, token: str, handler: AdminHandler
) -> Callable[[Request], Awaitable[Response]]:
    expected = f"Bearer {token}".encode()

    async def serve(request: Request) -> Response:
        request_id = new_request_id()
        try:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                raise AuthenticationFailed(
                    "a valid admin token is required (Authorization: Bearer)"
                )
            raw = await request.body()
            status, data = await serving.run(handler, serving.context, request, raw)
        except Exception as failure:
            error = answered(failure, request_id)
            note_error(request.scope, error)
            return error_response(error, request_id)
        headers = {"X-Request-Id": request_id}
        if data is None:
            return Response(status_code=status, headers=headers)
        return Response(_encode(data), status, headers=headers, media_type="application/json")

    return serve


def admin_routes(serving: Serving, token: str | None) -> list[Route]:
    """The admin routes, or none at all without a token."""
    if not token:
        return []
    return [Route(path, _endpoint(serving, token, h), methods=[m]) for m, path, h in _ROUTES]
