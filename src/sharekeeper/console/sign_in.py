"""Signing in with an access key, or as the operator with the admin token, and signing out.
Each is audited with the console as its channel; failed sign-ins are limited per source and
per (source, key), refused ones recorded in aggregate, and a browser that signed in with a key
before is let through whatever others at its address did (docs/console.md, Security)."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from sharekeeper.api.errors import status_of
from sharekeeper.api.http.guessing import refused
from sharekeeper.console.navigation import ACCOUNT_HOME, NEXT_FIELD, OPERATOR_HOME, safe_next
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
from sharekeeper.domain.audit import AuditRecord, PendingAudit
from sharekeeper.domain.clock import SECOND
from sharekeeper.domain.errors import (
    AuthenticationFailed,
    ServiceBusy,
    ShareKeeperError,
    TooManyFailures,
)
from sharekeeper.domain.ratelimit import OPERATOR_KEY
from sharekeeper.domain.sessions import ABSOLUTE_TIMEOUT, OPERATOR, ConsoleSession
from sharekeeper.services import sessions
from sharekeeper.services.audit import record_calls
from sharekeeper.services.context import Context

SIGN_IN = "ConsoleSignIn"
OPERATOR_SIGN_IN = "ConsoleOperatorSignIn"
SIGN_OUT = "ConsoleSignOut"
Signing = Callable[[Context], tuple[str, ConsoleSession]]
# "This browser signed in with key K before" (OWASP's device cookie): an HMAC under a key derived
# from the master key over K, a random id and the time it was set; one cookie per key.
KNOWN_BROWSER_COOKIE = "sharekeeper_known_"
KNOWN_BROWSER_SECONDS = 90 * 24 * 3600


def _form(
    console: Console,
    request: Request,
    template: str,
    status: int = 200,
    error: str = "",
    access_key: str = "",
    next_path: str | None = None,
) -> Response:
    """The sign-in form with a fresh CSRF token in its cookie and its hidden field, and the page
    to go to after it (a path of this console only). Nothing typed in is sent back but an
    access key ID."""
    token = secrets.token_urlsafe(32)
    response = console.render(
        request,
        template,
        None,
        status,
        sign_in_token=token,
        error=error,
        access_key=access_key,
        next_path=next_path or "",
    )
    set_cookie(request, response, SIGN_IN_COOKIE, token, max_age=3600)
    return response


async def _posted(request: Request) -> dict[str, str] | None:
    """The sign-in form's fields, or None when its CSRF token is not its cookie's."""
    form = await read_form(request)
    if not token_matches(form.get(CSRF_FIELD), request.cookies.get(SIGN_IN_COOKIE, "")):
        return None
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _signed_in(ctx: Context, entry: AuditRecord, sign: Signing) -> tuple[str, ConsoleSession]:
    """Runs a sign-in with its audit record committed alongside the session. A refusal is not
    recorded here: refused attempts are recorded in aggregate (``api.http.guessing.refused``)."""
    pending = PendingAudit(entry)
    result = sign(ctx.scoped(pending, None))
    if not pending.written:
        record_calls(ctx, [entry])
    return result


_ISSUED = re.compile(r"[0-9]{1,12}")


def _browser_mac(console: Console, key_id: str, nonce: str, issued: str) -> str:
    # NUL-separated and prefixed: no admin token (an environment value, never holding NUL) has
    # the same fingerprint as a known-browser cookie.
    return console.edge.ctx.secret_box.fingerprint(f"\0known-browser\0{key_id}\0{nonce}\0{issued}")


def _known_browser(console: Console, request: Request, key_id: str) -> str | None:
    """The id of a browser that signed in with ``key_id`` before (its known-browser cookie,
    checked and unexpired), or None."""
    value = request.cookies.get(KNOWN_BROWSER_COOKIE + key_id, "")
    nonce, _, rest = value.partition(".")
    issued, _, mac = rest.partition(".")
    # ASCII digits only: str.isdigit() also takes '²', which int() then refuses (a 500).
    if not (key_id and nonce and _ISSUED.fullmatch(issued)):
        return None
    age = console.edge.ctx.clock() // SECOND - int(issued)
    if not 0 <= age < KNOWN_BROWSER_SECONDS:
        return None
    expected = _browser_mac(console, key_id, nonce, issued)
    return nonce if hmac.compare_digest(mac.encode(), expected.encode()) else None


def _remember_browser(console: Console, request: Request, response: Response, key_id: str) -> None:
    """Marks this browser as one that signed in with ``key_id``: a new cookie each time."""
    nonce = secrets.token_urlsafe(16)
    issued = str(console.edge.ctx.clock() // SECOND)
    value = f"{nonce}.{issued}.{_browser_mac(console, key_id, nonce, issued)}"
    set_cookie(
        request, response, KNOWN_BROWSER_COOKIE + key_id, value, max_age=KNOWN_BROWSER_SECONDS
    )


async def _attempt(
    console: Console,
    request: Request,
    entry: AuditRecord,
    template: str,
    sign: Signing,
    home: str,
    key_id: str,
    next_path: str | None,
) -> Response:
    """Runs a sign-in, audited, within the allowance of failures (``Guesses.sign_in``): tokens
    are spent before the attempt (so attempts sent at once cannot outrun the limit) and given
    back when it succeeds, or when the database was too busy to try. A browser that signed in
    with the key before spends only its own allowance. Answers the form again when it fails
    (still carrying ``next_path``), and goes to ``next_path`` or ``home`` when it succeeds."""
    edge = console.edge
    browser = _known_browser(console, request, key_id)
    try:
        spent = edge.guesses.sign_in(source_of(request), key_id, browser)
    except TooManyFailures as limited:
        entry.outcome = f"429 {limited.code}"
        await refused(edge, entry)
        wait = f"Too many failed sign-ins; try again in {limited.retry_after} s."
        return _with(_form(console, request, template, 429, wait, next_path=next_path), limited)
    try:
        token, _ = await edge.serving.run(_signed_in, edge.ctx, entry, sign)
    except ServiceBusy as busy:
        spent.succeeded()  # nothing was tried: not a failure
        busy_form = _form(
            console, request, template, 503, busy.message, entry.access_key, next_path
        )
        return _with(busy_form, busy)
    except ShareKeeperError as error:
        entry.outcome = f"{status_of(type(error))} {error.code}"
        await refused(edge, entry)
        return _form(console, request, template, 401, error.message, entry.access_key, next_path)
    spent.succeeded()
    response = redirect(next_path or home)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=ABSOLUTE_TIMEOUT // SECOND)
    response.delete_cookie(SIGN_IN_COOKIE, path="/console")
    if key_id:
        _remember_browser(console, request, response, key_id)
    return response


def _with(response: Response, error: ShareKeeperError) -> Response:
    response.headers.update(error.headers())
    return response


def _next_asked(request: Request) -> str | None:
    return safe_next(request.query_params.get(NEXT_FIELD))


async def sign_in_form(console: Console, request: Request) -> Response:
    return _form(console, request, "sign_in.html", next_path=_next_asked(request))


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
    next_path = safe_next(fields.get(NEXT_FIELD))
    return await _attempt(
        console, request, entry, "sign_in.html", sign, ACCOUNT_HOME, key_id, next_path
    )


async def operator_form(console: Console, request: Request) -> Response:
    return _form(console, request, "operator_sign_in.html", next_path=_next_asked(request))


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
    next_path = safe_next(fields.get(NEXT_FIELD))
    return await _attempt(
        console, request, entry, template, sign, OPERATOR_HOME, OPERATOR_KEY, next_path
    )


async def sign_out(console: Console, visit: Visit) -> Response:
    session = visit.session
    account = session.account_id or OPERATOR
    entry = record(console, visit.request, SIGN_OUT, account, session.access_key or "")
    token = visit.request.cookies.get(SESSION_COOKIE, "")
    await audited_change(console, entry, lambda ctx: sessions.sign_out(ctx, token))
    response = redirect("/console/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response
