"""PostgreSQL: the outbox's numbers are fenced (store/events.py). Writers hold the advisory lock
shared and never wait for one another; a reader settling the newest cursor waits for the writer
still holding a smaller number, so it is never handed a cursor past an event that commits
later."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest

from sharekeeper.domain.accounts import Caller
from sharekeeper.services.context import Context
from sharekeeper.store import events as outbox
from sharekeeper.store.transaction import Queued
from tests.conftest import POSTGRES_URL
from tests.store.test_write_round_trips import audited
from tests.support import LiveServer

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL")
INSERT = (
    "INSERT INTO events (id, kind, subject, at, data) "
    "VALUES (%s, 'test.fence', 'fence', 0, '{}') RETURNING seq"
)
WAITING_READER = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ExclusiveLock' "
    "AND NOT granted AND classid = %s AND objid = %s AND objsubid = 2"
)


def write(connection: psycopg.Connection[tuple[int]]) -> int:
    """A writer's outbox insert: the shared lock, then numbers (the order the unit of work's one
    statement forces, store/events.py)."""
    connection.execute(outbox._LOCK)
    row = connection.execute(INSERT, (str(uuid.uuid4()),)).fetchone()
    assert row is not None
    return row[0]


def test_a_reader_waits_for_the_writer_holding_a_smaller_number(server: LiveServer) -> None:
    assert POSTGRES_URL is not None
    ctx = server.runtime.context
    classid, objid = (int(k) for k in outbox._NUMBERING.split(","))
    with (
        psycopg.connect(POSTGRES_URL) as slow,
        psycopg.connect(POSTGRES_URL) as fast,
        psycopg.connect(POSTGRES_URL, autocommit=True) as watcher,
    ):
        smaller = write(slow)  # numbered, not committed
        larger = write(fast)
        fast.commit()  # the writers did not wait for each other
        assert larger > smaller
        settled: list[int] = []
        reader = threading.Thread(target=lambda: settled.append(settle(ctx)))
        reader.start()
        deadline = time.monotonic() + 30
        while watcher.execute(WAITING_READER, (classid, objid)).fetchone() != (1,):
            assert time.monotonic() < deadline, "the reader never queued for the fence"
            time.sleep(0.01)
        assert settled == []  # queued behind the writer in flight, not past its number
        slow.commit()
        reader.join(30)
    assert settled and settled[0] >= larger
    with ctx.reading() as uow:
        seen = {e.cursor for e in uow.events.after(smaller - 1, settled[0], 1000)}
    assert {smaller, larger} <= seen


def settle(ctx: Context) -> int:
    with ctx.reading() as uow:
        return uow.events.settled()


class Interrupted(BaseException):
    """As a cancelled request's greenlet sees it: not an error of the database's."""


HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = %s AND objid = %s AND objsubid = 2"
)


def test_a_commit_interrupted_midway_leaves_no_lock_behind(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit's pipeline is sent but its COMMIT is not (the request was cancelled): the
    transaction holds the outbox's lock shared. Its connection is closed, not pooled, so the
    lock goes with it and readers of the feed do not wait for ever."""
    from sharekeeper.services import shares
    from sharekeeper.store import transaction

    assert POSTGRES_URL is not None
    ctx = server.runtime.context
    account = server.account("fence-interrupted")
    owner = Caller(account.account_id, account.access_key)
    whole = transaction._sync_pipeline
    cut_on: list[psycopg.Connection[tuple[int]]] = []

    def cut(
        driver: psycopg.Connection[tuple[int]],
        cursors: list[object],
        statements: list[Queued],
        answered: range,
    ) -> object:
        if statements[-1][0] != "COMMIT":
            return whole(driver, cursors, statements, answered)
        whole(driver, cursors, statements[:-1], range(0))  # the lock is now held, shared
        cut_on.append(driver)
        raise Interrupted

    monkeypatch.setattr(transaction, "_sync_pipeline", cut)
    with pytest.raises(Interrupted):
        shares.create_resource_share(ctx, owner, name="interrupted")
    monkeypatch.undo()
    # Closed, not pooled: the app's pool resets nothing on return (store/engine.py), so a
    # pooled connection would have kept the transaction, and the lock, for its next user.
    assert cut_on and cut_on[0].closed
    classid, objid = (int(k) for k in outbox._NUMBERING.split(","))
    with psycopg.connect(POSTGRES_URL, autocommit=True) as watcher:
        deadline = time.monotonic() + 30  # the server ends the closed connection's backend
        while watcher.execute(HELD, (classid, objid)).fetchone() != (0,):
            assert time.monotonic() < deadline, "the interrupted transaction kept the lock"
            time.sleep(0.01)
    assert settle(ctx) >= 0


