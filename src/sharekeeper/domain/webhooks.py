"""Webhooks: the change feed POSTed to an operator's URLs, signed (docs/enforcement.md,
"Webhooks"). The rules here are pure: which types a webhook wants, which URLs and addresses
it may reach, the backoff between tries, and the signature a receiver checks."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.events import ChangeKind

URL_MAX = 2048
PATTERNS_MOST = 20
# Longer texts of a failure are cut: the console and the CLI show them in a line.
ERROR_MAX = 500
TYPE_PREFIX = "sharekeeper."
TYPES = tuple(TYPE_PREFIX + kind.value for kind in ChangeKind)
_PATTERN = re.compile(r"sharekeeper(\.[a-z_]+)*(\.\*)?")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Refused without an allow-list entry that names them: the host itself (its admin API, its
# database, a NATS on loopback), link-local (the cloud metadata service at 169.254.169.254
# hands out credentials) and the clouds' other metadata addresses (AWS's IPv6 one, Alibaba
# Cloud's), and what names no single host. An IPv6 address that carries an IPv4 one (mapped,
# compatible, 6to4, NAT64, Teredo) is judged by the IPv4 address too.
REFUSED_BY_DEFAULT: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.100.100.200/32",
        "fd00:ec2::254/128",
        "224.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "::1/128",
        "fe80::/10",
        "ff00::/8",
    )
)


class WebhookState(StrEnum):
    ACTIVE = "active"
    # Kept, listed and no longer delivered to (its dead letters can no longer be replayed).
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    url: str
    types: tuple[str, ...]
    sealed_secret: str
    created_at: Millis
    state: WebhookState = WebhookState.ACTIVE

    @property
    def relay_name(self) -> str:
        """Its row among the outbox relays: its lease and the cursor delivered up to."""
        return relay_name(self.id)

    def wants(self, event_type: str) -> bool:
        """No pattern: every event; else one that matches (exact, or a ``.*`` prefix)."""
        if not self.types:
            return True
        return any(_matches(p, event_type) for p in self.types)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event a webhook's receiver did not take in every try: kept with the body sent (the
    feed may delete the event before anyone replays it)."""

    id: str
    webhook_id: str
    cursor: int
    event_id: str
    event_type: str
    body: str
    attempts: int
    last_error: str
    failed_at: Millis
    replay_requested_at: Millis | None = None


@dataclass(frozen=True, slots=True)
class WebhookStatus:
    """A webhook as the operator sees it: ``position`` the feed cursor delivered (or dead
    lettered) up to, ``lag`` how many cursors the feed's newest is past it."""

    webhook: Webhook
    position: int | None
    lag: int


def relay_name(webhook_id: str) -> str:
    return f"webhook:{webhook_id}"


def new_webhook_id() -> str:
    return "wh-" + uuid.uuid4().hex


def new_dead_letter_id() -> str:
    return "dl-" + uuid.uuid4().hex


def _matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return event_type == pattern


def check_types(patterns: Sequence[str]) -> tuple[str, ...]:
    """The type patterns, deduplicated in the order given; each an event type or a prefix
    ending in ``.*`` that matches at least one type (a typo would otherwise match nothing,
    silently)."""
    found = tuple(dict.fromkeys(patterns))
    if len(found) > PATTERNS_MOST:
        raise InvalidParameter(f"A webhook may have at most {PATTERNS_MOST} type patterns.")
    for pattern in found:
        if _PATTERN.fullmatch(pattern) is None or not any(_matches(pattern, t) for t in TYPES):
            raise InvalidParameter(
                f"The type pattern {pattern[:80]!r} matches no event type: give a type "
                "(sharekeeper.ram.invitation.accepted) or a prefix ending in .* "
                "(sharekeeper.ram.invitation.*); docs/enforcement.md lists the types."
            )
    return found


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host, no credentials, no fragment."""
    if len(url) > URL_MAX or not url.isprintable() or any(c.isspace() for c in url):
        raise InvalidParameter(
            f"A webhook URL must be at most {URL_MAX} printable characters without spaces."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidParameter(f"The webhook URL {url[:80]!r} is not a URL ({error}).") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidParameter(
            f"A webhook URL must be http:// or https://, got {url[:80]!r}: ShareKeeper POSTs "
            "events over HTTP only."
        )
    if not parts.hostname:
        raise InvalidParameter(f"The webhook URL {url[:80]!r} has no host.")
    if parts.username is not None or parts.password is not None:
        raise InvalidParameter(
            "A webhook URL must hold no user or password: they would be shown wherever the "
            "URL is; receivers check the X-ShareKeeper-Signature instead."
        )
    if parts.fragment or port == 0:
        raise InvalidParameter(f"The webhook URL {url[:80]!r} has a fragment or port 0.")
    return url


@dataclass(frozen=True, slots=True)
class Destinations:
    """Where deliveries may go (SHAREKEEPER_WEBHOOK_ALLOW): host names and networks. Without
    any entry, every address but REFUSED_BY_DEFAULT; with entries, only an address in a listed
    network, or any but REFUSED_BY_DEFAULT of a listed host name."""

    names: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Sequence[str]) -> Destinations:
        """Raises ValueError naming an entry that is neither a host name nor a network."""
        names, networks = set(), []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if re.fullmatch(r"[A-Za-z0-9.-]{1,253}", entry) is None:
                    raise ValueError(f"{entry!r} is neither a host name nor a network") from None
                names.add(entry.lower().rstrip("."))
        return cls(frozenset(names), tuple(networks))

    @property
    def listed(self) -> bool:
        return bool(self.names or self.networks)

    def refusal(self, host: str, address: Address) -> str | None:
        """Why a delivery to ``host`` resolved to ``address`` may not go, or None."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.networks):
            return None
        if self.listed and host.lower().rstrip(".") not in self.names:
            return f"{host} ({address}) is not in SHAREKEEPER_WEBHOOK_ALLOW"
        judged = [address, *_carried_ipv4(address)]
        if any(a in network for a in judged for network in REFUSED_BY_DEFAULT):
            return (
                f"{host} resolves to {address}, a loopback, link-local or non-unicast address, "
                "refused unless SHAREKEEPER_WEBHOOK_ALLOW lists its network"
            )
        return None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPATIBLE = ipaddress.ip_network("::/96")


def _carried_ipv4(address: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 one leads to: 6to4, NAT64, IPv4-compatible, Teredo's client."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found = []
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.append(address.teredo[1])
    if address in _NAT64 or address in _COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def shown_url(url: str) -> str:
    """The URL as logs show it: scheme, host, port and path; a query may carry the
    receiver's token."""
    parts = urlsplit(url)
    return parts._replace(query="", fragment="").geturl()


def backoff(failures: int, first: float, most: float) -> float:
    """The wait in seconds after the ``failures``-th failed try in a row: doubling from
    ``first``, at most ``most``."""
    doublings = min(failures - 1, 30)
    return float(min(most, first * 2**doublings))


def signature(secret: str, body: bytes) -> str:
    """The X-ShareKeeper-Signature of ``body``: HMAC-SHA256 under the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def cut(text: str) -> str:
    """A failure's text as kept: one line, at most ERROR_MAX characters."""
    line = " ".join(text.split())
    return line if len(line) <= ERROR_MAX else line[: ERROR_MAX - 3] + "..."
