"""A write's statements and round trips, on both databases. On PostgreSQL the statements whose
answers nobody reads travel in one pipeline with the next that answers or with COMMIT
(store/transaction.py), so an accept is two round trips and a create three; the audit
record, the outbox's lock and the events are one statement (store/events.py); on SQLite each
statement runs as before (a function call, no round trip to save)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.audit import AuditRecord, PendingAudit
from sharekeeper.domain.invitations import InvitationQuery, InvitationStatus
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import invitations, shares
from sharekeeper.services.context import Context
from sharekeeper.store.transaction import Queued, watching, watching_round_trips
from tests.support import LiveServer

PAGE = PageRequest(limit=10)


@dataclass
class Seen:
    statements: list[str] = field(default_factory=list)
    round_trips: list[int] = field(default_factory=list)


@contextmanager
def counting() -> Iterator[Seen]:
    """This thread's statements (first word) and round trips (statements in each)."""
    seen = Seen()
    me = threading.get_ident()

    def statement(sql: str) -> None:
        if threading.get_ident() == me:
            seen.statements.append(sql.split()[0].upper())

    def round_trip(statements: int) -> None:
        if threading.get_ident() == me:
            seen.round_trips.append(statements)

    with watching(statement), watching_round_trips(round_trip):
        yield seen


def audited(ctx: Context, caller: Caller, operation: str) -> Context:
    record = AuditRecord(0, caller.account_id, caller.access_key, operation, "r", "")
    return ctx.scoped(PendingAudit(record), None)


def callers(server: LiveServer, name: str) -> tuple[Caller, Caller]:
    owner, receiver = server.account(f"{name}-owner"), server.account(f"{name}-receiver")
    return (
        Caller(owner.account_id, owner.access_key),
        Caller(receiver.account_id, receiver.access_key),
    )


def create(ctx: Context, owner: Caller, receiver: Caller, name: str) -> Callable[[], str]:
    def run() -> str:
        subnet = f"vpc:cn-north-4:{owner.account_id}:subnet:{name}"
        share = shares.create_resource_share(
            audited(ctx, owner, "CreateResourceShare"),
            owner,
            name=name,
            principals=[receiver.account_id],
            resource_urns=[subnet],
        )
        return share.id

    return run


def pending(ctx: Context, receiver: Caller, share_id: str) -> str:
    query = InvitationQuery(share_ids=(share_id,))
    (invitation,) = invitations.search_invitations(ctx, receiver, query, PAGE).items
    return invitation.id


def test_a_create_is_three_round_trips_on_postgresql(server: LiveServer) -> None:
    ctx = server.runtime.context
    owner, receiver = callers(server, "trips-create")
    with counting() as seen:
        create(ctx, owner, receiver, "counted")()
    postgres = server.settings.database_url.startswith("postgresql")
    inserts = ["INSERT"] * 5  # share, permission, principal, invitation, subnet
    # The owner's membership read; its count of shares raised, which locks its row.
    reads = ["SELECT", "UPDATE"]
    if postgres:
        # BEGIN, then the unit's plans made once (SET LOCAL plan_cache_mode). The last: the
        # audit record, the outbox's lock and the events in one statement.
        assert seen.statements == [
            "BEGIN", "SET", "INSERT", "INSERT", "SELECT",
            "INSERT", "INSERT", "INSERT", "UPDATE",
            "WITH", "COMMIT",
        ]  # fmt: skip
        assert seen.round_trips == [5, 4, 2]
    else:
        assert sorted(seen.statements) == sorted(
            ["BEGIN", *inserts, *reads, "INSERT", "INSERT", "COMMIT"]
        )
        assert len(seen.round_trips) == len(seen.statements)


