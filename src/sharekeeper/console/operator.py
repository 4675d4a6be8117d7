"""The operator's pages (signed in with the admin token): accounts and their keys, the
organization directory, the audit trail, and a picture of who shares with whom. Changes are
audited with the operator as their account and the console as their channel."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from starlette.responses import Response

from sharekeeper.api.endpoint import audited
from sharekeeper.console.graph import layout
from sharekeeper.console.web import Console, Visit, redirect, source_of
from sharekeeper.domain.audit import AuditFilter, AuditRecord
from sharekeeper.domain.errors import ShareKeeperError
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.sessions import OPERATOR
from sharekeeper.services import audit, identity
from sharekeeper.services import console as reads
from sharekeeper.services.context import Context

T = TypeVar("T")
AUDIT_PAGE = 100
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MARKER = re.compile(r"\d{1,18}")


def _param(visit: Visit, name: str, pattern: re.Pattern[str] = _ID) -> str | None:
    value = visit.request.query_params.get(name, "").strip()
    return value if pattern.fullmatch(value) else None


async def _audited(
    console: Console, visit: Visit, operation: str, target: str, change: Callable[[Context], T]
) -> T:
    record = AuditRecord(
        at=console.edge.ctx.clock(),
        account_id=OPERATOR,
        access_key="",
        operation=operation,
        request_id=visit.request_id,
        source_address=source_of(visit.request),
        targets=[target] if target else [],
        outcome="200",
        channel="console",
    )
    return await console.edge.serving.run(audited, console.edge.ctx, record, change)


async def _accounts_page(
    console: Console, visit: Visit, status: int = 200, **values: object
) -> Response:
    after = _param(visit, "after")
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
    account_id = visit.request.path_params["account_id"]
    key = await _audited(
        console,
        visit,
        "CreateAccessKey",
        account_id,
        lambda ctx: identity.create_access_key(ctx, account_id),
    )
    return await _accounts_page(console, visit, 201, issued=(account_id, key))


async def revoke_key(console: Console, visit: Visit) -> Response:
    access_key = visit.request.path_params["access_key"]
    await _audited(
        console,
        visit,
        "RevokeAccessKey",
        access_key,
        lambda ctx: identity.revoke_access_key(ctx, access_key),
    )
    return redirect("/console/operator/accounts")


async def directory(console: Console, visit: Visit) -> Response:
    trees = await console.run(reads.directory)
    return console.render(visit.request, "operator_directory.html", visit.session, trees=trees)


async def audit_trail(console: Console, visit: Visit) -> Response:
    wanted = AuditFilter(
        account_id=_param(visit, "account_id"),
        operation=_param(visit, "operation"),
        channel=_param(visit, "channel"),
    )
    marker = _param(visit, "marker", _MARKER)
    page = await console.run(audit.list_audit_records, wanted, PageRequest(AUDIT_PAGE, marker))
    return console.render(
        visit.request,
        "operator_audit.html",
        visit.session,
        records=page.items,
        wanted=wanted,
        next_marker=page.next_marker,
    )


async def graph(console: Console, visit: Visit) -> Response:
    picture = await console.run(reads.sharing_picture)
    return console.render(
        visit.request, "operator_graph.html", visit.session, picture=picture, g=layout(picture)
    )
