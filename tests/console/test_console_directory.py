"""The console's organization pages over plain HTTP: the manager's page and the operator's
directory show a page of member accounts with a link to the next, never the whole list."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from bench import seed as bulk

from sharekeeper.domain.clock import system_clock
from sharekeeper.domain.organizations import Organization
from sharekeeper.services import console as reads
from sharekeeper.services import directory
from tests.console.test_console_http import TOKEN, Browserless, console_server
from tests.support import Account, LiveServer

__all__ = ["console_server"]  # the module's server fixture, shared

MEMBERS = 2 * reads.MEMBERS_PAGE + 3
# A member account in the OU tree (the page's facts name the management account too).
_ACCOUNT = re.compile(r'class="member">Account [^<]*<code>([0-9a-f]{32})</code>')


@pytest.fixture
def visitor(console_server: LiveServer) -> Iterator[Browserless]:
    client = Browserless(console_server)
    yield client
    client.close()


def _next_link(page: str, prefix: str) -> str | None:
    found = re.search(r'href="(' + re.escape(html.escape(prefix)) + r'[^"]*)">Next', page)
    return None if found is None else html.unescape(found.group(1))


def _walk(visitor: Browserless, start: str, prefix: str) -> list[str]:
    """Every account id shown, following the "Next" links (at most 10 pages)."""
    shown: list[str] = []
    path: str | None = start
    for _ in range(10):
        if path is None:
            break
        page = visitor.http.get(path)
        assert page.status_code == 200, page.text
        shown += _ACCOUNT.findall(page.text)
        path = _next_link(page.text, prefix)
    return shown


def test_the_manager_and_the_operator_see_members_a_page_at_a_time(
    console_server: LiveServer, visitor: Browserless
) -> None:
    manager = console_server.account("console-pages")
    context = console_server.runtime.context
    made = directory.create_organization(context, manager.caller()).organization
    bulk.load_members(console_server.runtime.engine, made, MEMBERS, system_clock() + 1)
    try:
        _walk_both(console_server, visitor, manager, made)
    finally:
        bulk.unload(console_server.runtime.engine, made)  # the run's other tests share it


def _walk_both(
    console_server: LiveServer, visitor: Browserless, manager: Account, made: Organization
) -> None:
    visitor.sign_in(manager)
    first = visitor.http.get("/console/organization")
    assert len(set(_ACCOUNT.findall(first.text))) == reads.MEMBERS_PAGE
    shown = _walk(visitor, "/console/organization", "/console/organization?marker=")
    assert len(shown) == len(set(shown)) == MEMBERS + 1  # and the manager
    assert visitor.http.get("/console/organization?marker=zz").status_code == 400

    operator = Browserless(console_server)
    try:
        token = operator.form_token("/console/operator/sign-in")
        operator.http.post(
            "/console/operator/sign-in", data={"csrf_token": token, "admin_token": TOKEN}
        )
        start = f"/console/operator/directory?organization={made.id}"
        prefix = f"/console/operator/directory?organization={made.id}&marker="
        listed = _walk(operator, start, prefix)
        assert len(listed) == len(set(listed)) == MEMBERS + 1
        assert set(listed) == set(shown)
        directory = operator.http.get("/console/operator/directory")
        assert directory.status_code == 200
        assert len(set(_ACCOUNT.findall(directory.text))) <= reads.DIRECTORY_PAGE * (
            reads.MEMBERS_PAGE + 1
        )
        unknown = operator.http.get("/console/operator/directory?organization=o-none")
        assert unknown.status_code == 200 and "No such organization" in unknown.text
        bad = operator.http.get("/console/operator/directory?organization=%00")
        assert bad.status_code == 400
    finally:
        operator.close()
