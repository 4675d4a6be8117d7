"""The web console in a real Chromium: a receiver answers invitations, an owner creates a share
and watches its principal become associated, hostile requests are refused, and the operator
reads the audit trail of all of it. Every page passes axe-core's accessibility rules."""

from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkram.v1 import ShowOrganizationShareRequest

from tests.browser.conftest import ADMIN_TOKEN
from tests.browser.console import Person
from tests.sdk.helpers import create_share, invitation_for
from tests.support import LiveServer

pytestmark = pytest.mark.slow


def _axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the page as it stands (rule id and the elements it found)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]
    ]


def _accessible(person: Person) -> None:
    violations = _axe_violations(person.page)
    assert violations == [], f"{person.page.url}: {violations}"


def test_receiver_answers_invitations_and_owner_sees_the_principal_associated(
    console_server: LiveServer, people: Any
) -> None:
    owner, receiver = console_server.account("owner"), console_server.account("receiver")
    kept = create_share(
        owner,
        "kept-subnet",
        principals=[receiver.account_id],
        resource_urns=[owner.urn("subnet-kept")],
    )
    create_share(
        owner,
        "refused-subnet",
        principals=[receiver.account_id],
        resource_urns=[owner.urn("subnet-refused")],
    )

    # The receiver signs in, accepts one invitation and rejects the other.
    bob = people()
    bob.sign_in(receiver)
    assert bob.page.url.endswith("/console/invitations")
    _accessible(bob)
    bob.answer("kept-subnet", "Accept")
    assert "accepted" in bob.row("kept-subnet").inner_text()
    bob.answer("refused-subnet", "Reject")
    assert "rejected" in bob.row("refused-subnet").inner_text()
    # Answered invitations have no buttons left.
    assert bob.row("kept-subnet").get_by_role("button").count() == 0

    bob.page.get_by_role("link", name="Shared with me").click()
    assert bob.row("kept-subnet").count() == 2  # the share's row, and its resource's naming it
    assert bob.row("refused-subnet").count() == 0
    assert owner.urn("subnet-kept") in bob.text()
    _accessible(bob)

    # The owner creates a share in the console: the principal is associating until accepted.
    alice = people()
    alice.sign_in(owner)
    alice.create_share("console-subnet", [receiver.account_id], [owner.urn("subnet-console")])
    assert "/console/shares/" in alice.page.url
    assert "associating" in alice.row(receiver.account_id).inner_text()
    _accessible(alice)
    share_id = alice.page.url.rsplit("/", 1)[1]

    bob.open("/console/invitations")
    bob.answer("console-subnet", "Accept")
    alice.page.reload()
    assert "associated" in alice.row(receiver.account_id).inner_text()
    assert "associating" not in alice.row(receiver.account_id).inner_text()

    # What the console did is what the API sees.
    share = invitation_for(receiver, share_id)
    assert share.status == "accepted"
    assert kept.id != share_id


def test_share_form_shows_huawei_errors_beside_their_fields(
    console_server: LiveServer, people: Any
) -> None:
    owner = console_server.account("owner")
    alice = people()
    alice.sign_in(owner)
    alice.create_share("bad", [owner.account_id], [owner.urn("subnet-1")])
    error = alice.page.locator("#principals-error")
    assert "RAM.1005" in error.inner_text()  # a share cannot name its own owner
    principals = alice.textbox("Principals")
    assert principals.get_attribute("aria-invalid") == "true"
    assert principals.input_value() == owner.account_id  # what was typed is kept
    _accessible(alice)

    alice.create_share("fine", ["not-an-account"], ["vpc:cn-north-4:someone-else:subnet:x"])
    assert "RAM.1004" in alice.page.locator("#principals-error").inner_text()


