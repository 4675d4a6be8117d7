"""AWS Signature Version 4, verified as AWS verifies it: the ``Authorization`` header form and
the presigned query form (``X-Amz-Signature``), ``x-amz-content-sha256`` (a hash that must match
the body: ``UNSIGNED-PAYLOAD`` is S3's, refused here as RAM, STS and Organizations refuse it), a
15-minute window around ``X-Amz-Date`` (a presigned URL: from its date until ``X-Amz-Expires``
past it) and the session token of temporary credentials.

Pure functions: no I/O, no clock. The server verifies with them; tests sign with them (botocore
signs as a client does). The key lookup and the key's state are the caller's, shared with the
Huawei signatures (``auth/verify.py``)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from sharekeeper.auth.signing import parse_sdk_date
from sharekeeper.auth.verify import IncomingRequest, KeyMaterial, check_key_state
from sharekeeper.domain.errors import (
    SignatureExpired,
    SignatureMismatch,
    SignatureMissing,
    UnknownAccessKey,
)

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600  # AWS's own bound on X-Amz-Expires
_ACCESS_KEY = re.compile(r"[A-Za-z0-9]{1,40}")
# ASCII digits only: str patterns' \d and str.isdigit take every script's digits, and int()
# refuses some of those (and any string past 4,300 digits) with a ValueError, a 500.
_SCOPE_DATE = re.compile(r"[0-9]{8}")
_EXPIRES = re.compile(r"[0-9]{1,7}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
# AWS's region names (arns.py's pattern): a scope's region is echoed in every share and
# invitation ARN of the answer, which must parse back when the caller sends it again.
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")
_PARTS = ("Credential", "SignedHeaders", "Signature")
# Headers that choose what a request does (awsJson1_1 names its operation in X-Amz-Target):
# when sent they must be signed, or a captured request could be replayed as another operation.
# Every AWS SDK signs them (botocore signs every header but User-Agent, Expect, X-Amzn-Trace-Id).
MUST_SIGN = ("host", "x-amz-target")


@dataclass(frozen=True, slots=True)
class Scope:
    """The credential scope: ``date/region/service/aws4_request``."""

    date: str
    region: str
    service: str

    @property
    def text(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


@dataclass(frozen=True, slots=True)
class Signed:
    """What a request claims about its signature, read before anything is checked."""

    access_key: str
    scope: Scope
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    expires_seconds: int | None  # None: the Authorization header's form
    token: str | None


def is_sigv4(request: IncomingRequest) -> bool:
    """Whether the request carries (or tries to carry) a SigV4 signature."""
    authorization = (request.headers.get("authorization") or [""])[0]
    return authorization.startswith(ALGORITHM) or "X-Amz-Algorithm=" in request.raw_query


def _query(request: IncomingRequest) -> list[tuple[str, str]]:
    """Query pairs as sent, each decoded (``+`` is a space in AWS's form encoding too)."""
    pairs = []
    for part in request.raw_query.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((unquote(key.replace("+", " ")), unquote(value.replace("+", " "))))
    return pairs


def _one(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise SignatureMismatch(f"query parameter {name} appears more than once")
    return values[0] if values else None


def _scope(credential: str) -> tuple[str, Scope]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not _SCOPE_DATE.fullmatch(parts[1]):
        raise SignatureMismatch(
            "the credential must be ACCESS_KEY/YYYYMMDD/region/service/aws4_request"
        )
    if not _REGION.fullmatch(parts[2]):
        raise SignatureMismatch("the credential should be scoped to a valid region")
    return parts[0], Scope(parts[1], parts[2], parts[3])


def read_signed(request: IncomingRequest) -> Signed:
    """The signature's claims, from the Authorization header or from the query (presigned)."""
    authorization = request.header("authorization")
    if authorization is not None and authorization.startswith(ALGORITHM + " "):
        fields: dict[str, str] = {}
        for part in authorization[len(ALGORITHM) + 1 :].split(","):
            name, sep, value = part.strip().partition("=")
            if not sep or name in fields or name not in _PARTS:
                raise SignatureMismatch("malformed Authorization header")
            fields[name] = value
        if len(fields) != len(_PARTS):
            raise SignatureMismatch(
                "the Authorization header needs Credential, SignedHeaders and Signature"
            )
        date = request.header("x-amz-date")
        if date is None:
            raise SignatureMissing("the X-Amz-Date header is missing")
        access_key, scope = _scope(fields["Credential"])
        token = request.header("x-amz-security-token")
        return Signed(
            access_key,
            scope,
            _names(fields["SignedHeaders"]),
            _signature(fields["Signature"]),
            date,
            None,
            token,
        )
    pairs = _query(request)
    if _one(pairs, "X-Amz-Algorithm") != ALGORITHM:
        raise SignatureMissing("the request is not signed with " + ALGORITHM)
    values = {
        n: _one(pairs, n)
        for n in (
            "X-Amz-Credential",
            "X-Amz-SignedHeaders",
            "X-Amz-Signature",
            "X-Amz-Date",
            "X-Amz-Expires",
        )
    }
    missing = [n for n, v in values.items() if v is None]
    if missing:
        raise SignatureMissing(f"a presigned request needs {', '.join(missing)}")
    expires = values["X-Amz-Expires"] or ""
    if not _EXPIRES.fullmatch(expires) or not 1 <= int(expires) <= MAX_PRESIGNED_SECONDS:
        raise SignatureMismatch(f"X-Amz-Expires must be from 1 to {MAX_PRESIGNED_SECONDS} seconds")
    access_key, scope = _scope(values["X-Amz-Credential"] or "")
    return Signed(
        access_key,
        scope,
        _names(values["X-Amz-SignedHeaders"] or ""),
        _signature(values["X-Amz-Signature"] or ""),
        values["X-Amz-Date"] or "",
        int(expires),
        _one(pairs, "X-Amz-Security-Token"),
    )


def _signature(value: str) -> str:
    # Checked before anything compares it: hmac.compare_digest raises TypeError (a 500) on a
    # str holding anything but ASCII, and no HMAC-SHA256 is anything but 64 lower-case hex.
    if not _HEX64.fullmatch(value):
        raise SignatureMismatch("the signature must be 64 lower-case hexadecimal digits")
    return value


def _names(value: str) -> tuple[str, ...]:
    names = tuple(value.split(";"))
    if not value or names != tuple(sorted({n.lower() for n in names})) or "host" not in names:
        raise SignatureMismatch(
            "SignedHeaders must list lower-case names, sorted, once each, host among them"
        )
    return names


def _unsigned_but_binding(request: IncomingRequest, signed: Signed) -> None:
    for name in MUST_SIGN:
        if name in request.headers and name not in signed.signed_headers:
            raise SignatureMismatch(f"the {name} header must be signed")


def canonical_path(raw_path: str) -> str:
    """The path as sent, normalized as botocore signs it (empty and ``.`` segments dropped, a
    trailing slash kept), then encoded once more: every AWS service but S3 signs the path
    encoded twice. ``..`` stays a segment, as botocore leaves it; a path that differs only in
    its slashes names no other operation, since routing reads the path as sent."""
    path = raw_path.split("?", 1)[0]
    segments = [s for s in path.split("/") if s and s != "."]
    trailing = "/" if path.endswith("/") and segments else ""
    return quote("/" + "/".join(segments) + trailing, safe="/~")


def canonical_query(pairs: Sequence[tuple[str, str]], presigned: bool) -> str:
    """Every pair (but a presigned request's own signature), each side encoded as RFC 3986
    unreserved, sorted. A header-signed request signs an ``X-Amz-Signature`` pair like any
    other, so none can be added to it after signing."""
    encoded = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
        for k, v in pairs
        if not (presigned and k == "X-Amz-Signature")
    )
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_headers(request: IncomingRequest, names: Sequence[str]) -> str:
    lines = []
    for name in names:
        values = request.headers.get(name)
        if not values:
            raise SignatureMismatch(f"signed header {name} is missing from the request")
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}\n")
    return "".join(lines)


