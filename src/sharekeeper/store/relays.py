"""The outbox relays' rows: where each relay has published up to, and who may publish.

A lease rather than an advisory lock: it works alike on SQLite and PostgreSQL, and needs no
connection held open for the life of the relay. Taking it and moving the position are
compare-and-set updates on the holder, so a relay whose lease passed to another moves
nothing."""

from __future__ import annotations

from sqlalchemy import delete, insert, or_, select, update

from sharekeeper.domain.clock import Millis
from sharekeeper.store.tables import relays
from sharekeeper.store.transaction import Transaction

R = relays.c


class RelayRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def claim(self, name: str, holder: str, now: Millis, until: Millis) -> tuple[bool, int | None]:
        """Takes or renews ``name``'s lease for ``holder`` unless another holds it still;
        returns whether it did, and the position published up to (None before the first)."""
        row = self._tx.execute(select(R.position).where(R.name == name)).first()
        if row is None:
            values = {"name": name, "position": None, "holder": holder, "lease_until": until}
            self._tx.execute(insert(relays), values)
            return True, None
        taken = self._tx.execute(
            update(relays)
            .where(R.name == name, or_(R.holder == holder, R.lease_until < now))
            .values(holder=holder, lease_until=until)
        )
        return taken.rowcount == 1, row[0]

    def start(self, name: str, position: int | None) -> None:
        """A relay that is to begin after ``position`` (None: at the oldest event kept), held
        by nobody yet."""
        values = {"name": name, "position": position, "holder": "", "lease_until": 0}
        self._tx.execute(insert(relays), values)

    def forget(self, name: str) -> None:
        self._tx.execute(delete(relays).where(R.name == name))

    def position(self, name: str) -> int | None:
        return self._tx.execute(select(R.position).where(R.name == name)).scalar_one_or_none()

    def advance(self, name: str, holder: str, position: int, until: Millis) -> bool:
        """Stores ``position`` and renews the lease, if ``holder`` still holds it."""
        moved = self._tx.execute(
            update(relays)
            .where(R.name == name, R.holder == holder)
            .values(position=position, lease_until=until)
        )
        return bool(moved.rowcount == 1)

    def release(self, name: str, holder: str) -> None:
        """Ends ``holder``'s lease at once, so another relay takes over without waiting."""
        self._tx.execute(
            update(relays).where(R.name == name, R.holder == holder).values(lease_until=0)
        )