WAITING_WRITER = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' "
    "AND NOT granted AND classid = %s AND objid = %s AND objsubid = 2"
)
NEWEST_NUMBER = "SELECT last_value, is_called FROM events_seq_seq"


def test_a_writer_takes_no_number_before_it_holds_the_lock(server: LiveServer) -> None:
    """The unit's last statement takes the lock and numbers its events (store/events.py): a
    writer queued behind a reader's fence has drawn no number yet, so none it takes can be
    below a cursor the reader hands out."""
    from sharekeeper.services import shares

    assert POSTGRES_URL is not None
    ctx = server.runtime.context
    account = server.account("fence-numbering")
    owner = Caller(account.account_id, account.access_key)
    classid, objid = (int(k) for k in outbox._NUMBERING.split(","))
    created: list[str] = []
    with (
        psycopg.connect(POSTGRES_URL) as reader,
        psycopg.connect(POSTGRES_URL, autocommit=True) as watcher,
    ):
        reader.execute(outbox._FENCE)
        before = watcher.execute(NEWEST_NUMBER).fetchone()
        writer = threading.Thread(
            target=lambda: created.append(
                # With its audit record, as the API makes it: the run's later tests check that
                # every share has one (tests/store/invariants.py).
                shares.create_resource_share(
                    audited(ctx, owner, "CreateResourceShare"), owner, name="numbered"
                ).id
            )
        )
        writer.start()
        deadline = time.monotonic() + 30
        while watcher.execute(WAITING_WRITER, (classid, objid)).fetchone() != (1,):
            assert time.monotonic() < deadline, "the writer never queued for the lock"
            time.sleep(0.01)
        assert watcher.execute(NEWEST_NUMBER).fetchone() == before
        assert created == []
        reader.commit()
        writer.join(30)
    assert created
    with ctx.reading() as uow:
        feed = [e for e in uow.events.after(0, 2**62, 1000) if e.subject == created[0]]
    assert feed and before is not None
    assert min(e.cursor for e in feed) > (before[0] if before[1] else 0)


CLAIM = (
    "INSERT INTO audit_records (at, account_id, access_key, operation, targets, request_id, "
    "source_address, outcome, channel, count, client_token, request_digest) "
    "VALUES (0, %s, %s, 'CreateResourceShare', '[]', 'r', '', '201', 'api', 1, %s, 'd')"
)
WAITING_ON_A_TRANSACTION = (
    "SELECT pid FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"
)
OUTBOX_LOCKS_OF = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s "
    "AND classid = %s AND objid = %s AND objsubid = 2"
)


def test_a_writer_waiting_on_a_claimed_token_holds_no_lock_of_the_outboxs(
    server: LiveServer,
) -> None:
    """Another request's record claiming the same client token is not committed yet: the
    writer's own record waits for it before the outbox's lock is asked for (store/events.py),
    so the writer waits holding none of it, and a reader's fence is not held up behind it."""
    from sharekeeper.domain.audit import AuditRecord, Claim, PendingAudit
    from sharekeeper.services import shares

    assert POSTGRES_URL is not None
    ctx = server.runtime.context
    account = server.account("fence-claimed")
    owner = Caller(account.account_id, account.access_key)
    token = str(uuid.uuid4())
    record = AuditRecord(
        0,
        owner.account_id,
        owner.access_key,
        "CreateResourceShare",
        "r",
        "",
        claim=Claim(token, "d"),
    )
    claimed = ctx.scoped(PendingAudit(record), None)
    outcome: list[object] = []

    def create() -> None:
        try:
            outcome.append(shares.create_resource_share(claimed, owner, name="claimed").id)
        except Exception as error:  # reported below, not lost in the thread
            outcome.append(error)

    classid, objid = (int(k) for k in outbox._NUMBERING.split(","))
    with (
        psycopg.connect(POSTGRES_URL) as claimer,
        psycopg.connect(POSTGRES_URL, autocommit=True) as watcher,
    ):
        claimer.execute(CLAIM, (owner.account_id, owner.access_key, token))
        writer = threading.Thread(target=create)
        writer.start()
        deadline = time.monotonic() + 30
        while (waiting := watcher.execute(WAITING_ON_A_TRANSACTION).fetchone()) is None:
            assert time.monotonic() < deadline, "the writer never waited for the claim"
            time.sleep(0.01)
        assert watcher.execute(OUTBOX_LOCKS_OF, (waiting[0], classid, objid)).fetchone() == (0,)
        claimer.rollback()
        writer.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], str), outcome
