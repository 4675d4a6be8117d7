"""Signing in with an access key, or as the operator with the admin token, and signing out.
Each is audited with the console as its channel; failed sign-ins are limited per source."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from sharekeeper.console.web import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    Console,
    Visit,
    audited_change,
    read_form,
    record,
    redirect,
    set_cookie,
    source_of,
    token_matches,
)
from sharekeeper.domain import ids
from sharekeeper.domain.audit import AuditRecord
from sharekeeper.domain.clock import SECOND
from sharekeeper.domain.errors import AuthenticationFailed, ShareKeeperError, TooManyRequests
from sharekeeper.domain.sessions import ABSOLUTE_TIMEOUT, OPERATOR, ConsoleSession
from sharekeeper.services import sessions
from sharekeeper.services.context import Context

SIGN_IN = "ConsoleSignIn"
OPERATOR_SIGN_IN = "ConsoleOperatorSignIn"
SIGN_OUT = "ConsoleSignOut"
Signing = Callable[[Context], tuple[str, ConsoleSession]]


def _form(
    console: Console,
    request: Request,
    template: str,
    status: int = 200,
    error: str = "",
    access_key: str = "",
) -> Response:
    """The sign-in form with a fresh CSRF token in its cookie and its hidden field. Nothing
    typed in is sent back but an access key ID."""
    token = secrets.token_urlsafe(32)
    response = console.render(
        request, template, None, status, sign_in_token=token, error=error, access_key=access_key
    )
    set_cookie(request, response, SIGN_IN_COOKIE, token, max_age=3600)
    return response


async def _posted(request: Request) -> dict[str, str] | None:
    """The sign-in form's fields, or None when its CSRF token is not its cookie's."""
    form = await read_form(request)
    if not token_matches(form.get(CSRF_FIELD), request.cookies.get(SIGN_IN_COOKIE, "")):
        return None
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _attempt(
    console: Console, request: Request, entry: AuditRecord, template: str, sign: Signing, home: str
) -> Response:
    """Runs a sign-in, audited, within the source's allowance of failures: a token is spent
    before the attempt (so attempts sent at once cannot outrun the limit) and given back when
    it succeeds. Answers the form again when it fails."""
    source = source_of(request)
    try:
        console.failed_sign_ins.take(source)
    except TooManyRequests as refused:
        wait = f"Too many failed sign-ins from {source}; try again in {refused.retry_after} s."
        return _form(console, request, template, 429, wait)
    try:
        token, _ = await audited_change(console, entry, sign)
    except ShareKeeperError as error:
        return _form(console, request, template, 401, error.message, entry.access_key)
    console.failed_sign_ins.give_back(source)
    response = redirect(home)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=ABSOLUTE_TIMEOUT // SECOND)
    response.delete_cookie(SIGN_IN_COOKIE, path="/console")
    return response


async def sign_in_form(console: Console, request: Request) -> Response:
    return _form(console, request, "sign_in.html")


async def sign_in(console: Console, request: Request) -> Response:
    fields = await _posted(request)
    if fields is None:
        return _form(console, request, "sign_in.html", 403, "The form expired; try again.")
    access_key = fields.get("access_key", "").strip()
    secret_key = fields.get("secret_key", "")
    token = fields.get("security_token", "").strip() or None
    # Only what has the shape of an access key ID is kept in the audit trail or shown again:
    # never a secret pasted into the wrong field.
    key_id = access_key if ids.is_access_key_id(access_key) else ""

    # The browser's earlier session ends with this sign-in: one browser, one session.
    previous = request.cookies.get(SESSION_COOKIE)

    def sign(ctx: Context) -> tuple[str, ConsoleSession]:
        return sessions.sign_in(ctx, access_key, secret_key, token, replacing=previous)

    entry = record(console, request, SIGN_IN, "", key_id)
    return await _attempt(console, request, entry, "sign_in.html", sign, "/console/invitations")


async def operator_form(console: Console, request: Request) -> Response:
    return _form(console, request, "operator_sign_in.html")


async def operator_sign_in(console: Console, request: Request) -> Response:
    template = "operator_sign_in.html"
    fields = await _posted(request)
    if fields is None:
        return _form(console, request, template, 403, "The form expired; try again.")
    expected = (console.admin_token or "").encode()
    given = fields.get("admin_token", "").encode()
    fingerprint = console.operator_fingerprint
    previous = request.cookies.get(SESSION_COOKIE)

    def sign(ctx: Context) -> tuple[str, ConsoleSession]:
        if fingerprint is None or not hmac.compare_digest(given, expected):
            raise AuthenticationFailed("the admin token is wrong")
        return sessions.operator_sign_in(ctx, fingerprint, replacing=previous)

    entry = record(console, request, OPERATOR_SIGN_IN, OPERATOR)
    return await _attempt(console, request, entry, template, sign, "/console/operator/accounts")


async def sign_out(console: Console, visit: Visit) -> Response:
    session = visit.session
    account = session.account_id or OPERATOR
    entry = record(console, visit.request, SIGN_OUT, account, session.access_key or "")
    token = visit.request.cookies.get(SESSION_COOKIE, "")
    await audited_change(console, entry, lambda ctx: sessions.sign_out(ctx, token))
    response = redirect("/console/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response
