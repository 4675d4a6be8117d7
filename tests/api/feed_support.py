"""What the change feed tests share: reading GET /sharekeeper/v1/events as the operator
(the admin token) or signed as a service principal, to its end, and by kind."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from sharekeeper.testing import Account
from tests.api.decision_support import TOKEN
from tests.sdk.helpers import accept, create_share, disassociate, invitation_for
from tests.support import LiveServer, SignedHttp

EVENTS = "/sharekeeper/v1/events"
# Pages read at most to reach a feed's end: the module's server holds a few hundred events.
PAGES_MOST = 200


class Reachable(Protocol):
    """A server in this process (LiveServer) or another (ServerProcess)."""

    endpoint: str


def operator_read(server: Reachable, query: str = "", timeout: float = 30) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = server.endpoint + EVENTS + (f"?{query}" if query else "")
    return httpx.get(url, headers=headers, timeout=timeout)


def service_read(wire: SignedHttp, service: Account, query: str = "") -> httpx.Response:
    return wire.request(service, "GET", EVENTS, query=query, omit=("X-Domain-Id",))


def page(response: httpx.Response) -> tuple[list[dict[str, Any]], str]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"events", "cursor"}
    return body["events"], body["cursor"]


def tail(server: Reachable) -> str:
    """The cursor after every event committed so far."""
    _, cursor = read_all(server, None)
    return cursor


def read_all(server: Reachable, after: str | None) -> tuple[list[dict[str, Any]], str]:
    """Every event after ``after`` (from the oldest without it), and the cursor after them."""
    found: list[dict[str, Any]] = []
    cursor = after
    for _ in range(PAGES_MOST):
        query = "limit=1000" + ("" if cursor is None else f"&after={cursor}")
        events, cursor = page(operator_read(server, query))
        found += events
        if not events:
            return found, cursor
    raise AssertionError("the feed did not end within PAGES_MOST pages")


def kinds(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(type without its prefix, subject) of each event, in order."""
    return [(e["type"].removeprefix("sharekeeper."), e["subject"]) for e in events]


def search(wire: SignedHttp, owner: Account, path: str, key: str, body: Any) -> list[Any]:
    response = wire.request(owner, "POST", path, body)
    assert response.status_code == 200, response.text
    found: list[Any] = response.json()[key]
    return found


def share_story(server: LiveServer, name: str) -> str:
    """A share created, its invitation accepted, its principal disassociated: each kind of
    share event; returns the share's id."""
    owner, receiver = server.account("owner"), server.account("receiver")
    share = create_share(
        owner, name, principals=[receiver.account_id], resource_urns=[owner.urn(f"{name}-1")]
    )
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    disassociate(owner, share.id, principals=[receiver.account_id])
    return str(share.id)