def test_manage_a_share_edit_associate_disassociate_and_delete(
    console_server: LiveServer, people: Any
) -> None:
    owner, receiver = console_server.account("owner"), console_server.account("receiver")
    alice = people()
    alice.sign_in(owner)
    alice.create_share("managed", [], [owner.urn("subnet-a")])
    page = alice.page
    page.get_by_role("link", name="Edit").click()
    _accessible(alice)
    page.get_by_label("Name", exact=True).fill("managed-renamed")
    page.get_by_label("Description").fill("for the build farm")
    page.get_by_role("button", name="Save").click()
    assert "managed-renamed" in page.get_by_role("heading", level=1).inner_text()
    assert "for the build farm" in alice.text()

    alice.textbox("Principals to add").fill(receiver.account_id)
    alice.textbox("Resources to add").fill(owner.urn("subnet-b"))
    page.get_by_role("button", name="Associate", exact=True).click()
    assert "associating" in alice.row(receiver.account_id).inner_text()
    assert alice.row(owner.urn("subnet-b")).count() == 1

    alice.textbox("Resources to remove").fill(owner.urn("subnet-a"))
    page.get_by_role("button", name="Disassociate").click()
    assert "disassociat" in alice.row(owner.urn("subnet-a")).inner_text()

    # Tags and permissions, from the share's page.
    alice.textbox("Tags to add").fill("team=infra\nenv=prod")
    page.get_by_role("button", name="Add tags").click()
    tags = page.locator("#tags-heading + ul").inner_text()
    assert "team" in tags and "infra" in tags and "env" in tags
    page.get_by_role("button", name="Remove tag team").click()
    tags = page.locator("#tags-heading + ul").inner_text()
    assert "team" not in tags and "env" in tags
    alice.textbox("Tags to add").fill("_sys_reserved=1")
    page.get_by_role("button", name="Add tags").click()
    assert "_sys_" in page.locator("#add-tags-error").inner_text()
    assert alice.textbox("Tags to add").input_value() == "_sys_reserved=1"
    page.get_by_label("Permission", exact=True).select_option(
        label="readonly-vpc-subnet (vpc:subnet)"
    )
    page.get_by_label("Replace its resource type's permission").check()
    page.get_by_role("button", name="Add permission").click()
    permissions = page.locator("#permissions-heading + ul").inner_text()
    assert "readonly-vpc-subnet" in permissions and "default-vpc-subnet" not in permissions
    _accessible(alice)

    alice.open("/console/shares?name=managed-renamed")
    assert alice.row("managed-renamed").count() == 1
    _accessible(alice)
    alice.row("managed-renamed").get_by_role("link").click()
    page.get_by_role("link", name="Delete").click()
    _accessible(alice)
    page.get_by_role("button", name="Delete resource share").click()
    assert page.url.endswith("/console/shares")
    assert "deleted" in alice.row("managed-renamed").inner_text()