def test_an_accept_is_two_round_trips_on_postgresql(server: LiveServer) -> None:
    ctx = server.runtime.context
    owner, receiver = callers(server, "trips-accept")
    invitation_id = pending(ctx, receiver, create(ctx, owner, receiver, "to-accept")())
    with counting() as seen:
        invitations.accept_invitation(
            audited(ctx, receiver, "AcceptResourceShareInvitation"), receiver, invitation_id
        )
    if server.settings.database_url.startswith("postgresql"):
        # The share locked and the invitation read, then the compare-and-set and the
        # association in one statement; the audit record, the outbox's numbering lock (an
        # advisory lock, shared) and the events in one statement, with the COMMIT. After
        # BEGIN, the unit's plans made once (SET LOCAL plan_cache_mode).
        assert seen.statements == ["BEGIN", "SET", "SELECT", "WITH", "WITH", "COMMIT"]
        assert seen.round_trips == [4, 2]
    else:
        assert seen.statements == [
            "BEGIN", "SELECT", "UPDATE", "UPDATE", "INSERT", "INSERT", "COMMIT"
        ]  # fmt: skip
        assert len(seen.round_trips) == 7


def test_a_refused_accept_writes_nothing_and_says_why(server: LiveServer) -> None:
    """The answer's statements run before the domain's check on PostgreSQL; a refusal still
    leaves nothing written: a second accept, a stranger's, a reject after the accept."""
    from sharekeeper.domain.errors import InvitationAlreadyAccepted, InvitationNotFound

    ctx = server.runtime.context
    owner, receiver = callers(server, "trips-refused")
    stranger = callers(server, "trips-stranger")[0]
    share_id = create(ctx, owner, receiver, "refused")()
    invitation_id = pending(ctx, receiver, share_id)
    try:
        invitations.accept_invitation(ctx, stranger, invitation_id)
    except InvitationNotFound:
        pass
    else:
        raise AssertionError("a stranger accepted")
    accepted = invitations.accept_invitation(ctx, receiver, invitation_id)
    assert accepted.status is InvitationStatus.ACCEPTED
    for answer in (invitations.accept_invitation, invitations.reject_invitation):
        try:
            answer(ctx, receiver, invitation_id)
        except InvitationAlreadyAccepted:
            pass
        else:
            raise AssertionError("answered twice")
    query = InvitationQuery(share_ids=(share_id,))
    (seen,) = invitations.search_invitations(ctx, receiver, query, PAGE).items
    assert seen.status == InvitationStatus.ACCEPTED


def test_racing_answers_to_one_invitation_have_one_winner(server: LiveServer) -> None:
    """Two accepts and two rejects at once, from threads of their own (their own pooled
    connections): one wins, the others are told why, and the association, the invitation and
    the feed agree with the winner."""
    from sharekeeper.domain.shares import AssociationType

    ctx = server.runtime.context
    owner, receiver = callers(server, "trips-race")
    answers = {"accepted": "ram.invitation.accepted", "rejected": "ram.invitation.rejected"}
    losing = {"InvitationAlreadyAccepted", "InvitationAlreadyRejected", "ConcurrentChange"}
    for round_ in range(4):  # bounded: 16 racing answers
        share_id = create(ctx, owner, receiver, f"race-{round_}")()
        invitation_id = pending(ctx, receiver, share_id)
        with ctx.reading() as uow:
            since = uow.events.bounds()[1] or 0
        outcomes = race_answers(ctx, receiver, invitation_id)
        (winner,) = [o for o in outcomes if o in answers]
        assert len(outcomes) == 4 and set(outcomes) - set(answers) <= losing, outcomes
        query = InvitationQuery(share_ids=(share_id,))
        (stored,) = invitations.search_invitations(ctx, receiver, query, PAGE).items
        assert stored.status == winner
        with ctx.reading() as uow:
            principal = uow.associations.find(
                share_id, AssociationType.PRINCIPAL, [receiver.account_id]
            )[receiver.account_id]
            feed = [e for e in uow.events.after(since, 2**62, 1000) if e.subject == share_id]
        assert principal.status.value == ("associated" if winner == "accepted" else "disassociated")
        kinds = [e.kind for e in feed]
        assert kinds == [answers[winner], principal_kind(winner)], kinds


def principal_kind(winner: str) -> str:
    return "ram.association." + ("associated" if winner == "accepted" else "disassociated")


