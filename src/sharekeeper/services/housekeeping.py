"""Periodic clean-up: what has been invisible for a while is removed for good."""

from __future__ import annotations

from sharekeeper.domain.clock import SECOND
from sharekeeper.domain.quotas import ACCOUNT_CREATION_WINDOW
from sharekeeper.domain.sessions import IDLE_TIMEOUT
from sharekeeper.domain.shares import INVITATION_EXPIRED, RETENTION_MILLIS
from sharekeeper.services.changes import record_closed, record_ended
from sharekeeper.services.context import Context

# Invitations recorded as expired per unit of work: a backlog is worked through in batches,
# so no transaction holds the write lock for long.
EXPIRY_BATCH = 500
EXPIRY_BATCHES_MOST = 100

# How long ListCreateAccountStatuses shows a creation: 30 days, longer than the 24 hours the
# creation quota counts (the accounts themselves stay, with their audit records).
CREATE_ACCOUNT_STATUS_RETENTION = max(30 * 24 * 3600 * SECOND, ACCOUNT_CREATION_WINDOW)


def purge_expired_records(ctx: Context) -> int:
    """Deletes shares deleted more than 48 hours ago, organization invitations that ended
    (cancelled, declined, expired) and temporary keys that expired as long ago, create-account
    statuses older than 30 days,
    and console sessions that have ended; returns
    how many shares. Readers already hide the shares and sessions, and an ended invitation
    answers nothing, so this only reclaims space and may run at any time, in any process."""
    now = ctx.clock()
    with ctx.writing() as uow:
        purged = uow.shares.purge_deleted(now)
        uow.handshakes.purge_ended(now - RETENTION_MILLIS)
        uow.handshakes.purge_create_account_statuses(now - CREATE_ACCOUNT_STATUS_RETENTION)
        uow.accounts.purge_expired_keys(now - RETENTION_MILLIS)
        uow.sessions.remove_ended(now - IDLE_TIMEOUT, now)
        uow.events.purge(now - ctx.event_retention)
        uow.commit()
    expire_invitations(ctx)
    return purged


def expire_invitations(ctx: Context) -> int:
    """Records pending invitations whose time ran out as expired, and their principals'
    associations as disassociated, each with its change (the feed's ``invitation.expired``
    and ``association.disassociated``). Readers show them so from the moment they expire, so
    this only stores and announces what is already seen; returns how many."""
    total = 0
    for _ in range(EXPIRY_BATCHES_MOST):
        now = ctx.clock()
        with ctx.writing() as uow:
            due = uow.invitations.due(now, EXPIRY_BATCH)
            # Their shares locked first, in a fixed order, as every writer of a share does.
            uow.shares.lock_many(sorted({share_id for _, share_id in due}))
            expired = uow.invitations.expire([invitation_id for invitation_id, _ in due])
            record_closed(uow, expired, now)
            for invitation in expired:  # stored as its readers already show it
                share_id, receiver = invitation.resource_share_id, invitation.receiver_account_id
                ended = uow.associations.end_invited(
                    share_id, receiver, invitation.expires_at, INVITATION_EXPIRED
                )
                record_ended(uow, ended, now)
            uow.commit()
        total += len(expired)
        if len(due) < EXPIRY_BATCH:
            break
    return total
