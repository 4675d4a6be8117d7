"""What an operator asks of a running server: is it ready, and what does it hold."""

from __future__ import annotations

from sharekeeper.services.context import Context


def invitation_counts(ctx: Context) -> dict[str, int]:
    """Invitations by status as clients see them (an unanswered one past its time is expired)."""
    with ctx.reading() as uow:
        return uow.invitations.count_by_status(ctx.clock())


def readiness(ctx: Context) -> tuple[bool, str]:
    """Whether the database answers, accepts writes (a PostgreSQL primary, not a standby) and
    has the newest schema this code knows."""
    from sharekeeper.store import migrate
    from sharekeeper.store.engine import accepts_writes

    try:
        with ctx.reading() as uow:
            current = migrate.revision_of(uow.tx.connection)
            writable = accepts_writes(uow.tx.connection)
    except Exception as error:  # whatever the driver raises: the answer is "not ready"
        return False, f"database unreachable: {type(error).__name__}"
    if not writable:
        return False, "the database is a read-only standby: no writable primary reachable"
    head = migrate.head_revision()
    if current != head:
        return False, f"database schema at {current}, this code needs {head}"
    return True, f"database schema at {current}"
