"""Where the console sends a browser: the page kept through sign-in (only a path of this
console, never another site), the notice cookie bound to its session, and whether ``GET /``
answers a browser or an API client."""

from __future__ import annotations

import hashlib

import pytest

from sharekeeper.console.navigation import (
    open_notice,
    prefers_html,
    safe_next,
    seal_notice,
    sign_in_location,
)

# Every form an open redirect has taken: schemes, another host, backslashes (read as slashes),
# whitespace and control characters (browsers drop tabs and newlines, "/\t/h" becomes "//h"),
# dot segments plain and encoded, encoded slashes, and paths that only begin like the console.
HOSTILE = [
    "https://evil.example/console/",
    "http:/console/shares",
    "//evil.example/console/shares",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/console/\\evil.example",
    "/console/%5Cevil.example",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "/console/../../evil",
    "/console/%2e%2e/%2e%2e/evil",
    "/console/%2E%2E",
    "/console/./shares",
    "/console//evil.example",
    "/console/%2F%2Fevil.example",
    "/console/shares%2Fnew",
    "/console/shares/%2fs-1",
    "/console/shares%5Cnew",
    "/console/\t/evil.example",
    "/\t/evil.example",
    "/console/shares\r\nLocation: https://evil.example",
    "/console/shares\x00",
    " /console/shares",
    "/console/shares#fragment",
    "/consolex",
    "/console@evil.example",
    "/console.evil.example",
    "evil.example/console",
    "/console/sign-in",
    "/console/operator/sign-in?next=https://evil.example",
    "/console/sharés",
    "/console/" + "a" * 2000,
    "",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_only_paths_of_this_console_are_followed_after_sign_in(hostile: str) -> None:
    assert safe_next(hostile) is None
    assert sign_in_location(hostile, operator=False) == "/console/sign-in"


def test_the_page_asked_for_is_carried_to_the_sign_in_form() -> None:
    for kept in (
        "/console/shares/1b7a-x",
        "/console/shares?status=active&tag=team%3Dinfra",
        "/console/operator/audit?channel=api",
        "/console/shares/",
        "/console/shares?principal=organizations%3A%3A1%3Aou%2Fo-1%2Fou-2",  # in the query only
    ):
        assert safe_next(kept) == kept
    assert sign_in_location("/console/shares/s-1", operator=False) == (
        "/console/sign-in?next=%2Fconsole%2Fshares%2Fs-1"
    )
    assert sign_in_location("/console/operator/graph", operator=True) == (
        "/console/operator/sign-in?next=%2Fconsole%2Foperator%2Fgraph"
    )
    # Where sign-in lands anyway is not carried.
    assert sign_in_location("/console/invitations", operator=False) == "/console/sign-in"
    assert sign_in_location(None, operator=True) == "/console/operator/sign-in"


def _sign(message: str) -> str:
    return hashlib.sha256(b"key" + message.encode()).hexdigest()


def test_a_notice_opens_only_for_its_session_and_unchanged() -> None:
    sealed = seal_notice("Resource share ünïcode created.", "session-a", _sign)
    assert open_notice(sealed, "session-a", _sign) == "Resource share ünïcode created."
    assert open_notice(sealed, "session-b", _sign) is None
    payload, _, mac = sealed.partition(".")
    forged = seal_notice("Your account is locked; call +1 555", "session-x", _sign)
    assert open_notice(forged.partition(".")[0] + "." + mac, "session-a", _sign) is None
    for broken in ("", ".", payload, payload + ".", "é." + mac, "!!!." + mac):
        assert open_notice(broken, "session-a", _sign) is None
    assert len(open_notice(seal_notice("x" * 5000, "s", _sign), "s", _sign) or "") == 300


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        # Chromium's and Firefox's navigation headers.
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
            "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
            True,
        ),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("text/*", True),
        ("", False),  # no header: an API client
        ("*/*", False),  # curl
        ("application/json", False),  # the SDK
        ("application/json, text/html;q=0.5", False),
        ("text/html;q=0.5, application/json", False),
        ("text/html;q=0, */*", False),
        ("text/html;q=abc", False),
        ("TEXT/HTML", True),
        (",;,;=,text/html", True),
    ],
)
def test_get_root_tells_a_browser_from_an_api_client(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html
