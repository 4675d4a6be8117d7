"""A list bound as one value (``any_of``) on the database the run uses: the rows it names and
no other, whatever the list's length or characters, in a statement compiled once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from sharekeeper.bootstrap import build_runtime
from sharekeeper.domain.ids import new_aws_account_id
from sharekeeper.store.prepared import Prepared, any_of
from sharekeeper.store.tables import accounts
from sharekeeper.store.transaction import Backend, Transaction, autocommit
from tests.conftest import POSTGRES_URL
from tests.support import settings_for

BY_NAME = select(accounts.c.name).where(any_of(accounts.c.name, "names")).order_by(accounts.c.name)
NAMED = Prepared(BY_NAME)
# Names a JSON array or an array literal must escape, and one of every other kind.
ODD = ['quote " and \\ back', "comma, {brace}", "é ü 名前", "null", "NULL", "", " spaced "]


@pytest.fixture
def stored(tmp_path: Path, data_dir: Path) -> Iterator[tuple[Transaction, str]]:
    """A read unit's transaction, and the prefix of the account names this test stored."""
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'prepared.db'}"
    runtime = build_runtime(settings_for(url, data_dir if POSTGRES_URL else tmp_path))
    run = uuid.uuid4().hex[:8]
    names = [f"{run}-{n}" for n in range(60)] + [f"{run}{odd}" for odd in ODD]
    with runtime.engine.begin() as connection:
        connection.execute(
            insert(accounts),
            [
                {
                    "id": uuid.uuid4().hex,
                    "name": name,
                    "created_at": 0,
                    "aws_account_id": new_aws_account_id(),
                }
                for name in names
            ],
        )
    transaction = Transaction(autocommit(runtime.engine.connect()), Backend.of(runtime.engine))
    transaction.begin(write=False)
    yield transaction, run
    transaction.rollback()
    transaction.close()
    transaction.connection.close()
    runtime.close()


def _named(tx: Transaction, names: list[str]) -> list[str]:
    return [row[0] for row in tx.rows(NAMED, {"names": names})]


def test_a_list_bound_as_one_value_finds_exactly_its_rows(
    stored: tuple[Transaction, str],
) -> None:
    tx, run = stored
    assert _named(tx, []) == []
    assert _named(tx, [f"{run}-3"]) == [f"{run}-3"]
    many = [f"{run}-{n}" for n in range(0, 60, 2)] + ["nobody"]
    assert _named(tx, many) == sorted(many[:-1])
    odd = [f"{run}{o}" for o in ODD]
    assert _named(tx, odd) == sorted(odd)
    # One text for every length: compiled once for the dialect.
    assert len(NAMED._compiled) == 1
    # The same statement through SQLAlchemy (its type converts the list there).
    found = tx.execute(BY_NAME, {"names": odd}).scalars().all()
    assert found == sorted(odd)
