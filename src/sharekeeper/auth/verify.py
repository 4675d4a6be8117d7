"""Server-side verification of a signed request, as Huawei's API gateway accepts it.

Every check of sdk-signing.md section 4, relaxed where real clients need it
(real-clients.md section 1.2): Huawei's Go clients never sign ``Host`` and add ``X-Project-Id``,
``X-Domain-Id`` and ``X-Security-Token`` after signing. Those three are therefore not required to
be signed; they are checked against the key instead: the token and the project id's shape here,
the domain id by ``services.identity.authenticate`` (docs/security.md says why this adds no way
in)."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sharekeeper.auth import signing
from sharekeeper.auth.derived_keys import verify_derived
from sharekeeper.auth.secrets import hash_token
from sharekeeper.domain.errors import AuthenticationFailed
from sharekeeper.domain.ratelimit import Spent

# Asked before a derived-key signature is checked, with its access key: spends the allowance of
# failures (raising TooManyFailures when none is left); a valid signature gives it back.
DerivedGate = Callable[[str], Spent]

_ACCESS_KEY = re.compile(r"[A-Za-z0-9]{1,40}")
# Huawei project ids are 32 hex characters; test configurations carry made-up ones, so any id of
# a sane shape is taken (RAM is global: the project scopes nothing).
_PROJECT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


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
    gate: DerivedGate,
) -> tuple[str, KeyMaterial]:
    """Returns the access key and its material, or raises AuthenticationFailed with the reason
    (TooManyFailures when ``gate`` refuses to check a derived-key signature)."""
    value = request.header("authorization")
    if value is None:
        raise AuthenticationFailed("the request is not signed: Authorization header missing")
    try:
        auth = signing.parse_authorization(value)
    except signing.MalformedAuthorization as error:
        raise AuthenticationFailed(str(error)) from None
    _check_date(request, now_seconds, max_skew_seconds)
    header_values = _signed_header_values(request, auth.signed_headers)
    algorithm = auth.algorithm
    if request.header(algorithm.payload_header) == "UNSIGNED-PAYLOAD":
        raise AuthenticationFailed("unsigned payloads are not accepted")
    project = request.header("x-project-id")
    if project is not None and _PROJECT_ID.fullmatch(project) is None:
        raise AuthenticationFailed("X-Project-Id must be 1 to 64 letters, digits, _ or -")
    key = lookup(auth.access_key) if _ACCESS_KEY.fullmatch(auth.access_key) else None
    if key is None:
        raise AuthenticationFailed("the access key does not exist")
    canonical = signing.canonical_request(
        request.method,
        request.raw_path,
        request.raw_query,
        auth.signed_headers,
        header_values,
        algorithm.payload_hash(request.body),
    )
    to_sign = signing.string_to_sign(header_values["x-sdk-date"], canonical, algorithm)
    # An unknown key was refused above without any costly check; a derived-key signature costs
    # ~2 ms of CPU, so it is checked only within the gate's allowance.
    spent = gate(auth.access_key) if algorithm.derived_key else None
    if not _signature_valid(auth, key.secret_key, to_sign):
        raise AuthenticationFailed("verify aksk signature fail")
    if spent is not None:
        spent.succeeded()
    check_key_state(key, request.header("x-security-token"), now_ms)
    return auth.access_key, key


def _signature_valid(auth: signing.Authorization, secret_key: str, to_sign: str) -> bool:
    if auth.algorithm.derived_key:
        return verify_derived(auth.algorithm, auth.access_key, secret_key, auth.signature, to_sign)
    expected = signing.signature(secret_key, to_sign, auth.algorithm)
    return hmac.compare_digest(expected, auth.signature)


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
    """The values of the signed headers. ``Host`` may be left out (Go clients never sign it);
    when it is signed it must match, like any signed header."""
    if "x-sdk-date" not in names:
        raise AuthenticationFailed("header x-sdk-date must be signed")
    values: dict[str, str] = {}
    for name in names:
        found = request.header(name)
        if found is None:
            raise AuthenticationFailed(f"signed header {name} is missing from the request")
        values[name] = found
    return values


def check_key_state(key: KeyMaterial, token: str | None, now_ms: int) -> None:
    """A key may be used: not revoked, and temporary credentials with their own token and
    unexpired. A signed request and a console sign-in pass the same checks."""
    if key.revoked:
        raise AuthenticationFailed("the access key has been revoked")
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
