"""Services as principals, and the sources that constrain them.

A share may name a cloud service as a principal (``service:NAME``): the service is given the
share's resources to act on behalf of accounts, at once, with no invitation (a service is not
an account and answers none). Which accounts it may act for are the share's sources; a share
that names a service and no source lets it act for the owner's account alone, the account AWS
fills ``aws:SourceAccount`` with when sharing with a service principal.

Not to be confused with domain/service_principals.py: those are the resource services that ask
ShareKeeper for decisions (with a key); a service named here is a grantee, with no key."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.ids import require_account_id

SERVICE_PREFIX = "service:"
# A service's own name, as its cloud writes the first part of its principal name
# (``elasticmapreduce``, ``pca-connector-ad``, ``ec2.application-autoscaling``).
_SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{0,62}")
# The most sources one share holds: each is one account, and a share's lists stay short.
SOURCES_MOST = 100


def service_entity(name: str) -> str:
    """The principal entity of the service ``name``; InvalidParameter if not a service's name."""
    if _SERVICE_NAME.fullmatch(name) is None:
        raise InvalidParameter(
            f"{name[:64]!r} is not a service's name: 1 to 63 lower-case letters, digits, "
            "'.' or '-', starting with a letter or digit."
        )
    return SERVICE_PREFIX + name


def service_name(entity: str) -> str | None:
    """The service a principal entity names, or None for any other principal."""
    if not entity.startswith(SERVICE_PREFIX):
        return None
    name = entity[len(SERVICE_PREFIX) :]
    return name if _SERVICE_NAME.fullmatch(name) else None


def may_act_for(source: str, sources: Sequence[str], owner: str) -> bool:
    """Whether a share's service may act for ``source``: one of its sources, or with none
    bound, its owner."""
    return source in sources if sources else source == owner


def check_sources(values: Sequence[str]) -> list[str]:
    """Source accounts, each once, at most SOURCES_MOST."""
    if len(values) > SOURCES_MOST:
        raise InvalidParameter(f"A request may name at most {SOURCES_MOST} sources.")
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise InvalidParameter(f"The source {value} is named twice.")
        seen.add(value)
        require_account_id(value)
    return list(values)


@dataclass(frozen=True, slots=True)
class SourceQuery:
    """Filters of a source-association search; all of them must hold."""

    share_ids: tuple[str, ...] = ()
    source: str | None = None
    status: str | None = None
