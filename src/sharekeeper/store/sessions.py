"""Console sessions, read with the state of the key they were signed in with."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.sessions import ConsoleSession
from sharekeeper.store.rows import RowMapping
from sharekeeper.store.tables import access_keys, console_sessions
from sharekeeper.store.transaction import Transaction

S = console_sessions.c
SESSION = RowMapping(
    ConsoleSession,
    S.token_hash,
    S.account_id,
    S.access_key,
    S.csrf_token,
    S.created_at,
    S.seen_at,
    S.expires_at,
    S.admin_token_hash,
)


class SessionRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, session: ConsoleSession) -> None:
        self._tx.execute(insert(console_sessions).values(SESSION.values(session)))

    def get(self, token_hash: str) -> tuple[ConsoleSession, bool] | None:
        """The session and whether its key is revoked (False for the operator's): one
        statement, so a page's check of who is signed in is one round trip."""
        statement = (
            select(*SESSION.columns, access_keys.c.revoked_at)
            .select_from(console_sessions.outerjoin(access_keys))
            .where(S.token_hash == token_hash)
        )
        row = self._tx.execute(statement).first()
        if row is None:
            return None
        return SESSION.read(row), row[-1] is not None

    def touch(self, token_hash: str, now: Millis) -> None:
        self._tx.execute(
            update(console_sessions).where(S.token_hash == token_hash).values(seen_at=now)
        )

    def remove(self, token_hash: str) -> None:
        self._tx.execute(delete(console_sessions).where(S.token_hash == token_hash))

    def remove_ended(self, idle_since: Millis, now: Millis) -> int:
        """Deletes the sessions past their deadline or idle since before ``idle_since``."""
        ended = (S.expires_at <= now) | (S.seen_at < idle_since)
        return self._tx.execute(delete(console_sessions).where(ended)).rowcount

    def remove_operators(self) -> int:
        """Deletes the operator's sessions: each holds a fingerprint keyed by the master key,
        which no process holding another key could check again."""
        operators = S.admin_token_hash.is_not(None)
        return self._tx.execute(delete(console_sessions).where(operators)).rowcount
