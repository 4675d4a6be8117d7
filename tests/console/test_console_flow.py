"""How a person moves through the console, as plain HTTP sees it: the page asked for comes back
after sign-in (never another site), each change leaves a notice shown once, the lists filter by
what is in their link, a key is revoked only after a confirmation, and ``GET /`` sends a browser
to the console while API clients keep their JSON. The browser tests drive the same in Chromium."""

from __future__ import annotations

import re

import httpx
import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import DeleteResourceShareRequest, ShowOrganizationShareRequest, Tag

from sharekeeper.console.navigation import NOTICE_COOKIE
from tests.console.test_console_http import Browserless, console_server, visitor
from tests.sdk.helpers import accept, create_share, invitation_for, reject, shares
from tests.support import LiveServer

__all__ = ["console_server", "visitor"]  # test_console_http's fixtures, shared

_NOTICE = re.compile(r'<div class="notice" role="status">([^<]*)</div>')
CHROMIUM_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)


def _notice(page: httpx.Response) -> str | None:
    found = _NOTICE.search(page.text)
    return found.group(1) if found else None


def _post(visitor: Browserless, path: str, **fields: str) -> httpx.Response:
    """A form post of the visitor's session, with its CSRF token (read from a page of the
    session's kind)."""
    page = path if path.startswith("/console/operator/") else "/console/invitations"
    token = visitor.form_token(page)
    return visitor.http.post(path, data={"csrf_token": token, **fields})


def _follow(visitor: Browserless, answer: httpx.Response) -> httpx.Response:
    assert answer.status_code == 303, answer.text
    return visitor.http.get(answer.headers["location"])


def test_get_root_redirects_a_browser_and_keeps_json_for_api_clients(
    console_server: LiveServer,
) -> None:
    with httpx.Client(base_url=console_server.endpoint) as http:
        browser = http.get("/", headers={"Accept": CHROMIUM_ACCEPT})
        assert browser.status_code == 302 and browser.headers["location"] == "/console/"
        assert browser.headers["vary"] == "Accept"
        landed = http.get("/", headers={"Accept": CHROMIUM_ACCEPT}, follow_redirects=True)
        assert landed.status_code == 200 and str(landed.url).endswith("/console/sign-in")
        assert "<h1>Sign in</h1>" in landed.text
        # curl (*/*), the SDK (application/json), no Accept at all: the API's own 404.
        for accept_header in ("*/*", "application/json", None):
            headers = {"Accept": accept_header} if accept_header else {}
            if accept_header is None:
                http.headers.pop("accept", None)
            api = http.get("/", headers=headers)
            assert api.status_code == 404, accept_header
            assert api.headers["content-type"].startswith("application/json")
            assert api.json()["error_code"] == "APIGW.0101"
            assert api.headers["x-request-id"] == api.json()["request_id"]


def test_the_page_asked_for_comes_back_after_sign_in(
    console_server: LiveServer, visitor: Browserless
) -> None:
    owner = console_server.account("deep-link")
    share = create_share(owner, "deep-linked", resource_urns=[owner.urn("subnet-deep")])
    wanted = f"/console/shares/{share.id}"
    sent = visitor.http.get(wanted)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/console/sign-in?next=%2Fconsole%2Fshares%2F{share.id}"
    form = visitor.http.get(sent.headers["location"])
    assert f'name="next" value="{wanted}"' in form.text
    # A wrong secret: the form again, still carrying the page.
    refused = visitor.sign_in(owner, secret="wrong", next=wanted)
    assert refused.status_code == 401 and f'name="next" value="{wanted}"' in refused.text
    answer = visitor.sign_in(owner, next=wanted)
    assert answer.status_code == 303 and answer.headers["location"] == wanted
    assert "deep-linked" in visitor.http.get(wanted).text
    # With its query: a filtered list.
    visitor.http.cookies.clear()
    listed = "/console/shares?status=active&name=deep-linked"
    location = visitor.http.get(listed).headers["location"]
    next_value = visitor.http.get(location).text
    assert 'value="/console/shares?status=active&amp;name=deep-linked"' in next_value
    assert visitor.sign_in(owner, next=listed).headers["location"] == listed


