"""The console's plumbing, shared by every page: who is signed in (a server-side session named
by an HttpOnly cookie), CSRF and origin checks on every form, the security headers, rendering,
and running a change as the API's own operation, audited with the console as its channel."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import jinja2
import msgspec
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sharekeeper.api.endpoint import Edge, new_request_id, run_operation
from sharekeeper.api.errors import answered, status_of
from sharekeeper.api.routes import OPERATIONS
from sharekeeper.auth.verify import IncomingRequest
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.ratelimit import RateLimiter
from sharekeeper.domain.sessions import ConsoleSession
from sharekeeper.services import sessions

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
# Failed sign-ins per source address: 5 at once, then one every 12 seconds.
FAILED_SIGN_IN_BURST = 5
FAILED_SIGN_IN_RATE = 1 / 12
MAX_FORM_FIELDS = 200
_OPERATIONS = {op.name: op for op in OPERATIONS}
_encode = msgspec.json.Encoder().encode


def _when(millis: int | None) -> str:
    if millis is None:
        return ""
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Console:
    """What every console page of one app shares."""

    def __init__(self, edge: Edge, admin_token: str | None) -> None:
        self.edge = edge
        self.admin_token = admin_token
        self.failed_sign_ins = RateLimiter(FAILED_SIGN_IN_RATE, FAILED_SIGN_IN_BURST)
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("sharekeeper.console"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.templates.filters["when"] = _when

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
        html = self.templates.get_template(template).render(
            request=request,
            session=session,
            csrf_token=session.csrf_token if session is not None else "",
            **values,
        )
        return secured(HTMLResponse(html, status))


def secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("X-Request-Id", new_request_id())
    return response


def redirect(path: str) -> Response:
    """After a change, the browser loads the page that shows it (a reload does not repeat it)."""
    return secured(RedirectResponse(path, 303))


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
    request_id: str

    @property
    def caller(self) -> Caller:
        account_id, access_key = self.session.account_id, self.session.access_key
        assert account_id is not None and access_key is not None  # pages check who may enter
        return Caller(account_id, access_key)

    def field(self, name: str) -> str:
        value = self.form.get(name, "") if self.form is not None else ""
        return value if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]


Handler = Callable[[Console, Visit], Awaitable[Response]]


class Refused(Exception):
    """A request the console turns away with a page of its own (a bad form, a CSRF miss)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def page(
    console: Console, handler: Handler, operator: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """A console page: only for a live session of the right kind (an account's, or the
    operator's), a form post only with its session's CSRF token and from the console's own
    origin. Errors become pages, never a trace."""

    async def endpoint(request: Request) -> Response:
        request_id = new_request_id()
        session: ConsoleSession | None = None
        try:
            token = request.cookies.get(SESSION_COOKIE)
            session = await console.run(sessions.resume, token) if token else None
            if session is None:
                return redirect("/console/sign-in")
            if session.operator != operator:
                home = "/console/operator/accounts" if session.operator else "/console/invitations"
                return redirect(home)
            form = None
            if request.method == "POST":
                if not same_origin(request):
                    raise Refused(403, "The form was posted from another site.")
                form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
                given = form.get(CSRF_FIELD, "")
                if not isinstance(given, str) or not hmac.compare_digest(
                    given.encode(), session.csrf_token.encode()
                ):
                    raise Refused(403, "The form has no valid CSRF token; reload the page.")
            return await handler(console, Visit(request, session, form, request_id))
        except Refused as refusal:
            return console.render(
                request, "error.html", session, refusal.status, code="", message=str(refusal)
            )
        except Exception as failure:
            error = answered(failure, request_id)
            return console.render(
                request,
                "error.html",
                session,
                status_of(type(error)),
                code=error.code,
                message=error.message,
            )

    return endpoint


def act(
    console: Console, visit: Visit, operation: str, path: dict[str, str], body: dict[str, Any]
) -> Awaitable[Any]:
    """Runs an API operation as the signed-in account, on the form's fields as its JSON body:
    the same decoding, rules and audit as a signed call, with ``console`` as its channel."""
    incoming = IncomingRequest(
        method="POST", raw_path="", raw_query="", headers={}, body=_encode(body)
    )
    return console.edge.serving.run(
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