def test_hostile_requests_are_refused(console_server: LiveServer, people: Any) -> None:
    owner, receiver = console_server.account("owner"), console_server.account("receiver")
    outsider = console_server.account("outsider")
    share = create_share(
        owner, "guarded", principals=[receiver.account_id], resource_urns=[owner.urn("subnet-g")]
    )
    invitation = invitation_for(receiver, share.id)

    bob = people()
    bob.sign_in(receiver)
    # A post without the session's CSRF token, with the session cookie the browser holds.
    refused = bob.page.request.post(
        f"/console/invitations/{invitation.resource_share_invitation_id}/accept",
        form={"something": "else"},
    )
    assert refused.status == 403
    # A post from another site's page (its Origin) is refused even with a token.
    bob.open("/console/invitations")
    token = bob.page.locator("input[name=csrf_token]").first.input_value()
    forged = bob.page.request.post(
        f"/console/invitations/{invitation.resource_share_invitation_id}/accept",
        form={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status == 403
    assert invitation_for(receiver, share.id).status == "pending"

    # Another account's ids in URLs: the outsider sees no share and answers no invitation.
    eve = people()
    eve.sign_in(outsider)
    response = eve.open(f"/console/shares/{share.id}")
    assert response.status == 404
    assert "RAM.9401" in eve.text()
    _accessible(eve)
    eve.open("/console/invitations")
    token = eve.page.locator("input[name=csrf_token]").first.input_value()
    stolen = eve.page.request.post(
        f"/console/invitations/{invitation.resource_share_invitation_id}/accept",
        form={"csrf_token": token},
    )
    assert stolen.status == 404
    assert invitation_for(receiver, share.id).status == "pending"
    assert eve.open(f"/console/shares/{share.id}/edit").status == 404
    assert eve.open("/console/operator/accounts").url.endswith("/console/invitations")

    # A revoked key signs no one in, and a session of a key revoked later ends at once.
    from sharekeeper.services import identity

    identity.revoke_access_key(console_server.runtime.context, outsider.access_key)
    assert eve.open("/console/invitations").url.endswith("/console/sign-in")
    eve.sign_in(outsider)
    assert eve.page.url.endswith("/console/sign-in")
    assert "wrong" not in eve.text() and "revoked" in eve.text()
    # A wrong secret is refused without telling whether the key exists; the secret typed is
    # not sent back.
    eve.sign_in(receiver, secret="not-the-secret")
    assert "wrong" in eve.text()
    assert eve.page.get_by_label("Secret access key").input_value() == ""


def test_operator_sees_accounts_directory_audit_and_graph(
    console_server: LiveServer, people: Any
) -> None:
    owner, receiver = console_server.account("owner"), console_server.account("receiver")
    org = console_server.organization(owner)
    share = create_share(
        owner,
        "audited-subnet",
        principals=[receiver.account_id],
        resource_urns=[owner.urn("subnet-audit")],
    )
    bob = people()
    bob.sign_in(receiver)
    bob.answer("audited-subnet", "Accept")

    operator = people()
    operator.open("/console/operator/sign-in")
    _accessible(operator)
    operator.sign_in_as_operator(ADMIN_TOKEN)
    page = operator.page
    assert page.url.endswith("/console/operator/accounts")
    assert operator.row(owner.account_id).count() == 1
    _accessible(operator)

    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Account ID").fill(receiver.account_id)
    page.get_by_role("button", name="Filter").click()
    rows = operator.text()
    assert "ConsoleSignIn" in rows and "AcceptResourceShareInvitation" in rows
    assert "console" in operator.row("AcceptResourceShareInvitation").inner_text()
    _accessible(operator)
    page.get_by_label("Account ID").fill(owner.account_id)
    page.get_by_label("Channel").select_option("api")
    page.get_by_role("button", name="Filter").click()
    assert share.id in operator.row("CreateResourceShare").inner_text()

    page.get_by_role("link", name="Directory").click()
    for _ in range(50):  # 20 organizations a page: the run's other tests made many
        if org.id in operator.text():
            break
        page.get_by_role("link", name="Next 20 organizations").click()
    assert org.id in operator.text() and owner.account_id in operator.text()
    _accessible(operator)
    page.get_by_role("link", name="Sharing graph").click()
    # A click waits for the page to start loading, not to finish: with a shared database of
    # thousands of associations the table is still arriving when the picture is there.
    page.wait_for_load_state("load")
    assert page.locator("svg[role=img]").count() == 1
    operator.row("audited-subnet").first.wait_for()
    assert operator.row("audited-subnet").count() >= 1
    _accessible(operator)

    # Revoking a key from the operator's page ends that key at the API too.
    page.get_by_role("link", name="Accounts and keys").click()
    operator.revoke_link(receiver.access_key).click()
    page.get_by_role("button", name="Revoke access key").click()
    page.get_by_role("status").wait_for()
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    with pytest.raises(ClientRequestException) as refused:
        receiver.ram.show_organization_share(ShowOrganizationShareRequest())
    assert refused.value.status_code == 401


def test_narrow_screen_and_keyboard(console_server: LiveServer, people: Any) -> None:
    receiver = console_server.account("receiver")
    phone = people(viewport={"width": 360, "height": 740})
    page = phone.page
    phone.open("/console/sign-in")
    _accessible(phone)
    # Keyboard only: the skip link, then each field in order, then Enter.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "access_key"
    page.keyboard.type(receiver.access_key)
    page.keyboard.press("Tab")
    page.keyboard.type(receiver.secret_key)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/console/invitations")
    for path in ("/console/invitations", "/console/shares", "/console/shared-with-me"):
        phone.open(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways on a narrow screen: {width}px"
        _accessible(phone)


def test_organization_page_for_the_management_account(
    console_server: LiveServer, people: Any
) -> None:
    manager, member = console_server.account("manager"), console_server.account("member")
    org = console_server.organization(manager)
    ou_id, _ = org.ou("engineering")
    org.add(member, ou_id)
    alice = people()
    alice.sign_in(manager)
    alice.open("/console/organization")
    assert "engineering" in alice.text() and member.account_id in alice.text()
    assert "disabled" in alice.text()
    _accessible(alice)
    alice.page.get_by_role("button", name="Enable sharing with the organization").click()
    assert "enabled" in alice.text()
    assert manager.ram.show_organization_share(ShowOrganizationShareRequest()).enabled is True

    bob = people()
    bob.sign_in(member)
    bob.open("/console/organization")
    text = bob.text()  # a member sees where it sits, not the others
    assert org.id in text and "Root / engineering" in text and manager.account_id in text
    assert "Enable sharing" not in text and "Disable sharing" not in text
    _accessible(bob)
    outsider = people()
    outsider.sign_in(console_server.account("loner"))
    outsider.open("/console/organization")
    assert "in no organization" in outsider.text()
