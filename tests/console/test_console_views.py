"""The receiver's and owner's views over plain HTTP: who may read an invitation and a share
(a stranger gets the same not-found as for an id that does not exist), what an invitee is
shown before it answers, and the catalogue pages. tests/browser/test_console_views.py drives
the same pages in Chromium."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from sharekeeper.domain.permissions import Catalogue
from sharekeeper.testing import Account
from tests.console.test_console_http import Browserless, console_server
from tests.sdk.helpers import accept, create_share, invitation_for, reject
from tests.support import LiveServer

__all__ = ["console_server"]  # the module's server fixture, shared

MISSING_SHARE = "0f0e0d0c-0b0a-4908-8706-050403020100"
MISSING_INVITATION = "00000000-1111-4222-8333-444444444444"


@pytest.fixture
def people(console_server: LiveServer) -> Iterator[dict[str, Browserless]]:
    """An owner, a receiver it invites and a stranger, each signed in on its own cookies."""
    made: dict[str, Browserless] = {}
    for name in ("owner", "receiver", "stranger"):
        visitor = Browserless(console_server)
        made[name] = visitor
    yield made
    for visitor in made.values():
        visitor.close()


def _signed_in(server: LiveServer, visitor: Browserless, name: str) -> Account:
    account = server.account(name)
    assert visitor.sign_in(account).status_code == 303
    return account


def _offered(
    server: LiveServer, people: dict[str, Browserless], name: str
) -> tuple[Account, Account, Any, str]:
    """The owner, signed in, shares its subnet ``name`` with the receiver, signed in too:
    both, the share and the receiver's invitation id."""
    owner = _signed_in(server, people["owner"], "views-owner")
    receiver = _signed_in(server, people["receiver"], "views-receiver")
    urn = owner.urn(name)
    share = create_share(owner, name, principals=[receiver.account_id], resource_urns=[urn])
    return owner, receiver, share, invitation_for(receiver, share.id).resource_share_invitation_id


def _not_found(visitor: Browserless, path: str, code: str) -> str:
    """The page's error with the id in it blanked: what a refusal says apart from the id."""
    page = visitor.http.get(path)
    assert page.status_code == 404, page.text
    assert code in page.text
    found = re.search(r'<div class="error" role="alert">(.*?)</div>', page.text, re.S)
    assert found is not None
    return re.sub(r"[0-9a-f-]{36}", "ID", html.unescape(found.group(1)))


def test_a_stranger_reads_no_share_nor_invitation_and_learns_nothing_of_them(
    console_server: LiveServer, people: dict[str, Browserless]
) -> None:
    owner, receiver, share, invitation = _offered(console_server, people, "subnet-o")
    _signed_in(console_server, people["stranger"], "views-stranger")
    stranger = people["stranger"]

    # The same answer as for ids that do not exist: nothing tells the stranger they do.
    share_refusal = _not_found(stranger, f"/console/shares/{share.id}", "RAM.9401")
    assert share_refusal == _not_found(stranger, f"/console/shares/{MISSING_SHARE}", "RAM.9401")
    invitation_path = f"/console/invitations/{invitation}"
    refusal = _not_found(stranger, invitation_path, "RAM.9402")
    assert refusal == _not_found(stranger, f"/console/invitations/{MISSING_INVITATION}", "RAM.9402")
    page = stranger.http.get(f"/console/shares/{share.id}")
    assert owner.urn("subnet-o") not in page.text and "subnet-o" not in page.text

    # Ids the API would refuse are refused the same way here.
    for path in (
        "/console/invitations/not%20an%20id",
        "/console/permissions/a%00b",
        "/console/shared-with-me/resources?marker=abc",
        "/console/shared-by-me/principals?marker=99999999999999999999",
    ):
        bad = stranger.http.get(path)
        assert bad.status_code == 400 and "RAM.9100" in bad.text, path

    # The invitee who rejects reads no more of the share.
    reject(receiver, invitation)
    _not_found(people["receiver"], f"/console/shares/{share.id}", "RAM.9401")
    page = people["receiver"].http.get(invitation_path)
    assert page.status_code == 200
    assert "rejected" in page.text and owner.urn("subnet-o") not in page.text


