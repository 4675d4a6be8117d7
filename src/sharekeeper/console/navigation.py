"""Where the browser goes next: the page a signed-out visitor asked for, kept through sign-in
(a path of this console only, never another site), and the notice a change leaves for the page
it redirects to, shown there once (docs/console.md, Notices and deep links)."""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Callable
from urllib.parse import unquote, urlencode

NEXT_FIELD = "next"
SIGN_IN = "/console/sign-in"
OPERATOR_SIGN_IN = "/console/operator/sign-in"
ACCOUNT_HOME = "/console/invitations"
OPERATOR_HOME = "/console/operator/accounts"
# What sign-in lands on anyway: no need to carry it.
_HOMES = frozenset({"/console", ACCOUNT_HOME, OPERATOR_HOME})
_MOST_NEXT = 2000
# A path under /console and its query, of URL characters only: no scheme, no host ("//"), no
# backslash (browsers read "/\\host" as "//host"), no whitespace or control character (browsers
# drop tabs and newlines from a URL, which would make "/\t/host" into "//host"), no fragment.
_SEGMENT = r"[A-Za-z0-9._~!$&'()*+,;=:@%-]+"
_CONSOLE_PATH = re.compile(rf"/console(?:/{_SEGMENT})*/?(?:\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?")
# Pages that lead back to sign-in themselves.
_NOT_AFTER_SIGN_IN = ("/console/sign-", "/console/operator/sign-")

NOTICE_COOKIE = "sharekeeper_notice"
NOTICE_SECONDS = 60
_MOST_NOTICE = 300
Sign = Callable[[str], str]


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a page of this console to return to after sign-in, else None. Only
    a path under /console/ is followed, so a link to the sign-in form cannot send a person who
    signs in to another site (no open redirect)."""
    if not value or len(value) > _MOST_NEXT or _CONSOLE_PATH.fullmatch(value) is None:
        return None
    path = value.partition("?")[0]
    decoded = unquote(path)
    # Encoded dots are read back as a server or a browser that decodes them would:
    # "/console/%2e%2e/x" is not under /console/. An encoded slash or backslash is refused
    # outright: no console path needs one, and a decoding proxy would make it a real one.
    if decoded.count("/") != path.count("/") or "\\" in decoded:
        return None
    if "//" in decoded or any(s in (".", "..") for s in decoded.split("/")):
        return None
    if path.startswith(_NOT_AFTER_SIGN_IN):
        return None
    return value


def sign_in_location(target: str | None, operator: bool) -> str:
    """The sign-in form for a visitor without a session, carrying ``target`` (the page asked
    for) when it is one to come back to."""
    form = OPERATOR_SIGN_IN if operator else SIGN_IN
    kept = safe_next(target)
    if kept is None or kept in _HOMES:
        return form
    return f"{form}?{urlencode({NEXT_FIELD: kept})}"


def _notice_message(session_secret: str, payload: str) -> str:
    # Prefixed and NUL-separated: no other fingerprint the master key makes (an admin token, a
    # known-browser cookie) is one of these.
    return f"\0notice\0{session_secret}\0{payload}"


def seal_notice(text: str, session_secret: str, sign: Sign) -> str:
    """The notice cookie's value: the text and a MAC bound to the session that made it."""
    payload = base64.urlsafe_b64encode(text[:_MOST_NOTICE].encode()).decode().rstrip("=")
    return f"{payload}.{sign(_notice_message(session_secret, payload))}"


def open_notice(value: str, session_secret: str, sign: Sign) -> str | None:
    """The text of a notice cookie made for this session, or None (another session's, forged,
    or not one at all)."""
    payload, _, mac = value.partition(".")
    if not payload or not mac.isascii():
        return None
    expected = sign(_notice_message(session_secret, payload))
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


def prefers_html(accept: str) -> bool:
    """Whether an Accept header ranks HTML above JSON (a browser's does; curl's ``*/*``, the
    SDK's ``application/json`` and no header at all do not), by RFC 9110's quality values:
    the most specific range that matches a type gives its quality."""
    return _quality(accept, "text", "html") > _quality(accept, "application", "json")


def _quality(accept: str, kind: str, subtype: str) -> float:
    best, best_specificity = 0.0, -1
    for item in accept.split(",")[:64]:  # bounded: a header of thousands of ranges is no browser
        media, *parameters = (part.strip() for part in item.split(";"))
        wanted_kind, _, wanted_subtype = media.lower().partition("/")
        if wanted_kind == kind and wanted_subtype == subtype:
            specificity = 2
        elif wanted_kind == kind and wanted_subtype == "*":
            specificity = 1
        elif wanted_kind == "*" and wanted_subtype == "*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best, best_specificity = _q(parameters), specificity
    return best


def _q(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0
