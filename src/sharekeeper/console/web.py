"""The console's plumbing, shared by every page: who is signed in (a server-side session named
by an HttpOnly cookie), CSRF and origin checks on every form, the security headers, rendering,
and running a change as the API's own operation, audited with the console as its channel."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import jinja2
import msgspec
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sharekeeper.api.errors import Shaped, render_error
from sharekeeper.api.http.endpoint import Edge, audited, new_request_id, path_id, run_operation
from sharekeeper.api.routes import OPERATIONS
from sharekeeper.auth.verify import IncomingRequest
from sharekeeper.aws.accounts import AccountIds
from sharekeeper.console.navigation import (
    ACCOUNT_HOME,
    NOTICE_COOKIE,
    NOTICE_SECONDS,
    OPERATOR_HOME,
    open_notice,
    seal_notice,
    sign_in_location,
)
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.audit import AuditRecord
from sharekeeper.domain.errors import (
    FormRefused,
    InvalidParameter,
    ServiceBusy,
    ShareKeeperError,
)
from sharekeeper.domain.sessions import ConsoleSession
from sharekeeper.logs import printable
from sharekeeper.services import sessions
from sharekeeper.services.context import Context

T = TypeVar("T")

SESSION_COOKIE = "sharekeeper_session"
# The sign-in form's own CSRF token, before any session exists (double submit: the cookie and
# the form field must match, and another site can set neither).
SIGN_IN_COOKIE = "sharekeeper_sign_in"
CSRF_FIELD = "csrf_token"
# No script at all, styles from the console's own stylesheet, forms only to itself, never
# framed: an injected tag could neither run nor send anything anywhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Not no-referrer: with it Chromium sends "Origin: null" on form posts, which the
    # origin check must refuse.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
MAX_FORM_FIELDS = 200
HTML = "text/html; charset=utf-8"
_OPERATIONS = {op.name: op for op in OPERATIONS}
_encode = msgspec.json.Encoder().encode


def _when(millis: int | None) -> str:
    if millis is None:
        return ""
    # time.gmtime, not datetime: a page of 50 rows formats 150 of these.
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(millis // 1000))


class Console:
    """What every console page of one app shares."""

    def __init__(self, edge: Edge, admin_token: str | None) -> None:
        self.edge = edge
        self.admin_token = admin_token
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("sharekeeper.console"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            auto_reload=False,  # the templates ship in the package: no file checks a page
        )
        self.templates.filters["when"] = _when
        # A caller's text (an audit target, a source) with its control characters shown.
        self.templates.filters["printable"] = printable
        # The admin token's fingerprint, kept in the operator's sessions: keyed by the master
        # key, so a copy of the database gives no way to test guesses of the token.
        self.operator_fingerprint = (
            edge.ctx.secret_box.fingerprint(admin_token) if admin_token else None
        )
        self.aws_ids = AccountIds()

    def operator_session(self, session: ConsoleSession) -> bool:
        """An operator's session holds only while the admin token it signed in with is the
        server's: changing a leaked token ends every session it opened."""
        current, given = self.operator_fingerprint, session.admin_token_hash
        return current is not None and given is not None and hmac.compare_digest(given, current)

    async def aws_id(self, account_id: str) -> str:
        """An account's 12-digit id on AWS's API, read once per process (every page's header
        shows the signed-in account's)."""
        known = self.aws_ids.cached(account_id)
        return known if known is not None else await self.run(self.aws_ids.aws_id, account_id)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """A service call, as the API runs its own (a greenlet or a thread)."""
        return await self.edge.serving.run(function, self.edge.ctx, *args)

    def render(
        self,
        request: Request,
        template: str,
        session: ConsoleSession | None = None,
        status: int = 200,
        **values: Any,
    ) -> Response:
        return secured(HTMLResponse(self.html(request, template, session, **values), status))

    def html(
        self, request: Request, template: str, session: ConsoleSession | None, **values: Any
    ) -> str:
        token = session.csrf_token if session is not None else ""
        return self.templates.get_template(template).render(
            request=request,
            session=session,
            # Every form's hidden CSRF field, made once a page (a macro call per row of
            # Accept and Reject buttons cost more than the rest of the row).
            csrf=Markup('<input type="hidden" name="csrf_token" value="%s">') % token,
            notice=getattr(request.state, "notice", None),
            aws_account_id=getattr(request.state, "aws_account_id", None),
            **values,
        )


