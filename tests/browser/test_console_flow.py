"""Moving through the console in Chromium: every page fits a 360 px screen and passes axe, the
page asked for comes back after sign-in, lists filter by what is in their link, each change
leaves a notice announced once, a key is revoked only after a confirmation, and a browser at
``/`` lands on the console."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import ADMIN_TOKEN
from tests.browser.console import Person
from tests.browser.screenshots import PAGES, _scene
from tests.browser.test_console import _accessible
from tests.sdk.helpers import create_share
from tests.support import LiveServer

pytestmark = pytest.mark.slow
PHONE = {"viewport": {"width": 360, "height": 740}}
# Longer than a 360 px line holds, and as long as a share's name (64) allows after its prefix.
LONG_WORD = "-" + "unbroken" * 6 + "xx"
# The pages that print text another account set (the rest show the caller's own or none).
SHOWS_OTHERS_TEXT = {
    "invitations",
    "shares",
    "share",
    "share-edit",
    "share-delete",
    "shared-with-me",
    "invitation",
    "received-share",
    "shared-with-me-resources",
    "shared-with-me-principals",
    "shared-by-me-resources",
    "shared-by-me-principals",
    "organization",
    "operator-accounts",
    "operator-revoke",
    "operator-directory",
    "operator-graph",
}


def _fits(person: Person, label: str) -> None:
    width = person.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{label} scrolls sideways at 360 px: {width} px"
    _accessible(person)


def test_every_page_fits_a_narrow_screen_and_passes_axe(
    console_server: LiveServer, people: Any
) -> None:
    """Every page the console serves (the screenshot command's list, which a unit test keeps
    equal to the console's routes), as each kind of visitor sees it, plus the pages a refusal,
    a filter and a notice make."""
    scene = _scene(console_server)
    visitors = _walk(scene, people)
    alice = visitors["alice"]
    long_filter = "/console/shares?status=active&tag=_sys_refused&principal=" + "p" * 200
    for path in (long_filter, "/console/no-such-page", "/console/invitations?status=pending"):
        alice.open(path)
        _fits(alice, path)
    # A refusal beside its field, and a notice, with a long URN in each.
    share_page = f"/console/shares/{scene['share']}"
    alice.open(share_page)
    alice.textbox("Resources to add").fill("vpc:cn-north-4:" + "9" * 32 + ":subnet:" + "x" * 60)
    alice.page.get_by_role("button", name="Associate", exact=True).click()
    alice.page.locator("#add-resource_urns-error").wait_for()
    _fits(alice, "a refused association")
    alice.textbox("Tags to add").fill("k" * 60 + "=" + "v" * 60)
    alice.page.get_by_role("button", name="Add tags").click()
    alice.page.get_by_role("status").wait_for()
    _fits(alice, "a notice")


def test_every_page_fits_with_long_words_another_account_chose(
    console_server: LiveServer, people: Any
) -> None:
    """Every page again, with the names, descriptions, tags and resource ids the owner sets
    (and the account names the operator sets) ending in a long unbroken word: one account's
    text must not make another's page scroll sideways."""
    shown: set[str] = set()

    def holds_the_word(name: str, person: Person) -> None:
        if LONG_WORD in person.page.locator("body").inner_text():
            shown.add(name)

    _walk(_scene(console_server, LONG_WORD), people, holds_the_word)
    # The word was on the pages that show another account's text, so the check meant something.
    assert not SHOWS_OTHERS_TEXT - shown, SHOWS_OTHERS_TEXT - shown


def _walk(
    scene: dict[str, Any], people: Any, also: Callable[[str, Person], None] | None = None
) -> dict[str | None, Person]:
    """Opens every page of ``PAGES`` on a phone as its visitor of ``scene``, checks it fits and
    passes axe (and runs ``also`` on it); returns the visitors, still signed in."""
    visitors: dict[str | None, Person] = {}
    for name, who, path in PAGES:
        if who not in visitors:
            visitors[who] = people(**PHONE)
            if who == "operator":
                visitors[who].sign_in_as_operator(ADMIN_TOKEN)
            elif who is not None:
                visitors[who].sign_in(scene[who])
        visitors[who].open(path.format(**scene))
        _fits(visitors[who], name)
        if also is not None:
            also(name, visitors[who])
    return visitors


def test_the_page_asked_for_comes_back_after_sign_in(
    console_server: LiveServer, people: Any
) -> None:
    owner = console_server.account("deep-owner")
    share = create_share(owner, "deep-share", resource_urns=[owner.urn("subnet-deep")])
    alice = people()
    alice.open(f"/console/shares/{share.id}?from=mail")
    page = alice.page
    assert "/console/sign-in?next=" in page.url
    alice.fill_sign_in(owner)
    page.get_by_role("heading", name="Resource share deep-share").wait_for()
    assert page.url.endswith(f"/console/shares/{share.id}?from=mail")
    # Another site's address in the link is never followed.
    eve = people()
    eve.open("/console/sign-in?next=https://evil.example/console/")
    eve.fill_sign_in(owner)
    eve.page.get_by_role("heading", name="Invitations").wait_for()
    assert eve.page.url == console_server.endpoint + "/console/invitations"


def test_a_browser_at_the_root_lands_on_the_console(
    console_server: LiveServer, people: Any
) -> None:
    visitor = people()
    visitor.open("/")
    visitor.page.get_by_role("heading", name="Sign in").wait_for()
    assert visitor.page.url.endswith("/console/sign-in")


def test_filters_notices_and_a_confirmed_revocation(
    console_server: LiveServer, people: Any
) -> None:
    owner, receiver = (console_server.account(name) for name in ("flow-owner", "flow-bob"))
    alice, bob, operator = people(), people(), people()
    alice.sign_in(owner)
    alice.create_share("flow-share", [receiver.account_id], [owner.urn("subnet-flow")])
    page = alice.page
    notice = page.get_by_role("status")
    assert notice.inner_text() == "Resource share flow-share created."
    _accessible(alice)
    page.reload()
    page.get_by_role("heading", name="Resource share flow-share").wait_for()
    assert page.get_by_role("status").count() == 0  # shown once
    alice.textbox("Tags to add").fill("team=infra")
    page.get_by_role("button", name="Add tags").click()
    assert page.get_by_role("status").inner_text() == "1 tag added."
    alice.create_share("flow-untagged", [], [owner.urn("subnet-untagged")])

    # The shares list filtered from its form: the filters land in the link.
    page.get_by_role("link", name="Resource shares").click()
    page.get_by_label("Tag").fill("team=infra")
    page.get_by_label("Principal").fill(receiver.account_id)
    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Clear filters").wait_for()
    assert re.search(r"tag=team%3Dinfra", page.url) and "status=active" in page.url
    assert alice.row("flow-share").count() == 1 and alice.row("flow-untagged").count() == 0
    _accessible(alice)

    # The receiver: newest first, filtered by status, a notice after Accept.
    bob.sign_in(receiver)
    bob.page.get_by_label("Status").select_option("pending")
    bob.page.get_by_role("button", name="Filter").click()
    bob.page.get_by_text("Newest first; pending only.").wait_for()
    bob.answer("flow-share", "Accept")
    assert bob.page.get_by_role("status").inner_text() == "Invitation to flow-share accepted."
    _accessible(bob)

    # The operator confirms before revoking the receiver's key; cancelling changes nothing.
    operator.sign_in_as_operator(ADMIN_TOKEN)
    operator.revoke_link(receiver.access_key).click()
    operator.page.get_by_role("button", name="Revoke access key").wait_for()
    _accessible(operator)
    operator.page.get_by_role("link", name="Cancel").click()
    operator.page.get_by_role("heading", name="Accounts and keys").wait_for()
    bob.open("/console/shared-with-me")
    assert bob.page.url.endswith("/console/shared-with-me")  # still signed in
    operator.revoke_link(receiver.access_key).click()
    operator.page.get_by_role("button", name="Revoke access key").click()
    status = operator.page.get_by_role("status")
    assert status.inner_text() == f"Access key {receiver.access_key} revoked."
    bob.open("/console/shared-with-me")
    assert "/console/sign-in" in bob.page.url  # the key's session ended with it