def payload_hash(request: IncomingRequest) -> str:
    """The hash the signature covers: the body's own, always. ``x-amz-content-sha256``, when
    sent, must be that hash. ``UNSIGNED-PAYLOAD`` is S3's (and a few streaming APIs'): AWS's
    other services hash the body themselves, so a request signed over it is refused, as there;
    accepting it would let anyone who saw the request (ShareKeeper serves plain HTTP) replay it
    with another body within its window."""
    declared = request.header("x-amz-content-sha256")
    actual = hashlib.sha256(request.body).hexdigest()
    if declared == UNSIGNED_PAYLOAD:
        raise SignatureMismatch(
            "UNSIGNED-PAYLOAD is not accepted: sign the body's SHA-256 (every AWS SDK does for "
            "RAM, STS and Organizations)"
        )
    if declared is not None and not (
        _HEX64.fullmatch(declared) and hmac.compare_digest(declared, actual)
    ):
        raise SignatureMismatch("the x-amz-content-sha256 header does not match the body")
    return actual


def canonical_request(request: IncomingRequest, signed: Signed) -> str:
    return "\n".join(
        (
            request.method.upper(),
            canonical_path(request.raw_path),
            canonical_query(_query(request), signed.expires_seconds is not None),
            canonical_headers(request, signed.signed_headers),
            ";".join(signed.signed_headers),
            payload_hash(request),
        )
    )