def secured(response: Response) -> Response:
    """The console's security headers, and a request id (``guarded`` replaces it with the
    one the request's audit record carries)."""
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("X-Request-Id", new_request_id())
    return response


def token_matches(given: object, expected: str) -> bool:
    """A form's CSRF token against the one expected, in constant time."""
    return (
        isinstance(given, str)
        and bool(expected)
        and hmac.compare_digest(given.encode(), expected.encode())
    )


def redirect(path: str) -> Response:
    """After a change, the browser loads the page that shows it (a reload does not repeat it)."""
    return secured(RedirectResponse(path, 303))


def notify(console: Console, visit: Visit, path: str, text: str) -> Response:
    """After a change: the redirect to the page that shows it, and the notice that page shows
    once (a cookie of a minute, MAC'd for this session; ``guarded`` drops it once shown)."""
    response = redirect(path)
    value = seal_notice(text, visit.session.csrf_token, console.edge.ctx.secret_box.fingerprint)
    set_cookie(visit.request, response, NOTICE_COOKIE, value, max_age=NOTICE_SECONDS)
    return response


def _notice(console: Console, request: Request, session: ConsoleSession) -> str | None:
    value = request.cookies.get(NOTICE_COOKIE)
    if not value:
        return None
    return open_notice(value, session.csrf_token, console.edge.ctx.secret_box.fingerprint)


def source_of(request: Request) -> str:
    return request.client.host if request.client else ""