def test_the_operator_comes_back_to_the_page_asked_for(
    console_server: LiveServer, visitor: Browserless
) -> None:
    wanted = "/console/operator/audit?channel=api"
    sent = visitor.http.get(wanted)
    assert sent.headers["location"] == (
        "/console/operator/sign-in?next=%2Fconsole%2Foperator%2Faudit%3Fchannel%3Dapi"
    )
    assert f'name="next" value="{wanted}"' in visitor.http.get(sent.headers["location"]).text
    answer = visitor.sign_in_as_operator(next=wanted)
    assert answer.status_code == 303 and answer.headers["location"] == wanted


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/console/",
        "//evil.example/console/",
        "/\\evil.example",
        "/console/%2e%2e/%2e%2e/evil",
        "/console/\t/evil.example",
        "javascript:alert(1)",
        "/console@evil.example",
    ],
)
def test_a_hostile_next_is_never_followed(
    console_server: LiveServer, visitor: Browserless, hostile: str
) -> None:
    form = visitor.http.get("/console/sign-in", params={"next": hostile})
    assert form.status_code == 200 and 'name="next"' not in form.text
    answer = visitor.sign_in(console_server.account("hostile-next"), next=hostile)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/invitations"


def test_each_change_leaves_a_notice_shown_once(
    console_server: LiveServer, visitor: Browserless
) -> None:
    owner = console_server.account("notices")
    visitor.sign_in(owner)
    receiver = console_server.account("noticed")
    urn = owner.urn("s-n")
    created = _post(visitor, "/console/shares/new", name="noticed-share", resource_urns=urn)
    cookie = next(c for c in created.headers.get_list("set-cookie") if NOTICE_COOKIE in c)
    assert "HttpOnly" in cookie and "Max-Age=60" in cookie and "Path=/console" in cookie
    assert "noticed-share" not in created.headers["location"]  # not kept in the URL
    shown = _follow(visitor, created)
    assert _notice(shown) == "Resource share noticed-share created."
    assert NOTICE_COOKIE in shown.headers["set-cookie"]  # dropped once shown
    again = visitor.http.get(created.headers["location"])
    assert _notice(again) is None  # a reload does not show it again
    share_path = created.headers["location"]

    def change(path: str, **fields: str) -> str | None:
        return _notice(_follow(visitor, _post(visitor, path, **fields)))

    edited = {"name": "noticed-share", "description": "d", "allow_external_principals": "on"}
    assert change(share_path + "/edit", **edited) == "Changes saved."
    assert change(share_path + "/associate", principals=receiver.account_id) == (
        "1 principal associated."
    )
    assert change(share_path + "/tags/add", tags="team=infra\nenv=prod") == "2 tags added."
    assert change(share_path + "/tags/remove", key="team", value="infra") == "Tag team removed."
    assert change(
        share_path + "/permissions/add",
        permission_id=_permission_id(visitor, share_path),
        replace="on",
    ) == ("Permission readonly-vpc-subnet added.")
    assert change(share_path + "/disassociate", resource_urns=owner.urn("s-n")) == (
        "1 resource disassociated."
    )
    assert change(share_path + "/delete") == "Resource share noticed-share deleted."

    # The receiver's answers.
    other = Browserless(console_server)
    try:
        first, second = (
            create_share(
                owner, name, principals=[receiver.account_id], resource_urns=[owner.urn(name)]
            )
            for name in ("to-accept", "to-reject")
        )
        other.sign_in(receiver)
        for share, verb in ((first, "accept"), (second, "reject")):
            invitation = invitation_for(receiver, share.id).resource_share_invitation_id
            answer = _post(other, f"/console/invitations/{invitation}/{verb}")
            assert _notice(_follow(other, answer)) == f"Invitation to {share.name} {verb}ed."
        # A notice made for one session is not shown to another.
        stolen = created.headers.get_list("set-cookie")[0].split(";")[0].split("=", 1)[1]
        other.http.cookies.set(NOTICE_COOKIE, stolen, path="/console")
        assert _notice(other.http.get("/console/invitations")) is None
    finally:
        other.close()


