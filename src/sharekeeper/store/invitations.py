"""Invitations. Every status change is a compare-and-set on the stored status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    union_all,
    update,
)

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.invitations import (
    Invitation,
    InvitationLine,
    InvitationQuery,
    InvitationStatus,
)
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.shares import Association, AssociationStatus, ShareStatus
from sharekeeper.store.paging import page_of, start_position
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.rows import Field, RowMapping, enum_of
from sharekeeper.store.shares import (
    AssociationRepository,
    entity_hash,
    move_principal,
    moved_principal,
    share_visible,
)
from sharekeeper.store.tables import invitations, resource_shares
from sharekeeper.store.transaction import Transaction

INV = invitations.c
S = resource_shares.c

INVITATION = RowMapping(
    Invitation,
    INV.id,
    INV.resource_share_id,
    INV.resource_share_name,
    INV.sender_account_id,
    INV.receiver_account_id,
    Field(INV.status, convert=enum_of(InvitationStatus)),
    INV.created_at,
    INV.updated_at,
    INV.expires_at,
)
# An invitation's columns, then its keyset position (named: the search's compound statement
# is ordered by it, and SQLite orders a compound by its columns' names only). The share's name
# is the invitation's own copy (migration 0025): no read of an invitation joins its share.
_INVITATIONS = select(*INVITATION.columns, INV.seq.label("seq"))
_SEQ = len(INVITATION.columns)
# A listed invitation (InvitationLine): its status and update time as seen at :now, the SQL
# twin of Invitation.seen_at, so that its row is the line as read; then its keyset position.
_SEEN_EXPIRED = and_(
    INV.status == InvitationStatus.PENDING, INV.expires_at <= bindparam("now", type_=BigInteger)
)
_LINE = select(
    INV.id,
    INV.resource_share_id,
    INV.resource_share_name,
    INV.sender_account_id,
    INV.receiver_account_id,
    case((_SEEN_EXPIRED, InvitationStatus.EXPIRED.value), else_=INV.status).label("status"),
    INV.created_at,
    case((_SEEN_EXPIRED, INV.expires_at), else_=INV.updated_at).label("updated_at"),
    INV.seq.label("seq"),
)
_LINE_SEQ = len(InvitationLine._fields)


def _status_shape(status: str | None) -> str | None:
    if status in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        return status
    return None if status is None else "other"


def _status_condition(shape: str) -> ColumnElement[bool]:
    """The SQL twin of Invitation.status_at, on bound parameters :status and :now."""
    now, status = bindparam("now", type_=BigInteger), bindparam("status", type_=String)
    if shape == InvitationStatus.PENDING:
        return and_(INV.status == status, INV.expires_at > now)
    if shape == InvitationStatus.EXPIRED:
        return or_(
            INV.status == status,
            and_(INV.status == InvitationStatus.PENDING, INV.expires_at <= now),
        )
    return INV.status == status


def _search_statement(
    share_ids: bool,
    invitation_ids: bool,
    status: str | None,
    newest_first: bool,
    lines: bool,
    sqlite: bool,
) -> Select[Any] | CompoundSelect[Any]:
    """The search for one combination of filters, on bound parameters: built once, since
    building it costs several times more than running it. Newest first walks the keyset
    backwards: the marker is then the position the next page stays below. ``lines``: rows
    as InvitationLine reads them, else as INVITATION does.

    Owners cannot invite themselves, so the two sides never hold the same row. Each side must
    be a walk of its index in keyset order that stops at the limit, and the two databases need
    that written differently (docs/performance.md, "The invitation search's statement"):
    SQLite merges a compound statement's bare sides that way, but sorts again, in a temporary
    B-tree, each side written as a subquery with its own ORDER BY and LIMIT (114 µs a page of
    51 against 76); PostgreSQL needs the subqueries, or it joins every row of the account's
    before sorting (15 ms at 10,000 invitations). The share's name is the invitation's own
    column: neither database joins or looks up the share (planning a join cost PostgreSQL more
    than running the whole statement)."""
    selected = _LINE if lines else _INVITATIONS

    def side(column: Any) -> Select[Any]:
        after = INV.seq < bindparam("after") if newest_first else INV.seq > bindparam("after")
        statement = selected.where(column == bindparam("account"), after)
        if share_ids:
            statement = statement.where(
                INV.resource_share_id.in_(bindparam("share_ids", expanding=True))
            )
        if invitation_ids:
            statement = statement.where(INV.id.in_(bindparam("invitation_ids", expanding=True)))
        if status is not None:
            statement = statement.where(_status_condition(status))
        if sqlite:
            return statement
        bounded = statement.order_by(_order(INV.seq, newest_first)).limit(bindparam("limit"))
        return bounded.subquery().select()

    both = union_all(side(INV.receiver_account_id), side(INV.sender_account_id))
    if sqlite:
        seq = both.selected_columns.seq
        return both.order_by(_order(seq, newest_first)).limit(bindparam("limit"))
    merged = both.subquery()
    return select(merged).order_by(_order(merged.c.seq, newest_first)).limit(bindparam("limit"))


def _order(seq: Any, newest_first: bool) -> Any:
    return seq.desc() if newest_first else seq


_GET = Prepared(_INVITATIONS.where(INV.id == bindparam("invitation_id")))
# The receiver's invitation with its share's row locked (SQLite: its writers are serialized by
# BEGIN IMMEDIATE instead), as every writer of a share locks it first: one round trip for both.
# The join is for the lock and the share's visibility; the name is the invitation's.
_GET_FOR_ANSWER = Prepared(
    _INVITATIONS.join(resource_shares, S.id == INV.resource_share_id)
    .where(
        INV.id == bindparam("invitation_id"),
        INV.receiver_account_id == bindparam("receiver"),
        share_visible(bindparam("now", type_=BigInteger)),
    )
    .with_for_update(of=resource_shares)
)
# The compare-and-set of accept and reject: only a pending, unexpired invitation of the
# receiver moves.
_CHANGE_ANSWER = (
    update(invitations)
    .where(
        INV.id == bindparam("invitation_id"),
        INV.receiver_account_id == bindparam("receiver"),
        INV.status == InvitationStatus.PENDING,
        INV.expires_at > bindparam("now", type_=BigInteger),
    )
    .values(status=bindparam("answer", type_=String), updated_at=bindparam("now"))
)
_ANSWER = Prepared(_CHANGE_ANSWER)
# PostgreSQL: the compare-and-set and the receiver's association moved with it, in one
# statement: the association moves only if the invitation did (SQLite has no data-modifying
# WITH: there they are two statements, each a function call).
_ANSWERED = _CHANGE_ANSWER.returning(INV.resource_share_id).cte("answered")
_MOVED = move_principal(select(_ANSWERED.c.resource_share_id).scalar_subquery()).cte("moved")
_ANSWER_AND_MOVE = Prepared(
    select(
        select(func.count()).select_from(_ANSWERED).scalar_subquery(),
        select(_MOVED.c.created_at).scalar_subquery(),
        select(_MOVED.c.external).scalar_subquery(),
    )
)
_INSERT = Prepared.insert(invitations)
_EXPIRE_STALE = Prepared(
    update(invitations)
    .where(
        INV.resource_share_id == bindparam("share_id"),
        INV.receiver_account_id == bindparam("receiver"),
        INV.status == InvitationStatus.PENDING,
        INV.expires_at <= bindparam("now", type_=BigInteger),
    )
    .values(status=InvitationStatus.EXPIRED, updated_at=INV.expires_at)
    .returning(INV.id, INV.sender_account_id, INV.created_at, INV.expires_at)
)
_FORGET_WITHDRAWN = Prepared(
    delete(invitations).where(
        INV.resource_share_id == bindparam("share_id"),
        INV.receiver_account_id == bindparam("receiver"),
        INV.status == InvitationStatus.WITHDRAWN,
    )
)
_NEWEST = invitations.alias("newest")
# A share's deletion withdraws its invitations; each receiver's withdrawn invitations from the
# owner's other deleted shares are then forgotten, so that creating and deleting shares that
# name an account over and over leaves it one withdrawn invitation from that owner, not one
# per round. (Active shares keep theirs: the owner's share quota bounds them.)
_FORGET_WITHDRAWN_OF_DELETED = Prepared(
    delete(invitations).where(
        INV.status == InvitationStatus.WITHDRAWN,
        INV.sender_account_id == bindparam("owner"),
        INV.resource_share_id != bindparam("share_id"),
        INV.receiver_account_id.in_(
            select(_NEWEST.c.receiver_account_id).where(
                _NEWEST.c.resource_share_id == bindparam("share_id"),
                _NEWEST.c.status == InvitationStatus.WITHDRAWN,
            )
        ),
        INV.resource_share_id.in_(
            select(S.id).where(
                S.owner_account_id == bindparam("owner"), S.status == ShareStatus.DELETED
            )
        ),
    )
)
_SEARCHES: dict[
    tuple[bool, bool, str | None, bool, bool, bool], Prepared | Select[Any] | CompoundSelect[Any]
] = {}


@dataclass(frozen=True, slots=True)
class Answered:
    """What an answer found and did: the receiver's invitation as read with its share locked
    (None when there is none for this receiver, or its share is gone), whether the
    compare-and-set moved it, and the principal's association as moved (None when it was
    not waiting)."""

    invitation: Invitation | None
    won: bool
    moved: Association | None


class InvitationRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add_many(self, items: Iterable[Invitation]) -> None:
        for i in items:
            row = {
                "id": i.id,
                "resource_share_id": i.resource_share_id,
                "resource_share_name": i.resource_share_name,
                "sender_account_id": i.sender_account_id,
                "receiver_account_id": i.receiver_account_id,
                "status": i.status.value,
                "created_at": i.created_at,
                "updated_at": i.updated_at,
                "expires_at": i.expires_at,
            }
            self._tx.send(_INSERT, row)

    def get(self, invitation_id: str) -> Invitation | None:
        row = self._tx.first(_GET, {"invitation_id": invitation_id})
        return None if row is None else INVITATION.read(row)

    def get_to_answer(self, invitation_id: str, receiver: str, now: Millis) -> Invitation | None:
        """The receiver's invitation, its share locked for this transaction; None if there is
        no such invitation for this receiver, or its share is gone. The invitation's status
        is as it was when the statement began: the answer's compare-and-set decides."""
        parameters = {"invitation_id": invitation_id, "receiver": receiver, "now": now}
        row = self._tx.first(_GET_FOR_ANSWER, parameters)
        return None if row is None else INVITATION.read(row)

    def answer(
        self,
        invitation_id: str,
        receiver: str,
        answer: InvitationStatus,
        principal: AssociationStatus,
        message: str | None,
        now: Millis,
    ) -> Answered:
        """Reads the receiver's invitation with its share locked, then moves it pending ->
        ``answer`` and the receiver's waiting association to ``principal``, as one
        compare-and-set: only a pending, unexpired invitation of this receiver moves, and the
        association only with it. It writes exactly when the domain's rule
        (``Invitation.require_pending``) holds for the invitation as it stands once its share
        is locked; the caller checks the invitation read and rolls back on a refusal. On
        PostgreSQL the read and the writes are one round trip."""
        read = {"invitation_id": invitation_id, "receiver": receiver, "now": now}
        write = {
            **read,
            "answer": answer.value,
            "principal_hash": entity_hash(receiver),
            "new_status": principal.value,
            "message": message,
        }
        if self._tx.backend.pipelines:
            found, counts = self._tx.batch([(_GET_FOR_ANSWER, read), (_ANSWER_AND_MOVE, write)])
            invitation = INVITATION.read(found[0]) if found else None
            won, created_at, external = counts[0]
            moved = None if created_at is None else (created_at, external)
        else:
            invitation = self.get_to_answer(invitation_id, receiver, now)
            won = invitation is not None and self._tx.rowcount(_ANSWER, write) == 1
            moved = None
            if invitation is not None and won:
                share = {**write, "share_id": invitation.resource_share_id}
                moved = AssociationRepository(self._tx).move_principal(share)
        if invitation is None or not won or moved is None:
            return Answered(invitation, bool(won), None)
        name = invitation.resource_share_name
        association = moved_principal(
            invitation.resource_share_id, name, receiver, principal, now, message, *moved
        )
        return Answered(invitation, True, association)

    def close_pending(
        self, share_id: str, now: Millis, receiver: str | None = None
    ) -> list[Invitation]:
        """Withdraws the share's open invitations (of one receiver, if given); the expired ones
        are recorded as expired, so none is left pending. Returns each as the change left it
        (for the change feed)."""
        scope = [INV.resource_share_id == share_id, INV.status == InvitationStatus.PENDING]
        if receiver is not None:
            scope.append(INV.receiver_account_id == receiver)
        return self._close([*scope, INV.expires_at <= now], None) + self._close(
            [*scope, INV.expires_at > now], now
        )

    def due(self, now: Millis, limit: int) -> list[tuple[str, str]]:
        """Up to ``limit`` pending invitations whose time ran out: (id, share id)."""
        due = (
            select(INV.id, INV.resource_share_id)
            .where(INV.status == InvitationStatus.PENDING, INV.expires_at <= now)
            .order_by(INV.expires_at)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in self._tx.execute(due)]

    def expire(self, invitation_ids: Sequence[str]) -> list[Invitation]:
        """Records those of the invitations still pending as expired (readers already show
        them so); returns them, for the change feed's expiry events."""
        if not invitation_ids:
            return []
        scope = [INV.id.in_(invitation_ids), INV.status == InvitationStatus.PENDING]
        return self._close(scope, None)

    def _close(self, scope: list[Any], now: Millis | None) -> list[Invitation]:
        """Withdraws the invitations in ``scope`` at ``now``, or, with None, records them as
        expired when they expired."""
        found = [INVITATION.read(row) for row in self._tx.execute(_INVITATIONS.where(*scope))]
        if not found:
            return []
        status = InvitationStatus.EXPIRED if now is None else InvitationStatus.WITHDRAWN
        at: Any = INV.expires_at if now is None else now
        # Only the rows this statement changed: another writer may have closed one meanwhile.
        changed = {
            row[0]
            for row in self._tx.execute(
                update(invitations)
                .where(*scope)
                .values(status=status, updated_at=at)
                .returning(INV.id)
            )
        }
        return [
            replace(i, status=status, updated_at=i.expires_at if now is None else now)
            for i in found
            if i.id in changed
        ]

    def expire_stale(
        self, share_id: str, share_name: str, receiver: str, now: Millis
    ) -> list[Invitation]:
        """Records an unanswered, expired invitation as expired, so a new one may be sent;
        returns it so (for the change feed)."""
        expired = InvitationStatus.EXPIRED
        parameters = {"share_id": share_id, "receiver": receiver, "now": now}
        return [
            Invitation(
                id, share_id, share_name, sender, receiver, expired, created, expires, expires
            )
            for id, sender, created, expires in self._tx.rows(_EXPIRE_STALE, parameters)
        ]

    def forget_withdrawn(self, share_id: str, receiver: str) -> None:
        """Deletes the receiver's withdrawn invitations to the share, before a new one is sent:
        an owner associating and disassociating one account over and over leaves it one
        withdrawn invitation per share, not one per round."""
        self._tx.rowcount(_FORGET_WITHDRAWN, {"share_id": share_id, "receiver": receiver})

    def answered_by(self, sender: str, receivers: Sequence[str]) -> set[str]:
        """Those of ``receivers`` that answered (accepted or rejected) an invitation of one of
        ``sender``'s shares."""
        if not receivers:
            return set()
        answered = (InvitationStatus.ACCEPTED, InvitationStatus.REJECTED)
        statement = (
            select(INV.receiver_account_id)
            .where(
                INV.sender_account_id == sender,
                INV.receiver_account_id.in_(sorted(set(receivers))),
                INV.status.in_(answered),
            )
            .distinct()
        )
        return {row.receiver_account_id for row in self._tx.execute(statement)}

    def forget_withdrawn_of_deleted(self, owner: str, share_id: str) -> None:
        """After ``share_id`` (of ``owner``) was deleted and its invitations withdrawn: each of
        their receivers keeps only this newest withdrawn invitation from the owner's deleted
        shares."""
        self._tx.rowcount(_FORGET_WITHDRAWN_OF_DELETED, {"owner": owner, "share_id": share_id})

    def count_by_status(self, now: Millis) -> dict[str, int]:
        seen = case(
            (and_(INV.status == InvitationStatus.PENDING, INV.expires_at <= now), "expired"),
            else_=INV.status,
        ).label("seen")
        rows = self._tx.execute(select(seen, func.count()).group_by(seen))
        return {row[0]: int(row[1]) for row in rows}

    def search(
        self, account_id: str, query: InvitationQuery, page: PageRequest, now: Millis
    ) -> Page[Invitation]:
        """Invitations the account received or sent, in one keyset walk over both indexes
        (backwards for ``query.newest_first``)."""
        rows = self._search(account_id, query, page, now, lines=False)
        items = [INVITATION.read(row).seen_at(now) for row in rows[: page.limit]]
        return page_of(items, rows, page.limit, _SEQ)

    def lines(
        self, account_id: str, query: InvitationQuery, page: PageRequest, now: Millis
    ) -> Page[InvitationLine]:
        """``search``'s invitations as a listing shows them, each row read as it comes."""
        rows = self._search(account_id, query, page, now, lines=True)
        # What ``InvitationLine._make`` does, without its Python frame and length check (the
        # statement's columns are the line's): a fifth of building a page's lines.
        new, line = tuple.__new__, InvitationLine
        items = [new(line, row[:_LINE_SEQ]) for row in rows[: page.limit]]
        return page_of(items, rows, page.limit, _LINE_SEQ)

    def _search(
        self, account_id: str, query: InvitationQuery, page: PageRequest, now: Millis, lines: bool
    ) -> Sequence[Sequence[Any]]:
        shape = (
            bool(query.share_ids),
            bool(query.invitation_ids),
            _status_shape(query.status),
            query.newest_first,
            lines,
            self._tx.backend.name == "sqlite",
        )
        statement = _SEARCHES.get(shape)
        if statement is None:
            built = _search_statement(*shape)
            # Id lists expand into IN (...): those shapes stay with SQLAlchemy.
            plain = not (query.share_ids or query.invitation_ids)
            statement = _SEARCHES[shape] = Prepared(built) if plain else built
        parameters = {
            "account": account_id,
            "after": start_position(page.marker, query.newest_first),
            "limit": page.limit + 1,
            "share_ids": list(query.share_ids),
            "invitation_ids": list(query.invitation_ids),
            "status": query.status,
            "now": now,
        }
        if isinstance(statement, Prepared):
            return self._tx.rows(statement, parameters)
        return self._tx.execute(statement, parameters).all()
