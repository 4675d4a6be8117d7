"""The receiver's and owner's views in a real Chromium, on a phone-wide screen: a receiver
reads an invitation's resources and permission before accepting, opens the share it
received, and an owner reads what it shares and the permission library. Every page passes
axe-core and none scrolls sideways at 360 px."""

from __future__ import annotations

from typing import Any

import pytest

from sharekeeper.domain.permissions import Catalogue
from tests.browser.console import Person
from tests.browser.test_console import _accessible
from tests.sdk.helpers import accept, create_share, invitation_for
from tests.support import LiveServer

pytestmark = pytest.mark.slow

PHONE = {"viewport": {"width": 360, "height": 740}}


def _checked(person: Person) -> None:
    """The page as it stands: no axe violation, and no sideways scroll on the phone."""
    person.page.wait_for_load_state()
    _accessible(person)
    width = person.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{person.page.url} scrolls sideways at 360 px: {width}px"


def _follow(person: Person, name: str, where: Any = None, check: bool = True) -> None:
    """Clicks the link ``name`` (in ``where``, else the page), waits for the next page and,
    unless it is not one of these views (``check``), checks it."""
    scope = person.page if where is None else where
    with person.page.expect_navigation():
        scope.get_by_role("link", name=name, exact=True).first.click()
    if check:
        _checked(person)


def test_a_receiver_reads_an_invitation_before_accepting_and_opens_the_share(
    console_server: LiveServer, people: Any
) -> None:
    owner, receiver = console_server.account("owner"), console_server.account("receiver")
    urn = owner.urn("subnet-offered")
    create_share(
        owner,
        "offered-subnet",
        description="for the build farm",
        principals=[receiver.account_id],
        resource_urns=[urn],
    )
    permission = Catalogue.packaged().default_for("vpc:subnet")
    assert permission is not None

    bob = people(**PHONE)
    bob.sign_in(receiver)
    _follow(bob, "offered-subnet", bob.row("offered-subnet"))
    page = bob.page
    assert page.get_by_role("heading", level=1).inner_text() == "Invitation to offered-subnet"
    text = bob.text()
    for shown in (urn, "vpc:subnet", permission.name, *permission.actions, "for the build farm"):
        assert shown in text, shown

    # Before answering, the permission opens in the library at the version the share binds.
    _follow(bob, permission.name)
    assert f"version-{permission.version}" in page.url
    assert permission.actions[0] in bob.text()
    page.go_back()
    with page.expect_navigation():
        page.get_by_role("button", name="Accept", exact=True).click()
    assert "accepted" in bob.row("offered-subnet").inner_text()

    _follow(bob, "Shared with me")
    _follow(bob, "offered-subnet", bob.row("offered-subnet").first)
    assert page.get_by_role("heading", level=1).inner_text() == "Resource share offered-subnet"
    assert "read-only" in bob.text() and urn in bob.text()
    assert page.get_by_role("button").all_inner_texts() == ["Sign out"]  # no controls
    assert page.get_by_role("link", name="Edit").count() == 0

    _follow(bob, "Shared with me")
    _follow(bob, "Resources")
    assert "offered-subnet" in bob.row(urn).inner_text()
    _follow(bob, "Principals")
    assert owner.account_id in bob.row("offered-subnet").inner_text()


def test_an_owner_reads_what_it_shares_and_the_catalogue(
    console_server: LiveServer, people: Any
) -> None:
    owner, receiver = console_server.account("owner"), console_server.account("receiver")
    urn = owner.urn("subnet-by-me")
    share = create_share(
        owner, "by-me-subnet", principals=[receiver.account_id], resource_urns=[urn]
    )
    # The views list what is in effect, as the API's: the receiver has accepted.
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    catalogue = Catalogue.packaged()
    several = next(p for p in catalogue.permissions() if len(catalogue.versions(p.id)) > 1)

    alice = people(**PHONE)
    alice.sign_in(owner)
    _follow(alice, "Shared by me")
    assert "by-me-subnet" in alice.row(urn).inner_text()
    _follow(alice, "Principals")
    assert "by-me-subnet" in alice.row(receiver.account_id).inner_text()
    # The owner's own page, with its controls (tests/browser/test_console.py checks it).
    _follow(alice, "by-me-subnet", alice.row(receiver.account_id), check=False)
    assert alice.page.get_by_role("button", name="Associate", exact=True).count() == 1

    _follow(alice, "Permissions")
    for p in catalogue.permissions():
        assert alice.row(p.name).count() == 1
    _follow(alice, several.name)
    versions = alice.page.get_by_role("heading", level=3).all_inner_texts()
    assert len(versions) == len(catalogue.versions(several.id)), versions
    for version in catalogue.versions(several.id):
        for action in version.actions:
            assert action in alice.text()

    _follow(alice, "Resource types")
    for resource_type in catalogue.types.values():
        row = alice.row(resource_type.name).first.inner_text()
        assert resource_type.service in row and resource_type.regions[0] in row