def race_answers(ctx: Context, receiver: Caller, invitation_id: str) -> list[str]:
    """Two accepts and two rejects of one invitation at once: what each answered (the status
    it set, or its error's name)."""
    from sharekeeper.domain.errors import ShareKeeperError

    start = threading.Barrier(4)
    outcomes: list[str] = []

    def answer(call: Callable[[Context, Caller, str], object]) -> None:
        start.wait(10)
        try:
            call(ctx, receiver, invitation_id)
            outcomes.append("accepted" if call is invitations.accept_invitation else "rejected")
        except ShareKeeperError as error:
            outcomes.append(type(error).__name__)

    calls = [invitations.accept_invitation, invitations.reject_invitation] * 2
    threads = [threading.Thread(target=answer, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_statements_without_parameters_go_to_the_driver_without_any(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: BEGIN, the plan setting and COMMIT travel with None for parameters, so
    psycopg neither parses them for placeholders nor dumps an empty list (each a cost per
    statement); the statements that take values keep theirs."""
    from sharekeeper.store import transaction

    if not server.settings.database_url.startswith("postgresql"):
        pytest.skip("pipelines are PostgreSQL's")
    ctx = server.runtime.context
    owner, receiver = callers(server, "trips-bare")
    invitation_id = pending(ctx, receiver, create(ctx, owner, receiver, "bare")())
    whole = transaction._sync_pipeline
    sent: list[Queued] = []

    def seen(driver: Any, cursors: list[Any], statements: list[Queued], answered: range) -> Any:
        sent.extend(statements)
        return whole(driver, cursors, statements, answered)

    monkeypatch.setattr(transaction, "_sync_pipeline", seen)
    invitations.accept_invitation(
        audited(ctx, receiver, "AcceptResourceShareInvitation"), receiver, invitation_id
    )
    bare = [sql.split()[0] for sql, parameters in sent if parameters is None]
    assert bare == ["BEGIN", "SET", "COMMIT"]
    assert all(parameters for sql, parameters in sent if sql.split()[0] not in bare)


def test_a_change_of_many_events_is_written_with_its_audit_record(server: LiveServer) -> None:
    """Past the counts compiled once (store/events.py), the events are one insert of their own
    and the audit record, and on PostgreSQL the outbox's lock, statements of their own."""
    from sharekeeper.domain.audit import AuditFilter
    from sharekeeper.services.audit import list_audit_records

    ctx = server.runtime.context
    owner, receiver = callers(server, "trips-many")
    subnets = [f"vpc:cn-north-4:{owner.account_id}:subnet:many-{i}" for i in range(20)]
    with ctx.reading() as uow:
        since = uow.events.bounds()[1] or 0
    with counting() as seen:
        share = shares.create_resource_share(
            audited(ctx, owner, "CreateResourceShare"),
            owner,
            name="many",
            principals=[receiver.account_id],
            resource_urns=subnets,
        )
    with ctx.reading() as uow:
        feed = [e for e in uow.events.after(since, 2**62, 1000) if e.subject == share.id]
    assert len(feed) > 16
    if server.settings.database_url.startswith("postgresql"):
        assert seen.statements[-4:] == ["INSERT", "SELECT", "INSERT", "COMMIT"]
    wanted = AuditFilter(account_id=owner.account_id, operation="CreateResourceShare")
    (record,) = list_audit_records(ctx, wanted, PAGE).items
    assert record.targets == [share.id]


def test_a_write_units_statements_are_planned_once_and_a_reads_for_its_values(
    server: LiveServer,
) -> None:
    """PostgreSQL: a write unit lets its prepared statements keep a generic plan (they find
    rows by their keys); a read unit, a search above all, is planned for its parameters at
    every run, since a generic plan of a search can walk a whole table (store/engine.py)."""
    from sqlalchemy import text

    if not server.settings.database_url.startswith("postgresql"):
        pytest.skip("plan_cache_mode is PostgreSQL's")
    ctx = server.runtime.context
    show = text("SHOW plan_cache_mode")
    with ctx.writing() as uow:
        writing = uow.tx.execute(show).scalar_one()
    with ctx.reading() as uow:
        reading = uow.tx.execute(show).scalar_one()
    with ctx.writing() as uow:  # SET LOCAL: the setting ended with the last write unit
        again = uow.tx.execute(show).scalar_one()
    assert (writing, reading, again) == ("auto", "force_custom_plan", "auto")