def _permission_id(visitor: Browserless, share_path: str) -> str:
    page = visitor.http.get(share_path).text
    found = re.search(r'<option value="([^"]+)">readonly-vpc-subnet ', page)
    assert found is not None
    return found.group(1)


def test_a_forged_notice_is_not_shown(console_server: LiveServer, visitor: Browserless) -> None:
    visitor.sign_in(console_server.account("forged-notice"))
    for value in ("WW91ciBhY2NvdW50IGlzIGxvY2tlZA.00", "not-a-notice", "x" * 4000):
        visitor.http.cookies.set(NOTICE_COOKIE, value, path="/console")
        page = visitor.http.get("/console/invitations")
        assert page.status_code == 200 and _notice(page) is None
        assert NOTICE_COOKIE in page.headers.get("set-cookie", "")  # and dropped


def test_shares_filter_by_name_status_tag_and_principal(
    console_server: LiveServer, visitor: Browserless, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = console_server.account("filters")
    bob, carol = console_server.account("f-bob"), console_server.account("f-carol")
    create_share(
        owner,
        "f-tagged",
        principals=[bob.account_id],
        resource_urns=[owner.urn("s-1")],
        tags=[Tag(key="team", value="infra")],
    )
    create_share(
        owner, "f-other", principals=[carol.account_id], tags=[Tag(key="team", value="web")]
    )
    gone = create_share(owner, "f-gone", resource_urns=[owner.urn("s-2")])
    owner.ram.delete_resource_share(DeleteResourceShareRequest(resource_share_id=gone.id))
    visitor.sign_in(owner)

    def listed(**query: str) -> set[str]:
        page = visitor.http.get("/console/shares", params=query)
        assert page.status_code == 200, page.text
        return set(re.findall(r'<a href="/console/shares/[^"/]+">([^<]+)</a>', page.text))

    assert listed() == {"f-tagged", "f-other", "f-gone"}
    assert listed(status="deleted") == {"f-gone"}
    assert listed(status="active") == {"f-tagged", "f-other"}
    assert listed(tag="team") == {"f-tagged", "f-other"}
    assert listed(tag="team=infra") == {"f-tagged"}
    assert listed(tag="team=infra", status="deleted") == set()
    assert listed(principal=bob.account_id) == {"f-tagged"}
    assert listed(principal=carol.account_id, tag="team") == {"f-other"}
    assert listed(name="f-gone") == {"f-gone"}
    # The next page's link keeps the filters.
    monkeypatch.setattr("sharekeeper.console.lists.PAGE_SIZE", 1)
    page = visitor.http.get("/console/shares", params={"tag": "team", "status": "active"})
    link = re.search(r'<a href="(/console/shares\?marker=[^"]+)">Next page</a>', page.text)
    assert link is not None and "tag=team" in link.group(1) and "status=active" in link.group(1)
    second = visitor.http.get(link.group(1).replace("&amp;", "&"))
    # Newest first: f-other (made after f-tagged) was on the first page.
    named = r'<a href="/console/shares/[^"/]+">([^<]+)</a>'
    assert re.findall(named, page.text) == ["f-other"]
    assert re.findall(named, second.text) == ["f-tagged"]

    # Bad filters: beside the tag field, or the API's own refusal.
    bad_tag = visitor.http.get("/console/shares", params={"tag": "_sys_x=1"})
    assert bad_tag.status_code == 400 and 'id="tag-error"' in bad_tag.text
    assert 'value="_sys_x=1"' in bad_tag.text
    bad_status = visitor.http.get("/console/shares", params={"status": "gone"})
    assert bad_status.status_code == 400 and "RAM.9100" in bad_status.text


def test_shares_are_newest_first_page_after_page(
    console_server: LiveServer, visitor: Browserless, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As invitations are: what the owner just made is on top, and the next page's link walks
    on downwards (the API's own search still pages oldest first)."""
    owner = console_server.account("newest-owner")
    names = [f"n-{i}" for i in range(5)]
    for name in names:
        create_share(owner, name, resource_urns=[owner.urn(name)])
    visitor.sign_in(owner)
    share_link = r'<a href="/console/shares/[^"/]+">(n-\d)</a>'
    assert re.findall(share_link, visitor.http.get("/console/shares").text) == names[::-1]

    monkeypatch.setattr("sharekeeper.console.lists.PAGE_SIZE", 2)
    pages, path = [], "/console/shares"
    for _ in range(5):  # bounded: three pages are expected
        page = visitor.http.get(path)
        assert page.status_code == 200, page.text
        pages.append(re.findall(share_link, page.text))
        more = re.search(r'<a href="(/console/shares\?marker=[^"]+)">Next page</a>', page.text)
        if more is None:
            break
        path = more.group(1).replace("&amp;", "&")
    assert pages == [["n-4", "n-3"], ["n-2", "n-1"], ["n-0"]]
    assert [s.name for s in shares(owner)] == names  # the API keeps its order, oldest first


def test_invitations_are_newest_first_and_filter_by_status(
    console_server: LiveServer, visitor: Browserless
) -> None:
    owner, receiver = console_server.account("inv-owner"), console_server.account("inv-recv")
    names = ["inv-first", "inv-second", "inv-third"]
    made = []
    for name in names:
        principals, resources = [receiver.account_id], [owner.urn(name)]
        made.append(create_share(owner, name, principals=principals, resource_urns=resources))
        console_server.clock.offset += 10
    accept(receiver, invitation_for(receiver, made[0].id).resource_share_invitation_id)
    reject(receiver, invitation_for(receiver, made[1].id).resource_share_invitation_id)
    visitor.sign_in(receiver)

    def shown(**query: str) -> list[str]:
        page = visitor.http.get("/console/invitations", params=query)
        assert page.status_code == 200, page.text
        return re.findall(
            r"<td><a href=\"/console/invitations/[^\"]+\">(inv-[a-z]+)</a></td>", page.text
        )

    assert shown() == ["inv-third", "inv-second", "inv-first"]
    assert shown(status="pending") == ["inv-third"]
    assert shown(status="accepted") == ["inv-first"]
    assert shown(status="rejected") == ["inv-second"]
    bad = visitor.http.get("/console/invitations", params={"status": "maybe"})
    assert bad.status_code == 400 and "RAM.9100" in bad.text


def test_a_key_is_revoked_only_after_its_confirmation(
    console_server: LiveServer, visitor: Browserless
) -> None:
    account = console_server.account("to-revoke")
    visitor.sign_in_as_operator()
    confirm_path = f"/console/operator/keys/{account.access_key}/revoke"
    confirm = visitor.http.get(confirm_path)
    assert confirm.status_code == 200 and "to-revoke" in confirm.text
    assert "Revoke access key</button>" in confirm.text
    # Opening the confirmation changed nothing: the key still signs.
    account.ram.show_organization_share(ShowOrganizationShareRequest())
    revoked = _post(visitor, confirm_path)
    assert _notice(_follow(visitor, revoked)) == f"Access key {account.access_key} revoked."
    with pytest.raises(ClientRequestException) as refused:
        account.ram.show_organization_share(ShowOrganizationShareRequest())
    assert refused.value.status_code == 401
    # Confirming again: the page says it is revoked, with nothing to press.
    again = visitor.http.get(confirm_path)
    assert "was revoked" in again.text and "Revoke access key</button>" not in again.text
    missing = visitor.http.get("/console/operator/keys/NOSUCHKEY00000000000/revoke")
    assert missing.status_code == 404 and "RAM.9406" in missing.text
