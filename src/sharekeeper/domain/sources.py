"""Where a call comes from, as the limits count it: an address, and the network prefix one
subscriber (or one attacker) is commonly given, its /24 for IPv4 and /64 for IPv6. The
connection caps, the failed-attempt allowances and the audit of refusals all count by these,
so rotating addresses inside one prefix buys nothing anywhere."""

from __future__ import annotations

import functools
import ipaddress


# Parsed once per address, not per accept: a parse costs microseconds, a cached one nothing.
@functools.lru_cache(maxsize=4096)
def counted_as(source: str) -> tuple[str, str]:
    """``source``'s address and network prefix: an IPv4-mapped IPv6 address (a dual-stack
    socket's view of an IPv4 client) as the IPv4 address it is."""
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return source, source  # not an IP peer (a Unix socket): counted under its own name
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return str(address), f"{ipaddress.IPv4Address(int(address) >> 8 << 8)}/24"
    return str(address), f"{ipaddress.IPv6Address(int(address) >> 64 << 64)}/64"


def group_of(source: str) -> str:
    """The network prefix ``source`` counts under."""
    return counted_as(source)[1]
