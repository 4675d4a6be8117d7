"""A read-only request's reads share one unit of work (SharedReads): every ``ctx.reading()``
of the shared context is that unit, opened by the first and given back by ``close``; a failed
statement is translated as a unit's own exit translates it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import ConcurrentChange
from sharekeeper.services.context import Context
from sharekeeper.store.unit_of_work import Connections, SharedReads, UnitOfWork


def test_every_read_of_a_shared_context_is_one_unit(
    ctx: Context, owner: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[bool] = []
    take = Connections.take

    def counting(self: Connections, write: bool) -> object:
        taken.append(write)
        return take(self, write)

    monkeypatch.setattr(Connections, "take", counting)
    reads = SharedReads(ctx.unit_of_work)
    shared = ctx.sharing(reads)
    assert taken == []  # nothing taken before the first read
    with shared.reading() as first:
        assert first.accounts.get_key(owner.access_key) is not None
    with shared.reading() as second:
        assert second.accounts.get(owner.account_id) is not None
    assert first is second
    assert taken == [False]
    reads.close()
    reads.close()  # closing twice gives nothing back twice
    with ctx.reading() as alone:  # the context it was made from still opens its own
        assert alone is not first
    assert taken == [False, False]


def test_a_unit_is_entered_once(ctx: Context) -> None:
    unit = ctx.unit_of_work(False, None, None)
    assert isinstance(unit, UnitOfWork)
    with unit:
        pass
    with pytest.raises(RuntimeError, match="entered once"), unit:
        pass


def test_a_failed_statement_is_translated_and_the_unit_still_given_back(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = SharedReads(ctx.unit_of_work)
    shared = ctx.sharing(reads)
    translated = ConcurrentChange()
    monkeypatch.setattr("sharekeeper.store.unit_of_work.translate", lambda error: translated)
    with pytest.raises(ConcurrentChange) as raised, shared.reading() as unit:
        unit.tx.execute(text("SELECT * FROM no_such_table"))
    assert raised.value is translated
    assert isinstance(raised.value.__cause__, DBAPIError)
    given_back: list[object] = []
    real = Connections.give_back

    def noting(self: Connections, transaction: object) -> None:
        given_back.append(transaction)
        real(self, transaction)  # type: ignore[arg-type]

    monkeypatch.setattr(Connections, "give_back", noting)
    reads.close()
    assert given_back == [unit.tx]
