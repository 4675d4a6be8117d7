"""Signing in with an access key, or as the operator with the admin token, and signing out.
Each attempt is audited with the console as its channel; failures are limited per source."""

from __future__ import annotations

import contextlib
import hmac
import secrets
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from sharekeeper.api.endpoint import audited, new_request_id
from sharekeeper.console.web import (
    CSRF_FIELD,
    MAX_FORM_FIELDS,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    Console,
    Visit,
    redirect,
    same_origin,
    secured,
    set_cookie,
    source_of,
)
from sharekeeper.domain.audit import AuditRecord
from sharekeeper.domain.clock import SECOND
from sharekeeper.domain.errors import AuthenticationFailed, ShareKeeperError, TooManyRequests
from sharekeeper.domain.sessions import ABSOLUTE_TIMEOUT, OPERATOR, ConsoleSession
from sharekeeper.services import sessions
from sharekeeper.services.context import Context

SIGN_IN = "ConsoleSignIn"
OPERATOR_SIGN_IN = "ConsoleOperatorSignIn"


def _form(
    console: Console,
    request: Request,
    template: str,
    status: int = 200,
    error: str = "",
    access_key: str = "",
) -> Response:
    """The sign-in form with a fresh CSRF token in its cookie and its hidden field. Nothing
    typed in is sent back but the access key ID."""
    token = secrets.token_urlsafe(32)
    response = console.render(
        request, template, None, status, sign_in_token=token, error=error, access_key=access_key
    )
    set_cookie(request, response, SIGN_IN_COOKIE, token, max_age=3600)
    return response


async def _posted(console: Console, request: Request) -> dict[str, str] | None:
    """The sign-in form's fields, or None when it is not this console's own form."""
    if not same_origin(request):
        return None
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    given = fields.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return None
    return fields


def _signed_in(request: Request, token: str, session: ConsoleSession, home: str) -> Response:
    response = redirect(home)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=ABSOLUTE_TIMEOUT // SECOND)
    response.delete_cookie(SIGN_IN_COOKIE, path="/console")
    return response


def _record(request: Request, operation: str, account_id: str, access_key: str) -> AuditRecord:
    return AuditRecord(
        at=0,
        account_id=account_id,
        access_key=access_key,
        operation=operation,
        request_id=new_request_id(),
        source_address=source_of(request),
        outcome="200",
        channel="console",
    )


async def _attempt(
    console: Console,
    request: Request,
    record: AuditRecord,
    template: str,
    sign: Callable[[Context], tuple[str, ConsoleSession]],
) -> tuple[str, ConsoleSession] | Response:
    """Runs a sign-in (``sign``: the service call on a scoped context), audited, within the
    source's allowance of failures; answers the form again when it fails."""
    source = source_of(request)
    try:
        console.failed_sign_ins.check(source)
    except TooManyRequests as error:
        wait = f"Too many failed sign-ins from {source}; try again in {error.retry_after} s."
        return _form(console, request, template, 429, wait)
    record.at = console.edge.ctx.clock()
    try:
        return await console.edge.serving.run(audited, console.edge.ctx, record, sign)
    except ShareKeeperError as error:
        with contextlib.suppress(TooManyRequests):
            console.failed_sign_ins.take(source)
        return _form(console, request, template, 401, error.message, record.access_key)


async def sign_in_form(console: Console, request: Request) -> Response:
    return _form(console, request, "sign_in.html")


async def sign_in(console: Console, request: Request) -> Response:
    fields = await _posted(console, request)
    if fields is None:
        return _form(console, request, "sign_in.html", 403, "The form expired; try again.")
    access_key = fields.get("access_key", "").strip()
    secret_key = fields.get("secret_key", "")
    token = fields.get("security_token", "").strip() or None
    # Only a well-formed id goes into the audit trail: never what someone typed by mistake.
    shown = access_key if access_key.isalnum() and len(access_key) <= 40 else ""
    record = _record(request, SIGN_IN, "", shown)

    def sign(ctx: Context) -> tuple[str, ConsoleSession]:
        return sessions.sign_in(ctx, access_key, secret_key, token)

    outcome = await _attempt(console, request, record, "sign_in.html", sign)
    if isinstance(outcome, Response):
        return outcome
    return _signed_in(request, *outcome, "/console/invitations")


async def operator_form(console: Console, request: Request) -> Response:
    return _form(console, request, "operator_sign_in.html")


async def operator_sign_in(console: Console, request: Request) -> Response:
    fields = await _posted(console, request)
    if fields is None:
        return _form(console, request, "operator_sign_in.html", 403, "The form expired; try again.")
    expected = (console.admin_token or "").encode()
    given = fields.get("admin_token", "").encode()
    record = _record(request, OPERATOR_SIGN_IN, OPERATOR, "")

    def sign(ctx: Context) -> tuple[str, ConsoleSession]:
        if not hmac.compare_digest(given, expected):
            raise AuthenticationFailed("the admin token is wrong")
        return sessions.operator_sign_in(ctx)

    outcome = await _attempt(console, request, record, "operator_sign_in.html", sign)
    if isinstance(outcome, Response):
        return outcome
    return _signed_in(request, *outcome, "/console/operator/accounts")


async def sign_out(console: Console, visit: Visit) -> Response:
    token = visit.request.cookies.get(SESSION_COOKIE, "")
    await console.run(sessions.sign_out, token)
    response = redirect("/console/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return secured(response)