def string_to_sign(amz_date: str, scope: Scope, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope.text}\n{digest}"


@functools.lru_cache(maxsize=1024)
def signing_key(secret_key: str, scope: Scope) -> bytes:
    """Four HMACs that change only with the secret and the day's scope: kept for the key's next
    request that day (bounded; the secrets are the ones the key cache already holds)."""
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in (scope.date, scope.region, scope.service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def signature(secret_key: str, scope: Scope, to_sign: str) -> str:
    key = signing_key(secret_key, scope)
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _check_time(signed: Signed, now_seconds: float, max_skew_seconds: int) -> None:
    moment = parse_sdk_date(signed.amz_date)  # the same YYYYMMDDTHHMMSSZ form as Huawei's
    if moment is None:
        raise SignatureMismatch("X-Amz-Date is not of the form YYYYMMDDTHHMMSSZ")
    if signed.scope.date != signed.amz_date[:8]:
        raise SignatureMismatch("the credential scope's date is not X-Amz-Date's")
    signed_at = moment.timestamp()
    if signed.expires_seconds is not None:
        if now_seconds > signed_at + signed.expires_seconds:
            raise SignatureExpired(
                f"the presigned request expired at {_iso(signed_at + signed.expires_seconds)}"
            )
        if signed_at - now_seconds > max_skew_seconds:
            raise SignatureExpired(
                f"the presigned request is dated {_iso(signed_at)}, ahead of server time"
            )
        return
    if abs(signed_at - now_seconds) > max_skew_seconds:
        raise SignatureExpired(
            f"{signed.amz_date} is more than {max_skew_seconds // 60} minutes from server time "
            f"({_iso(now_seconds)})"
        )


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y%m%dT%H%M%SZ")


def verify(
    request: IncomingRequest,
    lookup: Callable[[str], KeyMaterial | None],
    now_seconds: float,
    now_ms: int,
    max_skew_seconds: int,
) -> tuple[str, KeyMaterial, Scope]:
    """The access key, its material and the credential scope of a valid SigV4 request; raises
    an AuthenticationFailed of the kind AWS tells apart otherwise. The cheap checks come first,
    so a request refused for its form or its time costs no key lookup."""
    signed = read_signed(request)
    _unsigned_but_binding(request, signed)
    _check_time(signed, now_seconds, max_skew_seconds)
    canonical = canonical_request(request, signed)
    key = lookup(signed.access_key) if _ACCESS_KEY.fullmatch(signed.access_key) else None
    if key is None:
        raise UnknownAccessKey("the access key does not exist")
    expected = signature(
        key.secret_key, signed.scope, string_to_sign(signed.amz_date, signed.scope, canonical)
    )
    if not hmac.compare_digest(expected, signed.signature):
        raise SignatureMismatch(
            "the signature does not match: check the secret key and the signing method"
        )
    check_key_state(key, signed.token, now_ms)
    return signed.access_key, key, signed.scope
