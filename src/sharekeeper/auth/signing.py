"""SDK-HMAC-SHA256, exactly as the official Huawei SDK computes it (../shared/spec/sdk-signing.md).

Pure functions: no I/O, no clock. The server verifies with them, clients and tests sign with them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def canonical_uri(raw_path: str) -> str:
    """Decode the whole path, re-encode each segment (``~`` and unreserved stay bare), end in /."""
    segments = unquote(raw_path).split("/")
    uri = "/".join(quote(segment, safe="~") for segment in segments)
    return uri if uri.endswith("/") else uri + "/"


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """Decoded (key, value) pairs; ``+`` is a literal plus, as the SDK encodes a space as %20."""
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


def string_to_sign(sdk_date: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def payload_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_SHA256


def format_sdk_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(DATE_FORMAT)


_SDK_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z", re.ASCII)


def parse_sdk_date(text: str) -> datetime | None:
    """YYYYMMDDTHHMMSSZ as a UTC time, or None (read with a pattern: strptime, on every
    request, cost as much as the whole signature check)."""
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

    def header(self) -> str:
        return (
            f"{ALGORITHM} Access={self.access_key}, "
            f"SignedHeaders={';'.join(self.signed_headers)}, Signature={self.signature}"
        )


class MalformedAuthorization(ValueError):
    pass


def parse_authorization(value: str) -> Authorization:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise MalformedAuthorization(
            f"unsupported signing algorithm {algorithm[:40]!r}, only {ALGORITHM} is accepted"
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
    return Authorization(access_key, tuple(names.lower().split(";")), sig.lower())


def sign_headers(
    *,
    access_key: str,
    secret_key: str,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> str:
    """The Authorization value for a request whose headers (names any case) are all signed."""
    values = {name.lower(): value for name, value in headers.items()}
    names = tuple(sorted(values))
    canonical = canonical_request(method, raw_path, raw_query, names, values, payload_sha256(body))
    sig = signature(secret_key, string_to_sign(values["x-sdk-date"], canonical))
    return Authorization(access_key, names, sig).header()
