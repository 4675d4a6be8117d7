"""The operator's pages (signed in with the admin token): accounts and their keys, the
organization directory, the audit trail, a picture of who shares with whom, and the webhooks
with their dead letters. Changes are
audited with the operator as their account and the console as their channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from starlette.responses import Response

from sharekeeper.api.http.endpoint import path_id
from sharekeeper.console.aws_names import AUDIT_NAMESPACES
from sharekeeper.console.graph import layout
from sharekeeper.console.web import Console, Visit, audited_change, notify, record
from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.errors import InvalidParameter, ShareKeeperError
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.sessions import OPERATOR
from sharekeeper.services import audit, identity, webhooks
from sharekeeper.services import console as reads
from sharekeeper.services.context import Context

T = TypeVar("T")
AUDIT_PAGE = 100
WEBHOOKS_PAGE = 100


def _audited(
    console: Console, visit: Visit, operation: str, target: str, change: Callable[[Context], T]
) -> Awaitable[T]:
    """An operator's change, audited as the operator's, with the console as its channel."""
    entry = record(console, visit.request, operation, OPERATOR, "", (target,) if target else ())
    return audited_change(console, entry, change)


async def _accounts_page(
    console: Console, visit: Visit, status: int = 200, **values: object
) -> Response:
    after = visit.query("after")
    listed, next_after = await console.run(reads.accounts_with_keys, after)
    values.setdefault("error", None)
    values.setdefault("issued", None)
    return console.render(
        visit.request,
        "operator_accounts.html",
        visit.session,
        status,
        accounts=listed,
        next_after=next_after,
        **values,
    )


async def accounts(console: Console, visit: Visit) -> Response:
    return await _accounts_page(console, visit)


async def create_account(console: Console, visit: Visit) -> Response:
    name = visit.field("name").strip()
    try:
        account, key = await _audited(
            console, visit, "CreateAccount", "", lambda ctx: identity.create_account(ctx, name)
        )
    except ShareKeeperError as error:
        return await _accounts_page(console, visit, 400, error=error)
    # The new secret is shown this once, to hand to the account's owner; it is never logged.
    return await _accounts_page(console, visit, 201, issued=(account.id, key))


async def create_key(console: Console, visit: Visit) -> Response:
    account_id = visit.path_id("account_id")
    key = await _audited(
        console,
        visit,
        "CreateAccessKey",
        account_id,
        lambda ctx: identity.create_access_key(ctx, account_id),
    )
    return await _accounts_page(console, visit, 201, issued=(account_id, key))


async def revoke_key_form(console: Console, visit: Visit) -> Response:
    """The confirmation before a key is revoked: revoking ends its sessions and every client
    that signs with it at once, and cannot be undone."""
    found = await console.run(reads.key_with_account, visit.path_id("access_key"))
    return console.render(
        visit.request,
        "operator_revoke.html",
        visit.session,
        account=found.account,
        key=found.keys[0],
    )


async def revoke_key(console: Console, visit: Visit) -> Response:
    access_key = visit.path_id("access_key")
    await _audited(
        console,
        visit,
        "RevokeAccessKey",
        access_key,
        lambda ctx: identity.revoke_access_key(ctx, access_key),
    )
    done = f"Access key {access_key} revoked."
    return notify(console, visit, "/console/operator/accounts", done)


async def directory(console: Console, visit: Visit) -> Response:
    """A page of organizations with their first members; or, given ``organization``, that one
    with the page of its members from ``marker``."""
    chosen = visit.query("organization")
    if chosen is None:
        found = await console.run(reads.directory, visit.query("after"))
        trees, next_marker = list(found.items), found.next_marker
    else:
        organization_id = path_id("organization", chosen)
        tree = await console.run(reads.directory_members, organization_id, visit.query("marker"))
        trees, next_marker = ([] if tree is None else [tree]), None
    return console.render(
        visit.request,
        "operator_directory.html",
        visit.session,
        trees=trees,
        chosen=chosen,
        next_marker=next_marker,
        members_page=reads.MEMBERS_PAGE,
        directory_page=reads.DIRECTORY_PAGE,
    )


async def audit_trail(console: Console, visit: Visit) -> Response:
    api = visit.query("api")
    if api is not None and api not in AUDIT_NAMESPACES:
        raise InvalidParameter(f"api must be one of {', '.join(AUDIT_NAMESPACES)}.")
    wanted = AuditFilter(
        account_id=visit.query("account_id"),
        operation=visit.query("operation"),
        channel=visit.query("channel"),
        namespace=None if api is None else AUDIT_NAMESPACES[api],
    )
    marker = visit.query("marker")
    page = await console.run(audit.list_audit_records, wanted, PageRequest(AUDIT_PAGE, marker))
    return console.render(
        visit.request,
        "operator_audit.html",
        visit.session,
        records=page.items,
        wanted=wanted,
        api=api,
        next_marker=page.next_marker,
    )


async def graph(console: Console, visit: Visit) -> Response:
    picture = await console.run(reads.sharing_picture)
    return console.render(
        visit.request, "operator_graph.html", visit.session, picture=picture, g=layout(picture)
    )


async def webhooks_page(console: Console, visit: Visit) -> Response:
    """The webhooks (URL, patterns, state, how far behind the feed), and a page of dead
    letters, each with its Replay button."""
    found = await console.run(
        webhooks.list_webhooks, PageRequest(WEBHOOKS_PAGE, visit.query("after"))
    )
    letters = await console.run(
        webhooks.list_dead_letters, None, PageRequest(WEBHOOKS_PAGE, visit.query("marker"))
    )
    return console.render(
        visit.request,
        "operator_webhooks.html",
        visit.session,
        webhooks=found.items,
        next_after=found.next_marker,
        dead_letters=letters.items,
        next_marker=letters.next_marker,
    )


async def replay_dead_letter(console: Console, visit: Visit) -> Response:
    dead_letter_id = visit.path_id("dead_letter_id")
    await _audited(
        console,
        visit,
        "ReplayDeadLetter",
        dead_letter_id,
        lambda ctx: webhooks.replay_dead_letters(ctx, dead_letter_id),
    )
    done = (
        f"Replay of {dead_letter_id} requested: the server delivering its webhook sends it "
        "again, and removes it from this list once the receiver takes it."
    )
    return notify(console, visit, WEBHOOKS, done)


async def replay_all(console: Console, visit: Visit) -> Response:
    asked = await _audited(
        console,
        visit,
        "ReplayDeadLetters",
        "",
        lambda ctx: webhooks.replay_dead_letters(ctx, None),
    )
    return notify(console, visit, WEBHOOKS, f"Replay of {asked} dead letters requested.")


WEBHOOKS = "/console/operator/webhooks"
