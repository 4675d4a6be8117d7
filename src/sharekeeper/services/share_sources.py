"""A share's sources (domain/share_sources.py): bound and removed within the owner's
Create, Associate and Disassociate, and searched by the owner."""

from __future__ import annotations

from collections.abc import Sequence

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import LastSourceStays, NotAssociated, QuotaExceeded
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.share_sources import SOURCES_MOST, SourceQuery
from sharekeeper.domain.shares import (
    Association,
    AssociationStatus,
    AssociationType,
    ResourceShare,
)
from sharekeeper.services.context import Context
from sharekeeper.store.unit_of_work import UnitOfWork

SOURCE = AssociationType.SOURCE


def bind_sources(
    uow: UnitOfWork, share: ResourceShare, sources: Sequence[str], now: Millis
) -> list[Association]:
    """Binds source accounts (checked: domain/share_sources.check_sources) to an active,
    locked share; one already bound is returned as it is. Sources bind at once: the owner
    alone decides whom its share's services act for."""
    if not sources:
        return []
    current = uow.share_sources.find(share.id, sources)
    new = [s for s in sources if s not in current or not current[s].is_live]
    used = uow.share_sources.count_live(share.id)
    if new and used + len(new) > SOURCES_MOST:
        raise QuotaExceeded("source_association", share.id, SOURCES_MOST, len(new))
    results = [current[s] for s in sources if s not in new]
    for source in new:
        existing = current.get(source)
        association = Association(
            share.id,
            share.name,
            SOURCE,
            source,
            AssociationStatus.ASSOCIATED,
            created_at=now if existing is None else existing.created_at,
            updated_at=now,
        )
        uow.share_sources.save(association)
        results.append(association)
    return results


def unbind_sources(
    uow: UnitOfWork, share: ResourceShare, sources: Sequence[str], now: Millis, message: str
) -> list[Association]:
    """Removes source accounts from an active, locked share: each must be bound, and a share
    that names a service keeps at least one (LastSourceStays)."""
    if not sources:
        return []
    current = uow.share_sources.find(share.id, sources)
    ended = []
    for source in sources:
        existing = current.get(source)
        if existing is None or not existing.is_live:
            raise NotAssociated(source, share.id)
        association = Association(
            share.id,
            share.name,
            SOURCE,
            source,
            AssociationStatus.DISASSOCIATED,
            created_at=existing.created_at,
            updated_at=now,
            status_message=message,
        )
        uow.share_sources.save(association)
        ended.append(association)
    if uow.share_sources.count_live(share.id) == 0 and uow.share_sources.names_a_service(
        share.id, now
    ):
        raise LastSourceStays(share.id)
    return ended


def search_share_sources(
    ctx: Context, caller: Caller, query: SourceQuery, page: PageRequest
) -> Page[Association]:
    """The sources of the caller's own shares."""
    with ctx.reading() as uow:
        return uow.share_sources.search(caller.account_id, query, page, ctx.clock())