def test_an_invitee_sees_what_it_is_offered_and_a_read_only_share(
    console_server: LiveServer, people: dict[str, Browserless]
) -> None:
    owner, receiver, share, invitation = _offered(console_server, people, "subnet-offered")
    urn = owner.urn("subnet-offered")
    visitor = people["receiver"]

    listing = visitor.http.get("/console/invitations").text
    assert f'href="/console/invitations/{invitation}"' in listing
    # The list answers nothing: its pending row has a Review link, no Accept or Reject.
    assert f'<a href="/console/invitations/{invitation}">Review</a>' in listing
    assert "/accept" not in listing and "/reject" not in listing
    assert ">Accept</button>" not in listing and ">Reject</button>" not in listing
    page = visitor.http.get(f"/console/invitations/{invitation}").text
    permission = Catalogue.packaged().default_for("vpc:subnet")
    assert permission is not None
    for shown in (urn, "vpc:subnet", permission.name, *permission.actions, "views-owner"):
        assert html.escape(shown) in page, shown
    assert ">Accept</button>" in page and ">Reject</button>" in page

    # While pending, the share opens read-only; its other principals are not shown.
    view = visitor.http.get(f"/console/shares/{share.id}").text
    assert "invitation pending" in view and urn in view
    assert "/associate" not in view and "/edit" not in view and "/delete" not in view
    assert receiver.account_id not in view.split("<main", 1)[1]

    accept(receiver, invitation)
    view = visitor.http.get(f"/console/shares/{share.id}").text
    assert "status-associated" in view and "invitation pending" not in view
    page = visitor.http.get(f"/console/invitations/{invitation}").text
    assert ">Accept</button>" not in page and f'href="/console/shares/{share.id}"' in page
    # The owner reads the invitation it sent too (no answer buttons), and still gets its
    # own page of the share, with every control.
    sent = people["owner"].http.get(f"/console/invitations/{invitation}").text
    assert receiver.account_id in sent and ">Accept</button>" not in sent
    assert "/associate" in people["owner"].http.get(f"/console/shares/{share.id}").text


def test_shared_with_and_by_me_name_shares_and_link_them(
    console_server: LiveServer, people: dict[str, Browserless]
) -> None:
    owner, receiver, share, invitation = _offered(console_server, people, "subnet-viewed")
    urn = owner.urn("subnet-viewed")
    accept(receiver, invitation)
    link = f'<a href="/console/shares/{share.id}">subnet-viewed</a>'

    mine = people["owner"].http
    resources = mine.get("/console/shared-by-me/resources").text
    assert urn in resources and link in resources
    principals = mine.get("/console/shared-by-me/principals").text
    # The receiver answered, so the owner may see its name (principal_names).
    assert receiver.account_id in principals and "views-receiver" in principals

    theirs = people["receiver"].http
    resources = theirs.get("/console/shared-with-me/resources").text
    assert urn in resources and link in resources and owner.account_id in resources
    principals = theirs.get("/console/shared-with-me/principals").text
    assert owner.account_id in principals and link in principals
    overview = theirs.get("/console/shared-with-me").text
    assert link in overview
    # Neither side's view shows the other's: the owner receives nothing.
    assert urn not in mine.get("/console/shared-with-me/resources").text


def test_the_permission_library_and_resource_types(
    console_server: LiveServer, people: dict[str, Browserless]
) -> None:
    _signed_in(console_server, people["owner"], "views-reader")
    http = people["owner"].http
    catalogue = Catalogue.packaged()
    listing = http.get("/console/permissions").text
    for p in catalogue.permissions():
        assert f'href="/console/permissions/{p.id}">{p.name}</a>' in listing
    several = next(p for p in catalogue.permissions() if len(catalogue.versions(p.id)) > 1)
    page = http.get(f"/console/permissions/{several.id}").text
    for version in catalogue.versions(several.id):
        assert f'id="version-{version.version}"' in page
        for action in version.actions:
            assert f"<code>{action}</code>" in page
    _not_found(people["owner"], "/console/permissions/no-such-permission", "RAM.9403")

    types = http.get("/console/resource-types").text
    for resource_type in catalogue.types.values():
        assert f"<code>{resource_type.name}</code>" in types
        assert ", ".join(resource_type.regions) in types
        assert f"<td>{resource_type.service}</td>" in types
