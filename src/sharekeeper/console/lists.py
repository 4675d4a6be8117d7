"""An account's filtered lists, newest first: its invitations (by status) and its resource
shares (by name, status, tag and principal). Filters live in the query string, so a filtered
list is a link, and its next page keeps them."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response

from sharekeeper.console.pages import PAGE_SIZE
from sharekeeper.console.web import Console, Visit
from sharekeeper.domain.errors import InvalidParameter, ShareKeeperError
from sharekeeper.domain.invitations import InvitationStatus
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.shares import ShareLine, ShareQuery, ShareStatus
from sharekeeper.domain.tags import TagFilter
from sharekeeper.services import console as reads
from sharekeeper.services import shares
from sharekeeper.services.context import Context


async def invitations(console: Console, visit: Visit) -> Response:
    status = _choice(visit, "status", [s.value for s in InvitationStatus])
    found = await console.run(
        reads.invitations, visit.caller, PageRequest(PAGE_SIZE, visit.query("marker")), status
    )
    page, me = found.page, visit.caller.account_id
    return console.render(
        visit.request,
        "invitations.html",
        visit.session,
        received=[i for i in page.items if i.receiver_account_id == me],
        sent=[i for i in page.items if i.sender_account_id == me],
        names=found.names,
        wanted=status or "",
        statuses=[s.value for s in InvitationStatus],
        next_query=_next_query(page.next_marker, {"status": status}),
    )


def _choice(visit: Visit, name: str, allowed: list[str]) -> str | None:
    """A filter of fixed values from the query; empty (or absent) is every value."""
    value = visit.query(name)
    if value is not None and value not in allowed:
        raise InvalidParameter(f"{name} must be one of {', '.join(allowed)}, or empty for all.")
    return value


def _next_query(marker: str | None, filters: dict[str, str | None]) -> str:
    """The query of the next page's link: its marker and the filters it keeps, or "" for none."""
    if marker is None:
        return ""
    return urlencode({"marker": marker, **{k: v for k, v in filters.items() if v}})


async def shares_list(console: Console, visit: Visit) -> Response:
    """The account's shares, newest first, filtered by name, status, tag (``key`` or
    ``key=value``) and principal, all from the query string: a filtered list is a link."""
    filters = {k: (visit.query(k) or "")[:256] for k in ("name", "tag", "principal")}
    filters["status"] = _choice(visit, "status", [s.value for s in ShareStatus]) or ""
    try:
        query = _share_query(filters)
    except ShareKeeperError as error:  # a tag filter Huawei's rules refuse: said beside it
        return _shares_page(console, visit, filters, [], None, 400, error)
    wanted = PageRequest(PAGE_SIZE, visit.query("marker"))

    def search(ctx: Context) -> Page[ShareLine]:
        return shares.search_resource_shares(
            ctx, visit.caller, owned=True, query=query, page=wanted
        )

    page = await console.edge.serving.run(search, console.edge.ctx)
    return _shares_page(console, visit, filters, list(page.items), page.next_marker)


def _share_query(filters: dict[str, str]) -> ShareQuery:
    key, has_value, value = filters["tag"].partition("=")
    tags = (TagFilter(key.strip(), (value.strip(),) if has_value else ()),) if key.strip() else ()
    return ShareQuery(
        name=filters["name"] or None,
        status=filters["status"] or None,
        tag_filters=tags,
        principal=filters["principal"] or None,
        newest_first=True,
    )


def _shares_page(
    console: Console,
    visit: Visit,
    filters: dict[str, str],
    found: list[ShareLine],
    next_marker: str | None,
    status: int = 200,
    error: ShareKeeperError | None = None,
) -> Response:
    return console.render(
        visit.request,
        "shares.html",
        visit.session,
        status,
        shares=found,
        filters=filters,
        filtered=any(filters.values()),
        statuses=[s.value for s in ShareStatus],
        error=error,
        field="tag" if error is not None else "",
        next_query=_next_query(next_marker, dict(filters)),
    )
