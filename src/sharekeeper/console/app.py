"""The console's routes: sign-in, an account's pages, the operator's pages, its stylesheet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sharekeeper.api.http.endpoint import Edge
from sharekeeper.console import lists, operator, pages, sign_in, views
from sharekeeper.console.navigation import prefers_html
from sharekeeper.console.web import SESSION_COOKIE, Console, Handler, guarded, page, secured
from sharekeeper.domain.errors import ApiNotFound
from sharekeeper.services import sessions

GET, POST = ["GET"], ["POST"]
SHARE = "/console/shares/{share_id:str}"
# An account's pages: (path, methods, handler).
ACCOUNT_PAGES: tuple[tuple[str, list[str], Handler], ...] = (
    ("/console", GET, pages.home),
    ("/console/sign-out", POST, sign_in.sign_out),
    ("/console/invitations", GET, lists.invitations),
    ("/console/invitations/{invitation_id:str}/accept", POST, pages.accept_invitation),
    ("/console/invitations/{invitation_id:str}/reject", POST, pages.reject_invitation),
    ("/console/shares", GET, lists.shares_list),
    ("/console/shares/new", GET, pages.new_share),
    ("/console/shares/new", POST, pages.create_share),
    (SHARE, GET, views.or_received(pages.share_detail)),
    (SHARE + "/edit", GET, pages.edit_share_form),
    (SHARE + "/edit", POST, pages.edit_share),
    (SHARE + "/associate", POST, pages.associate),
    (SHARE + "/disassociate", POST, pages.disassociate),
    (SHARE + "/tags/add", POST, pages.add_tags),
    (SHARE + "/tags/remove", POST, pages.remove_tag),
    (SHARE + "/permissions/add", POST, pages.add_permission),
    (SHARE + "/permissions/remove", POST, pages.remove_permission),
    (SHARE + "/delete", GET, pages.delete_share_form),
    (SHARE + "/delete", POST, pages.delete_share),
    ("/console/shared-with-me", GET, pages.shared_with_me),
    ("/console/organization", GET, pages.organization),
    ("/console/organization/sharing", POST, pages.organization_sharing),
    *views.PAGES,
)
OPERATOR_PAGES: tuple[tuple[str, list[str], Handler], ...] = (
    ("/console/operator/sign-out", POST, sign_in.sign_out),
    ("/console/operator/accounts", GET, operator.accounts),
    ("/console/operator/accounts", POST, operator.create_account),
    ("/console/operator/accounts/{account_id:str}/keys", POST, operator.create_key),
    ("/console/operator/keys/{access_key:str}/revoke", GET, operator.revoke_key_form),
    ("/console/operator/keys/{access_key:str}/revoke", POST, operator.revoke_key),
    ("/console/operator/directory", GET, operator.directory),
    ("/console/operator/audit", GET, operator.audit_trail),
    ("/console/operator/graph", GET, operator.graph),
    (operator.WEBHOOKS, GET, operator.webhooks_page),
    (operator.WEBHOOKS + "/replay", POST, operator.replay_all),
    (
        "/console/operator/dead-letters/{dead_letter_id:str}/replay",
        POST,
        operator.replay_dead_letter,
    ),
)
_STYLESHEET = resources.files("sharekeeper.console").joinpath("static/console.css").read_bytes()


def _open(
    console: Console, handler: Callable[[Console, Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """A page anyone may load (the sign-in forms), guarded like every other."""

    async def respond(request: Request) -> Response:
        return await handler(console, request)

    return guarded(console, respond)


def _not_found(console: Console) -> Callable[[Request], Awaitable[Response]]:
    """Any other path under /console: a page, not the API's JSON."""

    async def respond(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:  # the page keeps the signed-in header (and way home) of who is looking
            request.state.session = await console.run(sessions.resume, token)
        raise ApiNotFound(request.method, request.url.path)

    return guarded(console, respond)


async def _front_door(request: Request) -> Response:
    """``GET /``: a browser is sent to the console; an API client (the SDK, curl) keeps the
    API's own answer, a JSON 404 naming the path, as before."""
    if prefers_html(request.headers.get("accept", "")):
        # Vary: a cache must not hand the browser's redirect to an API client.
        return secured(RedirectResponse("/console/", 302, headers={"Vary": "Accept"}))
    raise HTTPException(404)


async def _stylesheet(request: Request) -> Response:
    return secured(Response(_STYLESHEET, media_type="text/css"))


def console_routes(edge: Edge, admin_token: str | None) -> list[Route]:
    console = Console(edge, admin_token)
    routes = [
        Route("/", _front_door, methods=GET),
        Route("/console/static/console.css", _stylesheet, methods=GET),
        Route("/console/sign-in", _open(console, sign_in.sign_in_form), methods=GET),
        Route("/console/sign-in", _open(console, sign_in.sign_in), methods=POST),
    ]
    routes += [Route(p, page(console, h), methods=m) for p, m, h in ACCOUNT_PAGES]
    if admin_token:  # without a token there is no operator, as there is no admin API
        routes += [
            Route("/console/operator/sign-in", _open(console, sign_in.operator_form), methods=GET),
            Route(
                "/console/operator/sign-in",
                _open(console, sign_in.operator_sign_in),
                methods=POST,
            ),
        ]
        routes += [
            Route(p, page(console, h, operator=True), methods=m) for p, m, h in OPERATOR_PAGES
        ]
    every = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    routes.append(Route("/console/{rest:path}", _not_found(console), methods=every))
    return routes
