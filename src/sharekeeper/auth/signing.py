"""The SDK's request signatures, exactly as the official Huawei SDKs compute them
(../shared/spec/sdk-signing.md): SDK-HMAC-SHA256 (the default), SDK-HMAC-SM3, and the canonical
request that SDK-ECDSA-P256-SHA256 and SDK-SM2-SM3 sign with a key derived from AK/SK
(``auth/derived_keys.py``).

Pure functions: no I/O, no clock. The server verifies with them, clients and tests sign with them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote, unquote

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

DATE_FORMAT = "%Y%m%dT%H%M%SZ"


def _sm3(data: bytes) -> bytes:
    # cryptography's bundled OpenSSL always has SM3; hashlib has it only where the system's does.
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


@dataclass(frozen=True, slots=True)
class Algorithm:
    """One of the SDK's signing algorithms: its name, its hash, the header that may replace the
    payload hash, and whether the signature is by a key derived from AK/SK instead of an HMAC."""

    name: str
    sm3: bool
    payload_header: str
    derived_key: bool

    def digest(self, data: bytes) -> bytes:
        return _sm3(data) if self.sm3 else hashlib.sha256(data).digest()

    def hmac(self, key: bytes, data: bytes) -> bytes:
        if not self.sm3:
            return hmac.new(key, data, hashlib.sha256).digest()
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(data)
        return mac.finalize()

    def payload_hash(self, body: bytes) -> str:
        return payload_sha256(body) if not self.sm3 else _sm3(body).hex()


HMAC_SHA256 = Algorithm("SDK-HMAC-SHA256", False, "x-sdk-content-sha256", False)
HMAC_SM3 = Algorithm("SDK-HMAC-SM3", True, "x-sdk-content-sm3", False)
ECDSA_P256_SHA256 = Algorithm("SDK-ECDSA-P256-SHA256", False, "x-sdk-content-sha256", True)
SM2_SM3 = Algorithm("SDK-SM2-SM3", True, "x-sdk-content-sm3", True)
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def _sm3_available() -> bool:
    try:
        _sm3(b"")
    except UnsupportedAlgorithm:  # an OpenSSL built without it (FIPS): the SM3 ones are refused
        return False
    return True


ALGORITHMS = {
    a.name: a
    for a in (HMAC_SHA256, HMAC_SM3, ECDSA_P256_SHA256, SM2_SM3)
    if not a.sm3 or _sm3_available()
}


# A path of unreserved characters and slashes only: decoding and encoding it change nothing.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._~/-]*", re.ASCII)


def canonical_uri(raw_path: str) -> str:
    """Decode the whole path, re-encode each segment (``~`` and unreserved stay bare), end in /."""
    if _PLAIN_PATH.fullmatch(raw_path):
        # Every API path as the SDKs send it: urllib's unquote and quote per segment were a
        # tenth of a signature check.
        return raw_path if raw_path.endswith("/") else raw_path + "/"
    segments = unquote(raw_path).split("/")
    uri = "/".join(quote(segment, safe="~") for segment in segments)
    return uri if uri.endswith("/") else uri + "/"


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """Decoded (key, value) pairs. A bare ``+`` is a space, as form encoders send one (httpx, so
    ``sharekeeper ram``; axios) and as Go's ``url.Query()`` reads it when golangsdk canonicalises
    a query it was handed; Huawei's SDKs themselves send %2B for a plus and %20 for a space. A
    key without ``=`` has an empty value (the Go SDK v3 sends ``marker`` for ``marker=``)."""
    if "+" in raw_query:
        raw_query = raw_query.replace("+", "%20")
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(pairs))


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    signed_headers: Sequence[str],
    header_values: Mapping[str, str],
    payload_hash: str,
) -> str:
    headers = "".join(f"{name}:{header_values[name].strip()}\n" for name in signed_headers)
    return "\n".join(
        (
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(query_pairs(raw_query)),
            headers,
            ";".join(signed_headers),
            payload_hash,
        )
    )


def string_to_sign(sdk_date: str, canonical: str, algorithm: Algorithm = HMAC_SHA256) -> str:
    digest = algorithm.digest(canonical.encode("utf-8")).hex()
    return f"{algorithm.name}\n{sdk_date}\n{digest}"


def signature(secret_key: str, to_sign: str, algorithm: Algorithm = HMAC_SHA256) -> str:
    """The HMAC signature (the HMAC algorithms only: the derived-key ones are randomized)."""
    if algorithm.derived_key:
        raise ValueError(f"{algorithm.name} signs with a derived key, not an HMAC")
    return algorithm.hmac(secret_key.encode("utf-8"), to_sign.encode("utf-8")).hex()


def payload_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_SHA256


def format_sdk_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(DATE_FORMAT)


_SDK_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z", re.ASCII)


@lru_cache(maxsize=256)
def parse_sdk_date(text: str) -> datetime | None:
    """YYYYMMDDTHHMMSSZ as a UTC time, or None (read with a pattern: strptime, on every
    request, cost as much as the whole signature check). Kept for the last 256 texts: the
    requests of one second, from every client, carry the same one."""
    found = _SDK_DATE.fullmatch(text)
    if found is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in found.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # 20261331T250000Z and the like
        return None


@dataclass(frozen=True, slots=True)
class Authorization:
    access_key: str
    signed_headers: tuple[str, ...]
    signature: str
    algorithm: Algorithm = HMAC_SHA256

    def header(self) -> str:
        return (
            f"{self.algorithm.name} Access={self.access_key}, "
            f"SignedHeaders={';'.join(self.signed_headers)}, Signature={self.signature}"
        )


class MalformedAuthorization(ValueError):
    pass


def parse_authorization(value: str) -> Authorization:
    name, _, rest = value.strip().partition(" ")
    algorithm = ALGORITHMS.get(name)
    if algorithm is None:
        raise MalformedAuthorization(
            f"unsupported signing algorithm {name[:40]!r}; accepted: {', '.join(ALGORITHMS)}"
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, field_value = part.strip().partition("=")
        if not sep or name in fields:
            raise MalformedAuthorization("malformed Authorization header")
        fields[name] = field_value
    try:
        access_key, names, sig = fields["Access"], fields["SignedHeaders"], fields["Signature"]
    except KeyError as missing:
        raise MalformedAuthorization(f"Authorization header lacks {missing.args[0]}") from None
    if not access_key or not names:
        raise MalformedAuthorization("malformed Authorization header")
    return Authorization(access_key, tuple(names.lower().split(";")), sig.lower(), algorithm)


def sign_headers(
    *,
    access_key: str,
    secret_key: str,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    algorithm: Algorithm = HMAC_SHA256,
) -> str:
    """The Authorization value for a request whose headers (names any case) are all signed."""
    values = {name.lower(): value for name, value in headers.items()}
    names = tuple(sorted(values))
    payload = algorithm.payload_hash(body)
    canonical = canonical_request(method, raw_path, raw_query, names, values, payload)
    sig = signature(
        secret_key, string_to_sign(values["x-sdk-date"], canonical, algorithm), algorithm
    )
    return Authorization(access_key, names, sig, algorithm).header()
