"""Server-side verification of a signed request: every check of sdk-signing.md section 4."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sharekeeper.auth import signing
from sharekeeper.auth.secrets import hash_token
from sharekeeper.domain.errors import AuthenticationFailed

_ACCESS_KEY = re.compile(r"[A-Za-z0-9]{1,40}")
# Identity headers an attacker could add to a request signed without them.
_MUST_BE_SIGNED = ("x-domain-id", "x-project-id", "x-security-token")


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[str, Sequence[str]]  # lower-case name -> values, decoded as UTF-8
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise AuthenticationFailed(f"header {name} appears more than once")
        return values[0]


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    account_id: str
    secret_key: str
    token_hash: str | None
    expires_at_ms: int | None
    revoked: bool


def verify(
    request: IncomingRequest,
    lookup: Callable[[str], KeyMaterial | None],
    now_seconds: float,
    now_ms: int,
    max_skew_seconds: int,
) -> tuple[str, KeyMaterial]:
    """Returns the access key and its material, or raises AuthenticationFailed with the reason."""
    value = request.header("authorization")
    if value is None:
        raise AuthenticationFailed("the request is not signed: Authorization header missing")
    try:
        auth = signing.parse_authorization(value)
    except signing.MalformedAuthorization as error:
        raise AuthenticationFailed(str(error)) from None
    _check_date(request, now_seconds, max_skew_seconds)
    header_values = _signed_header_values(request, auth.signed_headers)
    if request.header("x-sdk-content-sha256") == "UNSIGNED-PAYLOAD":
        raise AuthenticationFailed("unsigned payloads are not accepted")
    key = lookup(auth.access_key) if _ACCESS_KEY.fullmatch(auth.access_key) else None
    if key is None:
        raise AuthenticationFailed("the access key does not exist")
    canonical = signing.canonical_request(
        request.method,
        request.raw_path,
        request.raw_query,
        auth.signed_headers,
        header_values,
        signing.payload_sha256(request.body),
    )
    expected = signing.signature(
        key.secret_key, signing.string_to_sign(header_values["x-sdk-date"], canonical)
    )
    if not hmac.compare_digest(expected, auth.signature):
        raise AuthenticationFailed("verify aksk signature fail")
    _check_key_state(request, key, now_ms)
    return auth.access_key, key


def _check_date(request: IncomingRequest, now_seconds: float, max_skew_seconds: int) -> None:
    text = request.header("x-sdk-date")
    if text is None:
        raise AuthenticationFailed("X-Sdk-Date header missing")
    moment = signing.parse_sdk_date(text)
    if moment is None:
        raise AuthenticationFailed("X-Sdk-Date is not of the form YYYYMMDDTHHMMSSZ")
    if abs(moment.timestamp() - now_seconds) > max_skew_seconds:
        raise AuthenticationFailed(
            f"X-Sdk-Date {text} is more than {max_skew_seconds // 60} minutes from server time"
        )


def _signed_header_values(request: IncomingRequest, names: Sequence[str]) -> dict[str, str]:
    for required in ("host", "x-sdk-date"):
        if required not in names:
            raise AuthenticationFailed(f"header {required} must be signed")
    for identity in _MUST_BE_SIGNED:
        if identity in request.headers and identity not in names:
            raise AuthenticationFailed(f"header {identity} is present but not signed")
    values: dict[str, str] = {}
    for name in names:
        found = request.header(name)
        if found is None:
            raise AuthenticationFailed(f"signed header {name} is missing from the request")
        values[name] = found
    return values


def _check_key_state(request: IncomingRequest, key: KeyMaterial, now_ms: int) -> None:
    if key.revoked:
        raise AuthenticationFailed("the access key has been revoked")
    token = request.header("x-security-token")
    if key.token_hash is None:
        if token is not None:
            raise AuthenticationFailed("a security token was sent with a permanent access key")
        return
    if token is None:
        raise AuthenticationFailed("temporary credentials need their X-Security-Token")
    if not hmac.compare_digest(hash_token(token), key.token_hash):
        raise AuthenticationFailed("the security token does not belong to this access key")
    if key.expires_at_ms is not None and key.expires_at_ms <= now_ms:
        raise AuthenticationFailed("the temporary credentials have expired")