def same_origin(request: Request) -> bool:
    """A form post names its page's origin (browsers send Origin on every POST); one from
    another site is refused even before its CSRF token is read."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def set_cookie(request: Request, response: Response, name: str, value: str, **extra: Any) -> None:
    response.set_cookie(
        name,
        value,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        **extra,
    )


@dataclass(frozen=True, slots=True)
class Visit:
    """One request of a signed-in person: the session, and the posted form if any."""

    request: Request
    session: ConsoleSession
    form: FormData | None

    @property
    def request_id(self) -> str:
        return str(self.request.state.request_id)

    @property
    def caller(self) -> Caller:
        account_id, access_key = self.session.account_id, self.session.access_key
        assert account_id is not None and access_key is not None  # pages check who may enter
        return Caller(account_id, access_key)

    def path_id(self, name: str) -> str:
        """An id from the path, checked as the API checks its path ids."""
        return path_id(name, self.request.path_params[name])

    def query(self, name: str) -> str | None:
        value = self.request.query_params.get(name, "").strip()
        return value or None

    def field(self, name: str) -> str:
        value = self.form.get(name, "") if self.form is not None else ""
        return value if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]


Handler = Callable[[Console, Visit], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


class Busy(Exception):
    """The database was too busy for a console action: answered as the API answers it."""

    def __init__(self, error: ServiceBusy) -> None:
        super().__init__(error.message)
        self.error = error


def guarded(console: Console, respond: Endpoint) -> Endpoint:
    """Every console request: its id, NUL refused in the path and query (PostgreSQL text
    cannot hold one), and every failure answered as a page, never a trace."""

    async def endpoint(request: Request) -> Response:
        request.state.request_id = new_request_id()
        try:
            values = [*request.path_params.values(), *request.query_params.values()]
            if any("\x00" in str(v) for v in values):
                raise InvalidParameter("The request holds a NUL character.")
            response = await respond(request)
        except Exception as failure:
            response = _failure_page(console, request, failure)
        if NOTICE_COOKIE in request.cookies and not 300 <= response.status_code < 400:
            # Shown on this page (or not for this session): a reload does not show it again.
            response.delete_cookie(NOTICE_COOKIE, path="/console")
        # Every answer, a redirect after a change too, names the id its audit record carries.
        response.headers["X-Request-Id"] = request.state.request_id
        return response

    return endpoint


def _failure_page(console: Console, request: Request, failure: Exception) -> Response:
    """The API's answer to ``failure`` (status, code, Retry-After, request id, a defect
    logged), as a page."""
    session = getattr(request.state, "session", None)
    if isinstance(failure, Busy):
        failure = failure.error

    def page(status: int, error: ShareKeeperError, request_id: str) -> Shaped:
        heading = "Not found" if status == 404 else "Refused"
        values = {"heading": heading, "code": error.code, "message": error.message}
        return Shaped(status, HTML, console.html(request, "error.html", session, **values).encode())

    rendered = render_error(failure, request.state.request_id, request.scope, page)
    return secured(rendered.response())


async def read_form(request: Request) -> FormData:
    """A posted form from this console's own pages: refused from another site's (by its
    Origin), when it cannot be read (too many fields, not a form) or when it holds a NUL."""
    if not same_origin(request):
        raise FormRefused("The form was posted from another site.")
    try:
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    except HTTPException as unreadable:  # Starlette's answer to a form it will not parse
        raise InvalidParameter(f"The form could not be read: {unreadable.detail}") from None
    if any("\x00" in str(v) for v in form.values()):
        raise InvalidParameter("The form holds a NUL character.")
    return form


def page(console: Console, handler: Handler, operator: bool = False) -> Endpoint:
    """A console page: only for a live session of the right kind (an account's, within the
    API's per-account rate limit, or the operator's, signed in with the current admin token),
    a form post only with its session's CSRF token and from the console's own origin."""

    async def respond(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        session = await console.run(sessions.resume, token) if token else None
        if session is not None and session.operator and not console.operator_session(session):
            session = None
        if session is None:
            # The page asked for comes back after sign-in (a form post cannot be replayed).
            wanted = _asked_for(request) if request.method == "GET" else None
            return redirect(sign_in_location(wanted, operator))
        request.state.session = session
        request.state.notice = _notice(console, request, session)
        if session.operator != operator:
            return redirect(OPERATOR_HOME if session.operator else ACCOUNT_HOME)
        limiter = console.edge.limiter
        if limiter is not None and session.account_id is not None:
            limiter.take(session.account_id)
        if session.account_id is not None:
            request.state.aws_account_id = await console.aws_id(session.account_id)
        form = None
        if request.method == "POST":
            form = await read_form(request)
            if not token_matches(form.get(CSRF_FIELD), session.csrf_token):
                raise FormRefused("The form has no valid CSRF token; reload the page.")
        return await handler(console, Visit(request, session, form))

    return guarded(console, respond)


def _asked_for(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def record(
    console: Console,
    request: Request,
    operation: str,
    account_id: str,
    access_key: str = "",
    targets: tuple[str, ...] = (),
) -> AuditRecord:
    """The audit record of a console action that is not an API operation (signing in and
    out, the operator's changes)."""
    return AuditRecord(
        at=console.edge.ctx.clock(),
        account_id=account_id,
        access_key=access_key,
        operation=operation,
        request_id=request.state.request_id,
        source_address=source_of(request),
        targets=list(targets),
        outcome="200",
        channel="console",
    )


def audited_change(
    console: Console, entry: AuditRecord, change: Callable[[Context], T]
) -> Awaitable[T]:
    """Runs ``change`` with ``entry`` committed alongside it, or recorded as refused."""
    return console.edge.serving.run(audited, console.edge.ctx, entry, change)


async def act(
    console: Console, visit: Visit, operation: str, path: dict[str, str], body: dict[str, Any]
) -> Any:
    """Runs an API operation as the signed-in account, on the form's fields as its JSON body:
    the same decoding, rules and audit as a signed call, with ``console`` as its channel."""
    incoming = IncomingRequest(
        method="POST", raw_path="", raw_query="", headers={}, body=_encode(body)
    )
    try:
        return await console.edge.serving.run(
            run_operation,
            console.edge,
            _OPERATIONS[operation],
            visit.caller,
            incoming,
            path,
            visit.request_id,
            source_of(visit.request),
            None,
            "console",
        )
    except ServiceBusy as busy:
        # Not the form's fault: a page of its own (503, Retry-After), not the form again.
        raise Busy(busy) from None
